"""Streaming audits: same result as in memory, chunked Parquet spool, early limits."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import biasprobe.audits._stream as stream
from biasprobe import DataError, TemplateError, audit, bind, load_template_set
from biasprobe.audits._stream import spool_probes, to_arrow, use_streaming


def fake(texts: list[str]) -> np.ndarray:
    pos = np.array([(zlib.crc32(t.encode()) % 1000) / 1000 for t in texts])
    return np.column_stack([1 - pos, pos])


class Counting:
    score_label = "POSITIVE"
    fingerprint = "stream-counting"

    def __init__(self) -> None:
        self.labels = ["NEGATIVE", "POSITIVE"]
        self.info = {"model": "counting"}
        self.n = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.n += len(texts)
        return fake(texts)


@pytest.fixture
def two_slots(tmp_path: Path) -> Path:
    (tmp_path / "names.csv").write_text("value,gender\nAmy,female\nBob,male\nCai,\n")
    path = tmp_path / "set.yaml"
    path.write_text(
        "name: two\nslots:\n"
        "  name: {lexicon: names.csv, neutral: someone}\n"
        "  country: {lexicon: countries, neutral: a country}\n"
        "templates:\n"
        "  - {id: a, text: '{name} lives in {country}.'}\n"
        "  - {id: b, text: '{name} was born in {country}.'}\n"
    )
    return path


def test_streaming_gives_the_in_memory_result(
    two_slots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "STREAM_CHUNK", 97)  # many chunks, one with a lone baseline
    options = {"model": fake, "cache": None, "progress": False, "n_bootstrap": 200}
    memory = audit(two_slots, streaming=False, **options)
    streamed = audit(two_slots, streaming=True, **options)
    assert streamed.metadata["streaming"] is True and memory.metadata["streaming"] is False
    a, b = memory.probes, streamed.probes
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for col in a.columns:
        left, right = a[col].tolist(), b[col].tolist()
        assert [None if pd.isna(x) else x for x in left] == [
            None if pd.isna(x) else x for x in right
        ], col
    pd.testing.assert_frame_equal(memory.by_group(), streamed.by_group(), check_dtype=False)
    pd.testing.assert_frame_equal(memory.gaps(), streamed.gaps(), check_dtype=False)


def test_spool_writes_every_chunk_and_sums_counts(two_slots: Path, tmp_path: Path) -> None:
    bound = bind(load_template_set(two_slots))
    scorer, stats = Counting(), {}
    cache = tmp_path / "c.sqlite"
    from biasprobe import ScoreCache

    with ScoreCache(cache) as store:
        n = spool_probes(
            bound,
            tmp_path / "p.parquet",
            scorer=scorer,
            cache=store,
            chunk_size=250,
            progress=False,
            stats=stats,
        )
        assert n == bound.size() == pq.ParquetFile(tmp_path / "p.parquet").metadata.num_rows
        assert pq.ParquetFile(tmp_path / "p.parquet").metadata.num_row_groups >= 4
        assert stats["n_scored"] == scorer.n == n
        again = Counting()
        spool_probes(bound, tmp_path / "q.parquet", scorer=again, cache=store, progress=False)
        assert again.n == 0  # a re-run streams every score from the cache
    table = pd.read_parquet(tmp_path / "q.parquet")
    np.testing.assert_allclose(table["score"], fake(table["text"].tolist())[:, 1])


def test_first_chunk_nulls_become_strings_and_later_chunks_follow() -> None:
    first = to_arrow(pd.DataFrame({"a": [None, None], "x": [1.0, 2.0]}), None)
    assert first.schema.field("a").type == pa.string()
    later = to_arrow(pd.DataFrame({"a": ["u", None], "x": [3.0, 4.0]}), first.schema)
    assert later.column("a").to_pylist() == ["u", None]
    with pytest.raises(DataError, match=r"does not match the columns of the first chunk"):
        to_arrow(pd.DataFrame({"a": ["u"], "x": ["not a number"]}), first.schema)


def test_streaming_is_automatic_for_large_sets(
    two_slots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bound = bind(load_template_set(two_slots))
    assert not use_streaming(None, bound)
    monkeypatch.setattr(stream, "STREAM_MIN_PROBES", bound.size())
    assert use_streaming(None, bound)
    assert not use_streaming(False, bound)


def test_too_large_a_set_is_refused_before_the_model_loads(two_slots: Path) -> None:
    with pytest.raises(TemplateError, match=r"over the limit of 10"):
        audit(two_slots, model="./no/such/model", streaming=True, max_probes=10, cache=None)
