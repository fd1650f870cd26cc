"""Faults: corrupted or truncated caches, concurrent writers, full disks."""

from __future__ import annotations

import errno
import multiprocessing as mp
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biasprobe
from biasprobe import DataError, ScoreCache, score_texts
from biasprobe.cli import main


class HashScorer:
    """Deterministic probabilities from a text's hash; ``fingerprint`` shared by processes."""

    score_label = "POSITIVE"
    fingerprint = "hash-scorer-v1"

    def __init__(self) -> None:
        self.labels = ["NEGATIVE", "POSITIVE"]
        self.info = {"model": "hash", "kind": "fake"}

    def __call__(self, texts: list[str]) -> np.ndarray:
        import zlib

        pos = np.array([(zlib.crc32(t.encode()) % 997) / 997 for t in texts])
        return np.column_stack([1 - pos, pos])


def _writer(cache: str, start: int, n: int) -> None:
    texts = [f"shared sentence {i}" for i in range(start, start + n)]
    score_texts(texts, scorer=HashScorer(), cache=cache, chunk_size=25, progress=False)


def test_two_processes_share_one_cache(tmp_path: Path) -> None:
    cache = str(tmp_path / "c.sqlite")
    ScoreCache(cache).close()
    ctx = mp.get_context("spawn")
    # overlapping ranges: both write 200..399
    procs = [
        ctx.Process(target=_writer, args=(cache, 0, 400)),
        ctx.Process(target=_writer, args=(cache, 200, 400)),
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with sqlite3.connect(cache) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT text, probs FROM scores").fetchall()
    assert len(rows) == 600 == len({t for t, _ in rows})
    expected = HashScorer()([t for t, _ in rows])
    got = np.array([np.frombuffer(p, dtype="<f8") for _, p in rows])
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_truncated_cache_is_moved_aside(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    texts = [f"text {i}" for i in range(300)]
    score_texts(texts, scorer=HashScorer(), cache=cache, progress=False)
    with sqlite3.connect(cache) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = cache.read_bytes()
    cache.write_bytes(data[: len(data) // 3])
    for extra in tmp_path.glob("c.sqlite-*"):
        extra.unlink()
    with pytest.warns(UserWarning, match="score cache is corrupt; moved it to"):
        out = score_texts(texts, scorer=HashScorer(), cache=cache, progress=False)
    np.testing.assert_allclose(out["score"], HashScorer()(texts)[:, 1])
    assert len(list(tmp_path.glob("c.sqlite.corrupt-*[0-9]"))) == 1
    with ScoreCache(cache) as store:
        assert store.count() == 300


def test_full_disk_keeps_previous_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = biasprobe.CallableScorer(
        lambda t: [[0.3, 0.7]] * len(t), labels=["NEGATIVE", "POSITIVE"]
    )
    out = tmp_path / "audit"
    biasprobe.audit("country", model=fake, cache=None, progress=False, n_bootstrap=20).save(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def no_space(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        Path(str(path)).write_bytes(b"PAR1 half written")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", no_space)
    result = biasprobe.audit(
        "country", model=lambda t: [[0.9, 0.1]] * len(t), cache=None, progress=False, n_bootstrap=20
    )
    with pytest.raises(
        DataError,
        match=r"probes.parquet: cannot write \(No space left on device\); previous file kept",
    ):
        result.save(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_full_disk_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_space(self: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", no_space)
    from biasprobe.audits import _audit as _audit

    monkeypatch.setattr(_audit, "load_scorer", lambda *a, **k: HashScorer())
    code = main(["audit", "country", "--out", str(tmp_path / "o"), "--no-cache", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"biasprobe audit: error: {tmp_path / 'o' / 'probes.parquet'}: cannot write (No space left "
        "on device); previous file kept"
    ]
    assert list((tmp_path / "o").glob("*")) == []
