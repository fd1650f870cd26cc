"""A persistent SQLite cache of model outputs, keyed by model fingerprint and exact text.

Rows are committed batch by batch, so an interrupted run keeps what it scored. WAL mode
and a busy timeout let several processes share one cache file. A file that is not a
readable SQLite database is moved aside (with a warning) and a fresh cache is started.
Probabilities are stored as little-endian float64 bytes (rows written as JSON text by
earlier versions are still read). One connection may be used from several threads, one
call at a time (the scoring stage commits from its main thread while a worker scores).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from biasprobe._errors import CacheError

# Sentinel for "the default cache path" (None means no cache).
USE_DEFAULT_CACHE: Any = "default"

SCHEMA = """
CREATE TABLE IF NOT EXISTS scores (
    fingerprint TEXT NOT NULL,
    text TEXT NOT NULL,
    probs TEXT NOT NULL,
    PRIMARY KEY (fingerprint, text)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS models (
    fingerprint TEXT PRIMARY KEY,
    labels TEXT NOT NULL
);
"""
_QUERY_CHUNK = 900


def resolve_cache_path(cache: Any) -> Any:
    """What an API ``cache=`` argument means: ``USE_DEFAULT_CACHE`` gives
    ``default_cache_path()``; ``None`` (no cache) and a path are returned as given."""
    return default_cache_path() if cache is USE_DEFAULT_CACHE else cache


def open_cache(path: Any) -> contextlib.AbstractContextManager[ScoreCache | None]:
    """``with open_cache(path) as store``: a ``ScoreCache`` closed on exit, or ``None`` when
    ``path`` is ``None`` (no cache)."""
    return ScoreCache(path) if path is not None else contextlib.nullcontext()


def default_cache_path() -> Path:
    """Where scores are cached unless told otherwise.

    Returns
    -------
    pathlib.Path
        ``$BIASPROBE_CACHE``, else ``$XDG_CACHE_HOME/biasprobe/scores.sqlite`` (by default
        ``~/.cache/biasprobe/scores.sqlite``).
    """
    env = os.environ.get("BIASPROBE_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "biasprobe" / "scores.sqlite"


class ScoreCache:
    """Per-text probabilities for each model fingerprint, in one SQLite file.

    WAL mode with a busy timeout, so several processes can share it; a file that is not a
    readable database is moved aside with a warning and a new one is started.

    Parameters
    ----------
    path
        The SQLite file (created with its folder when missing).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return _connect(self.path)
        except sqlite3.DatabaseError:
            return self._recover()
        except OSError as exc:
            raise CacheError(f"{self.path}: cannot open the score cache ({exc.strerror})") from None

    def _recover(self) -> sqlite3.Connection:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(f"{self.path}{suffix}")
            if src.exists():
                src.replace(f"{aside}{suffix}")
        warnings.warn(
            f"{self.path}: score cache is corrupt; moved it to {aside} and started a new one",
            UserWarning,
            stacklevel=3,
        )
        return _connect(self.path)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def get_many(self, fingerprint: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached probabilities for those ``texts`` that are in the cache."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(texts), _QUERY_CHUNK):
            chunk = list(texts[start : start + _QUERY_CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT text, probs FROM scores WHERE fingerprint = ? AND text IN ({marks})",
                [fingerprint, *chunk],
            ).fetchall()
            for text, probs in rows:
                found[text] = _decode(probs)
        return found

    def put_many(
        self, fingerprint: str, labels: Sequence[str], items: Iterable[tuple[str, np.ndarray]]
    ) -> None:
        """Store probabilities; committed before returning."""
        rows = [(fingerprint, t, np.asarray(p, dtype="<f8").tobytes()) for t, p in items]
        try:
            with self._conn:
                self._conn.execute(
                    "INSERT OR IGNORE INTO models VALUES (?, ?)",
                    (fingerprint, json.dumps(list(labels))),
                )
                self._conn.executemany("INSERT OR IGNORE INTO scores VALUES (?, ?, ?)", rows)
        except sqlite3.OperationalError as exc:
            raise CacheError(f"{self.path}: cannot write the score cache ({exc})") from None

    def count(self, fingerprint: str | None = None) -> int:
        """Number of cached texts (for one fingerprint, or all)."""
        if fingerprint is None:
            return int(self._conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0])
        query = "SELECT COUNT(*) FROM scores WHERE fingerprint = ?"
        return int(self._conn.execute(query, (fingerprint,)).fetchone()[0])

    def __enter__(self) -> ScoreCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _decode(probs: bytes | str) -> np.ndarray:
    if isinstance(probs, bytes):
        return np.frombuffer(probs, dtype="<f8").astype(np.float64)
    return np.asarray(json.loads(probs), dtype=np.float64)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=60.0, isolation_level="DEFERRED", check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout = 60000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(SCHEMA)
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError:
        conn.close()
        raise
    if ok != "ok":
        conn.close()
        raise sqlite3.DatabaseError(ok)
    return conn
