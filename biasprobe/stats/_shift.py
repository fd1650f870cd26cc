"""Hodges-Lehmann shift with the confidence interval that inverts the Wilcoxon test.

``compare`` decides significance with the Wilcoxon signed-rank test (BH across a
benchmark's breakdowns). An interval from another method (a bootstrap of the mean) can
disagree with that decision. The interval here is the set of shifts the same test does
not reject: the Walsh averages ``(d_i + d_j) / 2`` between the order statistics given by
the signed-rank null distribution (exact for n <= 50, as scipy's test; normal otherwise).
Its estimate is the Hodges-Lehmann shift, the median Walsh average.

For BH-selected families the level is false-coverage-rate adjusted (Benjamini and
Yekutieli 2005): with ``R`` of ``m`` breakdowns significant at FDR ``q``, every interval
of the family uses level ``1 - R q / m`` (``1 - q / m`` when ``R = 0``). BH rejects
exactly the p-values ``<= R q / m``, so an interval excludes 0 exactly when its row is
significant. scipy has the test but not its interval, hence this module.
"""

from __future__ import annotations

import numpy as np

EXACT_MAX_N = 50


def walsh_averages(diff: np.ndarray) -> np.ndarray:
    """All ``(d_i + d_j) / 2`` for ``i <= j`` (unsorted)."""
    d = np.asarray(diff, dtype=float)
    parts = [(d[i] + d[i:]) / 2 for i in range(len(d))]
    return np.concatenate(parts) if parts else np.array([])


def _exact_cdf(n: int) -> np.ndarray:
    """P(T+ <= t) for t = 0 .. n(n+1)/2 under the null (no ties)."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1
    for k in range(1, n + 1):
        shifted = np.zeros_like(counts)
        shifted[k:] = counts[:-k]
        counts = counts + shifted
    return np.cumsum(counts) / counts.sum()


def _order_index(n: int, alpha: float) -> int:
    """The largest ``min(T+, T-)`` the test rejects at two-sided level ``alpha`` (-1: none).

    The interval ``[W[c], W[M - 1 - c]]`` of the sorted Walsh averages then excludes 0
    exactly when ``min(T+, T-) <= c``, i.e. when the test rejects.
    """
    if n <= EXACT_MAX_N:
        below = np.flatnonzero(2 * _exact_cdf(n) < alpha)
        return int(below[-1]) if below.size else -1
    mean, sd = n * (n + 1) / 4, np.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    from scipy import stats  # here: importing scipy.stats costs ~0.5 s (readers skip it)

    z = stats.norm.ppf(1 - alpha / 2)
    return int(np.ceil(mean - z * sd)) - 1


def hodges_lehmann(diff: np.ndarray, *, confidence: float) -> tuple[float, float, float]:
    """(shift, low, high): the HL estimate and the Wilcoxon interval at ``confidence``."""
    d = np.asarray(diff, dtype=float)
    d = d[d != 0]  # as scipy's zero_method="wilcox"
    if d.size == 0:
        return float("nan"), float("nan"), float("nan")
    walsh = walsh_averages(d)
    m = len(walsh)
    c = min(_order_index(len(d), 1 - confidence), (m - 1) // 2)
    mid = sorted({(m - 1) // 2, m // 2})
    ends = [c, m - 1 - c] if c >= 0 else []
    part = np.partition(walsh, sorted({*mid, *ends}))  # only the order statistics needed
    shift = float(np.mean(part[mid]))
    if c < 0:  # too few pairs for the test to reject anything at this level
        return shift, float("-inf"), float("inf")
    return shift, float(part[c]), float(part[m - 1 - c])


def fcr_level(significant: np.ndarray, tested: np.ndarray, *, alpha: float) -> float:
    """The FCR-adjusted confidence level of a BH family: ``1 - max(R, 1) alpha / m``."""
    m = int(np.sum(tested))
    if m == 0:
        return 1 - alpha
    r = int(np.sum(significant & tested))
    return 1 - max(r, 1) * alpha / m
