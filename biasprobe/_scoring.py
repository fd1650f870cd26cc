"""The scoring stage: deduplicate, look up the cache, score what is new, store it."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biasprobe._cache import ScoreCache
from biasprobe._errors import ModelError
from biasprobe._scorer import Scorer

DEFAULT_CHUNK = 2048


def score_texts(
    texts: Sequence[str],
    *,
    scorer: Scorer,
    cache: ScoreCache | str | Path | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: bool = True,
    stats: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Score ``texts`` (in their order, duplicates included) with ``scorer``.

    Returns a DataFrame with columns ``text``, ``p_<LABEL>`` per label and ``score``
    (the probability of ``scorer.score_label``). Each distinct text is scored once;
    with a ``cache`` only texts missing from it are scored, and every finished chunk is
    committed so that an interrupted run loses nothing. ``stats``, if given, receives
    counts (``n_texts``, ``n_unique``, ``n_cached``, ``n_scored``).
    """
    own_cache = isinstance(cache, str | Path)
    store = ScoreCache(cache) if isinstance(cache, str | Path) else cache
    try:
        table = _score_unique(
            list(dict.fromkeys(texts)), scorer, store, chunk_size, progress, stats
        )
    finally:
        if own_cache and store is not None:
            store.close()
    probs = np.stack([table[t] for t in texts]) if texts else np.zeros((0, len(scorer.labels)))
    return _frame(list(texts), probs, scorer)


def _score_unique(
    unique: list[str],
    scorer: Scorer,
    cache: ScoreCache | None,
    chunk_size: int,
    progress: bool,
    stats: dict[str, Any] | None,
) -> dict[str, np.ndarray]:
    fingerprint = scorer.fingerprint
    if cache is not None and fingerprint is None:
        warnings.warn(
            "scorer has no fingerprint; its scores are not cached", UserWarning, stacklevel=4
        )
        cache = None
    table = cache.get_many(fingerprint, unique) if cache is not None and fingerprint else {}
    todo = _order_by_length([t for t in unique if t not in table], scorer)
    _score_todo(todo, scorer, cache, table, chunk_size=chunk_size, progress=progress)
    if stats is not None:
        stats.update(n_unique=len(unique), n_cached=len(unique) - len(todo), n_scored=len(todo))
    return table


def _score_todo(
    todo: list[str],
    scorer: Scorer,
    cache: ScoreCache | None,
    table: dict[str, np.ndarray],
    *,
    chunk_size: int,
    progress: bool,
) -> None:
    from tqdm.auto import tqdm

    bar = tqdm(total=len(todo), desc="scoring", unit="text", disable=not progress or not todo)
    try:
        for start in range(0, len(todo), chunk_size):
            chunk = todo[start : start + chunk_size]
            probs = np.asarray(scorer(chunk), dtype=np.float64)
            _check_probs(probs, len(chunk), scorer)
            table.update(zip(chunk, probs, strict=True))
            if cache is not None and scorer.fingerprint:
                cache.put_many(scorer.fingerprint, scorer.labels, zip(chunk, probs, strict=True))
            bar.update(len(chunk))
    finally:
        bar.close()


def _order_by_length(texts: list[str], scorer: Scorer) -> list[str]:
    lengths = getattr(scorer, "token_lengths", None)
    if lengths is None or len(texts) < 2:
        return texts
    order = np.argsort(lengths(texts), kind="stable")
    return [texts[i] for i in order]


def _check_probs(probs: np.ndarray, n: int, scorer: Scorer) -> None:
    if probs.shape != (n, len(scorer.labels)):
        raise ModelError(
            f"scorer returned shape {probs.shape}, expected ({n}, {len(scorer.labels)})"
        )
    if not np.isfinite(probs).all():
        raise ModelError("scorer returned NaN or infinite probabilities")


def _frame(texts: list[str], probs: np.ndarray, scorer: Scorer) -> pd.DataFrame:
    frame = pd.DataFrame({"text": texts})
    for j, label in enumerate(scorer.labels):
        frame[f"p_{label}"] = probs[:, j] if len(probs) else np.zeros(0)
    frame["score"] = frame[f"p_{scorer.score_label}"]
    return frame
