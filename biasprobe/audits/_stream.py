"""Streaming audits: expand, score and spool probes chunk by chunk, within bounded memory.

A large audit never holds its expansion as Python rows: ``iter_probes`` yields chunks,
each chunk is scored (through the cache, so an interrupted audit resumes where it
stopped) and appended to a Parquet file with ``pyarrow.parquet.ParquetWriter``. The
probe table is then read back once, as compact Arrow-backed columns, for the statistics.
"""

from __future__ import annotations

import contextlib
import gc
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from biasprobe._errors import DataError
from biasprobe.probes._expand import DEFAULT_MAX_PROBES, BoundSet, iter_probes
from biasprobe.scoring._cache import ScoreCache
from biasprobe.scoring._score_texts import score_texts
from biasprobe.scoring._scorer import Scorer

STREAM_MIN_PROBES = 200_000  # audits at least this large stream unless told otherwise
STREAM_CHUNK = 20_000  # probes per chunk with the local engine
RAY_STREAM_CHUNK = 500_000  # each Ray chunk starts an actor pool: fewer, larger chunks


def use_streaming(
    streaming: bool | None, bound: BoundSet, *, max_probes: int = DEFAULT_MAX_PROBES
) -> bool:
    """Whether to stream this audit (``None``: when it has ``STREAM_MIN_PROBES`` or more).

    Refuses, before any model is loaded, a set that expands past ``max_probes``.
    """
    next(iter_probes(bound, chunk_size=1, max_probes=max_probes), None)
    return bound.size() >= STREAM_MIN_PROBES if streaming is None else bool(streaming)


def score_probes(
    bound: BoundSet,
    probes: pd.DataFrame | None,
    *,
    scorer: Scorer,
    cache: ScoreCache | None,
    engine: str = "local",
    progress: bool = True,
    stats: dict[str, Any] | None = None,
    max_probes: int = DEFAULT_MAX_PROBES,
) -> pd.DataFrame:
    """The probe table of ``bound`` with ``p_<LABEL>`` and ``score`` columns.

    ``probes`` is the expanded table (scored in memory), or ``None`` to stream.
    """
    options: dict[str, Any] = {"scorer": scorer, "cache": cache, "engine": engine}
    if probes is not None:
        scores = score_texts(probes["text"].tolist(), progress=progress, stats=stats, **options)
        return with_scores(probes, scores)
    with tempfile.TemporaryDirectory(prefix="biasprobe-stream-") as tmp, _system_memory():
        path = Path(tmp) / "probes.parquet"
        spool_probes(bound, path, progress=progress, stats=stats, max_probes=max_probes, **options)
        return read_spool(path)


def read_spool(path: str | Path) -> pd.DataFrame:
    """The spooled probe table, as Arrow-backed columns (scratch memory handed back)."""
    table = pq.read_table(path)
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    pa.default_memory_pool().release_unused()
    return frame


@contextlib.contextmanager
def _system_memory() -> Iterator[None]:
    """Arrow allocates from malloc meanwhile: freed chunks go back to the system at once.

    (Arrow's default pool keeps freed memory for reuse: hundreds of MB after decoding a
    large Parquet file, which is what bounds an audit's peak.)
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        gc.collect()
        pa.default_memory_pool().release_unused()
        pa.set_memory_pool(previous)


def spool_probes(
    bound: BoundSet,
    path: str | Path,
    *,
    scorer: Scorer,
    cache: ScoreCache | None,
    engine: str = "local",
    chunk_size: int | None = None,
    progress: bool = True,
    stats: dict[str, Any] | None = None,
    max_probes: int = DEFAULT_MAX_PROBES,
) -> int:
    """Write the scored probe table of ``bound`` to the Parquet file ``path``, chunk by chunk.

    Returns the number of probes. ``stats`` receives the summed per-chunk counts.
    """
    from tqdm.auto import tqdm

    size = chunk_size or (STREAM_CHUNK if engine == "local" else RAY_STREAM_CHUNK)
    writer: pq.ParquetWriter | None = None
    bar = tqdm(total=bound.size(), desc="audit", unit="probe", disable=not progress)
    n = 0
    try:
        for chunk in iter_probes(bound, chunk_size=size, max_probes=max_probes):
            counts: dict[str, Any] = {}
            scores = score_texts(
                chunk["text"].tolist(),
                scorer=scorer,
                cache=cache,
                progress=False,
                stats=counts,
                engine=engine,
            )
            table = to_arrow(with_scores(chunk, scores), None if writer is None else writer.schema)
            writer = writer or pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table)
            _add_counts(stats, counts)
            n += len(chunk)
            bar.update(len(chunk))
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    return n


def with_scores(probes: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """``probes`` with the score columns of ``scores`` (same row order)."""
    out = probes.reset_index(drop=True).copy()
    for col in scores.columns:
        if col != "text":
            out[col] = scores[col].to_numpy()
    return out


def to_arrow(frame: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    """``frame`` as an Arrow table; later chunks are cast to the first chunk's schema.

    Columns that are empty in the first chunk (all null) are typed as strings.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if schema is None:
        fields = [
            pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema
        ]
        return table.cast(pa.schema(fields, metadata=table.schema.metadata))
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DataError(
            f"probe chunk does not match the columns of the first chunk ({exc}); a lexicon "
            "column mixes types (e.g. numbers and text): make it one type"
        ) from None


def _add_counts(total: dict[str, Any] | None, counts: dict[str, Any]) -> None:
    if total is None:
        return
    for key in ("n_unique", "n_cached", "n_scored"):
        total[key] = total.get(key, 0) + counts.get(key, 0)
