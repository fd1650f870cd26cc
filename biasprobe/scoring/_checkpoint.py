"""Checkpoint files: a local model's fingerprint and the pickle warning.

Shared by the scorer protocol and the transformers scorer without either importing the other.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from pathlib import Path


def hash_files(paths: Sequence[Path]) -> str:
    """SHA-256 over the names and bytes of ``paths`` (a local model's fingerprint)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        with path.open("rb") as fh:
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
