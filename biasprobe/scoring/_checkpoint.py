"""Checkpoint files: a local model's fingerprint and the pickle warning.

Shared by the scorer protocol and the transformers scorer without either importing the other.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections.abc import Sequence
from pathlib import Path


def hash_files(paths: Sequence[Path]) -> str:
    """SHA-256 over the names and bytes of ``paths`` (a local model's fingerprint).

    Within one process the digest of the same files (same resolved paths, sizes and
    modification times) is computed once: ``biasprobe audit`` loads its scorer twice."""
    files = sorted(paths)
    stamps = []
    for path in files:
        stat = path.stat()
        stamps.append((str(path.resolve()), path.name, stat.st_size, stat.st_mtime_ns))
    return _digest(tuple(stamps))


@functools.lru_cache(maxsize=16)
def _digest(stamps: tuple[tuple[str, str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for resolved, name, _, _ in stamps:
        digest.update(name.encode())
        with open(resolved, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def warn_pickle(path: Path) -> None:
    """Warn that a checkpoint is a pickle, which can run code when loaded."""
    warnings.warn(
        f"{path}: loading a pickle checkpoint (pytorch_model.bin); pickles can run code. "
        "Prefer model.safetensors.",
        UserWarning,
        stacklevel=3,
    )
