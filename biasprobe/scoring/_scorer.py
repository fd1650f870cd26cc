"""Scorers: turn a list of texts into per-label probabilities.

Only this module and ``_hf.py`` touch torch/transformers. A scorer is any object with
``__call__(texts) -> ndarray (n, n_labels)`` and the attributes ``labels``,
``score_label``, ``fingerprint`` (``None`` disables caching) and ``info``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from biasprobe._defaults import DEFAULT_BATCH_SIZE, DEFAULT_DEVICE, DEFAULT_DTYPE, DEFAULT_MODEL
from biasprobe._errors import ModelError, UsageError
from biasprobe.scoring._labels import pick_score_label


@runtime_checkable
class Scorer(Protocol):
    """What the scoring stage needs from a model.

    A scorer is callable on a list of texts and returns an ``(n, labels)`` array of
    probabilities; ``labels`` names the columns, ``score_label`` the one that is the score,
    ``fingerprint`` keys the cache and ``info`` describes the model in outputs.
    """

    labels: list[str]
    score_label: str
    fingerprint: str | None
    info: dict[str, Any]

    def __call__(self, texts: list[str]) -> np.ndarray: ...


class CallableScorer:
    """Wrap a user function ``texts -> probabilities`` as a scorer.

    The function may return an array of shape (n, k) or (n,), a DataFrame with one column
    per label, or a list of ``{label: probability}`` dicts.

    Examples
    --------
    >>> s = CallableScorer(lambda texts: [[0.2, 0.8] for _ in texts], labels=["neg", "pos"])
    >>> s(["a", "b"]).tolist()
    [[0.2, 0.8], [0.2, 0.8]]
    >>> s.score_label
    'pos'
    """

    def __init__(
        self,
        fn: Callable[[list[str]], Any],
        *,
        labels: Sequence[str] | None = None,
        score_label: str | int | None = None,
        fingerprint: str | None = None,
    ) -> None:
        self._fn = fn
        self.labels = list(labels or getattr(fn, "labels", None) or [])
        self._requested_label = score_label
        self.fingerprint = fingerprint or getattr(fn, "fingerprint", None)
        name = getattr(fn, "__qualname__", type(fn).__name__)
        self.info: dict[str, Any] = {"model": f"callable:{name}", "kind": "callable"}
        self.score_label = ""
        if self.labels:
            self.score_label = pick_score_label(self.labels, score_label, model=self.info["model"])

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = self._fn(list(texts))
        probs = self._to_array(out, n=len(texts))
        if not self.score_label:
            self.score_label = pick_score_label(
                self.labels, self._requested_label, model=self.info["model"]
            )
        return probs

    def _to_array(self, out: Any, *, n: int) -> np.ndarray:
        if isinstance(out, pd.DataFrame):
            self.labels = self.labels or [str(c) for c in out.columns]
            arr = out.to_numpy(dtype=float)
        elif isinstance(out, list) and out and isinstance(out[0], dict):
            self.labels = self.labels or [str(k) for k in out[0]]
            arr = np.array([[row[k] for k in self.labels] for row in out], dtype=float)
        else:
            arr = np.asarray(out, dtype=float)
            if arr.ndim == 1:
                arr = arr[:, None]
            self.labels = self.labels or _default_labels(arr.shape[1])
        if arr.shape != (n, len(self.labels)):
            raise ModelError(
                f"{self.info['model']}: returned shape {arr.shape} for {n} texts; "
                f"expected ({n}, {len(self.labels)}) probabilities for labels {self.labels}"
            )
        return arr


def _default_labels(k: int) -> list[str]:
    return ["score"] if k == 1 else [f"LABEL_{i}" for i in range(k)]


def load_scorer(
    model: str | Path | Callable[[list[str]], Any] | Scorer = DEFAULT_MODEL,
    *,
    device: str = DEFAULT_DEVICE,
    score_label: str | int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    revision: str | None = None,
    dtype: str = DEFAULT_DTYPE,
    trust_remote_code: bool = False,
) -> Scorer:
    """A scorer from a Hub id, a local model folder, a callable, or a scorer.

    Hub ids and folders load a ``transformers`` sequence classifier (safetensors
    preferred; remote code only with ``trust_remote_code=True``). Labels and fingerprint
    come from the files (``config.json``, the weights' hash, the cached Hub commit); the
    weights themselves load on the first text there is to score, so an audit whose scores
    are all cached never loads the model (nor imports torch).
    """
    if batch_size < 1:
        raise UsageError(f"batch size must be at least 1, got {batch_size}")
    if isinstance(model, Scorer):
        return model
    if callable(model):
        return CallableScorer(model, score_label=score_label)
    from biasprobe.scoring._transformers import HFScorer

    return HFScorer(
        str(model),
        device=device,
        score_label=score_label,
        batch_size=batch_size,
        revision=revision,
        dtype=dtype,
        trust_remote_code=trust_remote_code,
    )
