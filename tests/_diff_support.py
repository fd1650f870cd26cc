"""Stable synthetic scorers for the model-diff tests: no model, independent of biasprobe.

A text's score is a fixed pseudo-random number from its CRC; a "second model" moves the
texts that mention one word by a set amount plus a small length-dependent step, so that
the move is not identical in every wording.
"""

from __future__ import annotations

import zlib

import numpy as np


def crc_score(text: str) -> float:
    """A stable score in [0.2, 0.8) for ``text``."""
    return (zlib.crc32(text.encode()) % 1000) / 1000 * 0.6 + 0.2


def probabilities(scores: list[float] | np.ndarray) -> np.ndarray:
    """``[[1 - p, p], ...]``, the scorer callables' output."""
    s = np.asarray(scores, dtype=float)
    return np.column_stack([1 - s, s])


def base(texts: list[str]) -> np.ndarray:
    """The unchanged model."""
    return probabilities([crc_score(t) for t in texts])


def shifted(texts: list[str], word: str, *, shift: float, step: float, modulo: int) -> np.ndarray:
    """``base``, with texts that contain ``word`` moved by ``shift + step * (len % modulo)``."""
    return probabilities(
        [crc_score(t) + (shift + step * (len(t) % modulo) if word in t else 0.0) for t in texts]
    )
