"""Null reference for group differences: permute group labels within wording cells.

Under "no group effect", the groups' scores within one wording (and one filling of the
other slots) are exchangeable. Shuffling the group labels within every such cell keeps
the wording and other-slot effects and destroys only the group effect. The test
statistic is the variance of the group means (the permutation F test of a blocked
design); the same permutations give the "noise floor" of the gap: the mean max - min
of the group means when there is no group effect at all.

scipy's ``permutation_test`` permutes within one sample set, not within strata (blocks);
this module permutes every stratum at once with ``Generator.permuted`` and reduces in
NumPy. With a single stratum it is the same test as ``permutation_test(...,
permutation_type="independent")`` (the tests compare them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biasprobe.stats._design import Design, rng_for

_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class NullReference:
    """A permutation test of "no group effect" and the gap it implies."""

    p_value: float
    null_gap: float
    n_permutations: int


def stratified_null(
    design: Design, *, n_permutations: int, seed: int, key: str = ""
) -> NullReference:
    """Permute group labels within every wording x other-slots cell of ``design``.

    Cells are compared through their means; a cell a group lacks stays empty for that
    group's label. NaN results when there is one group or one cell (nothing to permute).
    """
    g, t, o = design.shape
    cells = design.cell_means.reshape(g, t * o).T  # strata x groups
    if g < 2 or t * o < 2 or n_permutations < 1:
        return NullReference(float("nan"), float("nan"), 0)
    observed = _variance(np.nanmean(cells, axis=0)[None, :])[0]
    rng = rng_for(seed, "permutation", key)
    step = max(1, _CHUNK_CELLS // cells.size)
    stats, gaps = [], []
    for start in range(0, n_permutations, step):
        b = min(step, n_permutations - start)
        shuffled = rng.permuted(np.broadcast_to(cells, (b, *cells.shape)), axis=2)
        with np.errstate(invalid="ignore"):
            means = np.nanmean(shuffled, axis=1)  # b x groups
        stats.append(_variance(means))
        gaps.append(np.nanmax(means, axis=1) - np.nanmin(means, axis=1))
    null = np.concatenate(stats)
    exceed = int(np.sum(null >= observed * (1 - 1e-12)))
    return NullReference(
        p_value=(exceed + 1) / (len(null) + 1),
        null_gap=float(np.mean(np.concatenate(gaps))),
        n_permutations=len(null),
    )


def _variance(means: np.ndarray) -> np.ndarray:
    centred = means - np.nanmean(means, axis=1, keepdims=True)
    return np.nansum(centred**2, axis=1)
