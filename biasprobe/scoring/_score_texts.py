"""The scoring stage: deduplicate, look up the cache, score what is new, store it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biasprobe._errors import ModelError, UsageError
from biasprobe.scoring._cache import ScoreCache
from biasprobe.scoring._scorer import Scorer

DEFAULT_CHUNK = 2048
ENGINES = ("local", "ray")
Chunks = Iterator[tuple[list[str], np.ndarray]]


def score_texts(
    texts: Sequence[str],
    *,
    scorer: Scorer,
    cache: ScoreCache | str | Path | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    stats: dict[str, Any] | None = None,
    engine: str = "local",
) -> pd.DataFrame:
    """Score ``texts`` (in their order, duplicates included) with ``scorer``.

    Returns a DataFrame with columns ``text``, ``p_<LABEL>`` per label and ``score``
    (the probability of ``scorer.score_label``). Each distinct text is scored once;
    with a ``cache`` only texts missing from it are scored, and every finished chunk of
    ``chunk_size`` texts (default: what the scorer's device needs, 2048 on a CPU) is
    committed so that an interrupted run loses nothing. ``stats``, if given, receives
    counts (``n_texts``, ``n_unique``, ``n_cached``, ``n_scored``). ``engine`` is
    ``"local"`` (this process) or ``"ray"`` / ``"ray://HOST:PORT"`` (an actor pool on a
    Ray cluster, see ``biasprobe.scoring._ray``); both give the same scores.
    """
    engine = check_engine(engine)
    own_cache = isinstance(cache, str | Path)
    store = ScoreCache(cache) if isinstance(cache, str | Path) else cache
    try:
        table = _score_unique(
            list(dict.fromkeys(texts)), scorer, store, chunk_size, progress, stats, engine
        )
    finally:
        if own_cache and store is not None:
            store.close()
    probs = np.stack([table[t] for t in texts]) if texts else np.zeros((0, len(scorer.labels)))
    return _frame(list(texts), probs, scorer)


def check_engine(engine: str) -> str:
    """``engine`` if it names a scoring engine, else a ``UsageError``."""
    if engine in ENGINES or engine.startswith("ray://"):
        return engine
    raise UsageError(
        f"unknown engine {engine!r}; valid: local, ray, or a Ray cluster address ray://HOST:PORT"
    )


def _score_unique(
    unique: list[str],
    scorer: Scorer,
    cache: ScoreCache | None,
    chunk_size: int | None,
    progress: bool,
    stats: dict[str, Any] | None,
    engine: str,
) -> dict[str, np.ndarray]:
    fingerprint = scorer.fingerprint
    if cache is not None and fingerprint is None:
        warnings.warn(
            "scorer has no fingerprint; its scores are not cached", UserWarning, stacklevel=4
        )
        cache = None
    table = cache.get_many(fingerprint, unique) if cache is not None and fingerprint else {}
    todo = order_by_length([t for t in unique if t not in table])
    if todo:  # the scorer's device (and model) are looked at only when there is work
        size = chunk_size or int(getattr(scorer, "chunk_size", DEFAULT_CHUNK))
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        if engine == "local":
            results = _local_chunks(chunks, scorer)
        else:
            from biasprobe.scoring._ray import ray_chunks

            results = ray_chunks(chunks, scorer, address=None if engine == "ray" else engine)
        _store(results, scorer, cache, table, total=len(todo), progress=progress)
    if stats is not None:
        stats.update(n_unique=len(unique), n_cached=len(unique) - len(todo), n_scored=len(todo))
    return table


def order_by_length(texts: list[str]) -> list[str]:
    """``texts`` from shortest to longest (stable), so that each chunk pads little.

    Character length stands in for token count here (free for millions of texts); the
    transformers scorer orders each chunk by exact token count itself.
    """
    return sorted(texts, key=len)


def _local_chunks(chunks: list[list[str]], scorer: Scorer) -> Chunks:
    """``(chunk, probabilities)`` in order; on a GPU the next chunk is scored meanwhile."""
    if not _on_gpu(scorer):
        for chunk in chunks:
            yield chunk, np.asarray(scorer(chunk), dtype=np.float64)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="biasprobe-score") as pool:
        pending = pool.submit(scorer, chunks[0]) if chunks else None
        for k, chunk in enumerate(chunks):
            assert pending is not None
            probs = pending.result()
            pending = pool.submit(scorer, chunks[k + 1]) if k + 1 < len(chunks) else None
            yield chunk, np.asarray(probs, dtype=np.float64)


def _on_gpu(scorer: Scorer) -> bool:
    device = getattr(scorer, "device", None)
    return getattr(device, "type", None) == "cuda"


def _store(
    results: Chunks,
    scorer: Scorer,
    cache: ScoreCache | None,
    table: dict[str, np.ndarray],
    *,
    total: int,
    progress: bool,
) -> None:
    """Check each scored chunk, keep it in ``table`` and commit it to ``cache``."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc="scoring", unit="text", disable=not progress or not total)
    try:
        for chunk, probs in results:
            _check_probs(probs, len(chunk), scorer)
            table.update(zip(chunk, probs, strict=True))
            if cache is not None and scorer.fingerprint:
                cache.put_many(scorer.fingerprint, scorer.labels, zip(chunk, probs, strict=True))
            bar.update(len(chunk))
    finally:
        bar.close()


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
