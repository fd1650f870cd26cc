"""Confidence intervals from cluster-bootstrap replicates.

With 8-10 wordings, percentile (and BCa) intervals of a cluster bootstrap under-cover:
the bootstrap variance of a mean of ``n`` clusters is ``(n - 1) / n`` times the unbiased
one, and its quantiles are too short-tailed for so few clusters. The simulation study
(``benchmarks/sim_inference.py``) compares them; the default is a studentised interval:
the estimate plus or minus ``t(n - 1)`` quantiles times the bootstrap standard error
inflated by ``sqrt(n / (n - 1))``, with ``n`` the number of clusters on the scarcer
resampled axis (wordings). It is symmetric, so it always contains its estimate. For a
group mean of a balanced one-slot audit it equals the classic t-interval on per-wording
means (tests check this against ``scipy.stats.t``).

The t quantiles and tail areas come from ``scipy.special`` (``stdtrit``, ``stdtr``: what
``scipy.stats.t.ppf``/``sf`` call, so the values are the same): importing ``scipy.stats``
costs about half a second, which a report or a map that only reads an audit should not pay.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def bootstrap_se(replicates: np.ndarray, n_clusters: int) -> np.ndarray:
    """Standard error per column of ``replicates`` (``B x K`` or ``B``), small-n corrected."""
    reps = np.asarray(replicates, dtype=float)
    finite = np.isfinite(reps).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = reps - np.nanmean(reps, axis=0)
        var = np.nansum(centred**2, axis=0) / np.maximum(finite - 1, 1)
    var = np.where(finite > 1, var, np.nan)
    factor = n_clusters / (n_clusters - 1) if n_clusters > 1 else np.nan
    return np.sqrt(var * factor)


def t_quantile(confidence: float, n_clusters: int) -> float:
    """The two-sided ``t`` quantile with ``n_clusters - 1`` degrees of freedom."""
    if n_clusters < 2:
        return float("nan")
    return float(special.stdtrit(n_clusters - 1, 1 - (1 - confidence) / 2))


def t_interval(
    estimate: np.ndarray | float, se: np.ndarray | float, *, confidence: float, n_clusters: int
) -> tuple[np.ndarray, np.ndarray]:
    """``estimate -/+ t * se`` (NaN where ``se`` is NaN)."""
    half = t_quantile(confidence, n_clusters) * np.asarray(se, dtype=float)
    est = np.asarray(estimate, dtype=float)
    return est - half, est + half


def t_p_value(estimate: np.ndarray | float, se: np.ndarray | float, n_clusters: int) -> np.ndarray:
    """Two-sided p-value of ``estimate / se`` against ``t(n - 1)``; agrees with ``t_interval``."""
    est, s = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
    if n_clusters < 2:
        return np.full(np.shape(est), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.abs(est) / s
    p = 2 * special.stdtr(n_clusters - 1, -z)
    return np.where(np.isfinite(s) & (s > 0), p, np.where(est == 0, 1.0, np.nan))


def mde(
    se: np.ndarray | float, *, confidence: float, n_clusters: int, power: float = 0.8
) -> np.ndarray:
    """Minimum detectable effect: the true difference a two-sided t-test finds with ``power``."""
    if n_clusters < 2:
        return np.full(np.shape(se), np.nan)
    df = n_clusters - 1
    k = special.stdtrit(df, 1 - (1 - confidence) / 2) + special.stdtrit(df, power)
    return k * np.asarray(se, dtype=float)


def percentile_interval(
    replicates: np.ndarray, *, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column (for comparison in the simulation study)."""
    alpha = (1 - confidence) / 2
    lo, hi = np.nanquantile(replicates, [alpha, 1 - alpha], axis=0)
    return lo, hi


def logit_t_interval(
    mean: np.ndarray | float, se: np.ndarray | float, *, confidence: float, n_clusters: int
) -> tuple[np.ndarray, np.ndarray]:
    """A t interval for a mean probability, built on the logit scale (delta method) and
    mapped back: it stays inside (0, 1) and is asymmetric near the bounds, where a mean of
    a few wordings is skewed. Means outside (0, 1) fall back to ``t_interval``."""
    m = np.asarray(mean, dtype=float)
    s = np.asarray(se, dtype=float)
    inside = (m > 0) & (m < 1)
    safe = np.where(inside, m, 0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.log(safe / (1 - safe))
        lo, hi = t_interval(
            centre, s / (safe * (1 - safe)), confidence=confidence, n_clusters=n_clusters
        )
    plain_lo, plain_hi = t_interval(m, s, confidence=confidence, n_clusters=n_clusters)
    expit = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    return np.where(inside, expit(lo), plain_lo), np.where(inside, expit(hi), plain_hi)
