"""Per-slot statistics of an audit on its crossed design: groups, gap, null, contrasts.

Estimands (all on the score scale, means over the audited probes):

- group mean: the group's mean score over wordings like these (and, in multi-slot sets,
  over values of the other slots like these); interval: cluster bootstrap of wordings
  (x other slots' values), studentised (``_intervals``); where wordings are the only
  random factor and scores are probabilities, the logit-normal pivot (``_logit_normal``).
- gap: highest minus lowest group mean (for two groups ``|b - a|``, whose interval is the
  absolute value of the signed contrast's interval). Max - min is biased upwards by noise;
  next to it come ``null_gap`` (its mean when group labels are shuffled within wording cells),
  ``p_value`` (permutation test of no group effect) and ``gap_debiased`` (max - min of
  the group means shrunk towards the overall mean by their reliability, empirical Bayes).
- ``sd_effects``: the SD of the true group means (method of moments: observed variance of
  group means minus their noise variance), a stable estimand beside max - min.
- ``mde``: the smallest difference between two groups that a two-sided test at the
  audit's confidence finds with 80% power, at this design.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from biasprobe.stats._contrasts import rank_intervals
from biasprobe.stats._design import (
    ClusterWeights,
    Design,
    cluster_weights,
    group_replicates,
    probe_replicates,
    rng_for,
)
from biasprobe.stats._intervals import (
    bootstrap_se,
    logit_t_interval,
    mde,
    t_interval,
    t_quantile,
)
from biasprobe.stats._logit_normal import logit_normal_interval
from biasprobe.stats._permutation import stratified_null

PIVOT_DRAWS = 2000  # draws of the logit-normal pivot (its 2.5% quantile needs many)


@dataclass(frozen=True)
class Options:
    """Resampling options: replicates (bootstrap and permutation), confidence, seed, and
    whether means are probabilities (intervals of means then built on the logit scale)."""

    n_resamples: int = 2000
    confidence: float = 0.95
    seed: int = 0
    logit: bool = False


@dataclass(frozen=True)
class SlotStats:
    """Group means, their replicates and the design for one slot."""

    design: Design
    means: np.ndarray
    replicates: np.ndarray  # B x G
    n_clusters: int

    @property
    def se(self) -> np.ndarray:
        return bootstrap_se(self.replicates, self.n_clusters)


def slot_stats(design: Design, opts: Options) -> SlotStats | None:
    """Means and cluster-bootstrap replicates; ``None`` when there is a single cluster."""
    _, t, o = design.shape
    if t < 2 and not (o > 1 and design.random_others):
        return None
    w = weights_for(design, opts)
    return SlotStats(design, design.means, group_replicates(design, w), design.n_clusters)


def weights_for(design: Design, opts: Options) -> ClusterWeights:
    """The shared draws: keyed by the wording and other-slot labels, not by the slot."""
    key = "|".join(design.wordings) + "/" + str(len(design.others))
    return cluster_weights(
        len(design.wordings),
        len(design.others),
        n_resamples=opts.n_resamples,
        seed=opts.seed,
        key=key,
        random_others=design.random_others,
    )


def probe_stats(values: list[np.ndarray], opts: Options, *, key: str) -> SlotStats | None:
    """Replicates from resampling probes (one wording, one cell): per-group, not paired."""
    reps = np.column_stack(
        [
            probe_replicates(v, n_resamples=opts.n_resamples, seed=opts.seed, key=f"{key}|{i}")
            for i, v in enumerate(values)
        ]
    )
    n = min(len(v) for v in values)
    means = np.array([v.mean() if len(v) else np.nan for v in values])
    z = np.zeros((len(values), 1, 1))
    design = Design(groups=[], wordings=[], others=[], sums=z, counts=z)
    return None if n < 2 else SlotStats(design, means, reps, n)


def group_intervals(s: SlotStats, opts: Options) -> pd.DataFrame:
    """Per group: mean, se, studentised interval, rank interval (1 = highest)."""
    se = s.se
    interval = logit_t_interval if opts.logit else t_interval
    lo, hi = interval(s.means, se, confidence=opts.confidence, n_clusters=s.n_clusters)
    if opts.logit and _one_way(s.design):
        lo, hi = _logit_normal(s, opts, lo, hi)
    if s.n_clusters > 1 and np.isfinite(s.replicates).any():
        r_lo, r_hi = rank_intervals(s.replicates, confidence=opts.confidence)
    else:
        r_lo = r_hi = np.full(len(s.means), np.nan)
    return pd.DataFrame(
        {
            "mean": s.means,
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
            "rank_ci_low": r_lo,
            "rank_ci_high": r_hi,
        }
    )


def _one_way(design: Design) -> bool:
    """Wordings are the only resampled factor (other slots absent or fixed strata)."""
    _, t, o = design.shape
    return bool(design.groups) and t >= 2 and not (o > 1 and design.random_others)


def _logit_normal(
    s: SlotStats, opts: Options, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Group-mean intervals from the logit-normal pivot (``_logit_normal``), where defined."""
    d = s.design
    with np.errstate(invalid="ignore", divide="ignore"):
        per_wording = d.sums.sum(axis=2) / d.counts.sum(axis=2)
    rng = rng_for(opts.seed, "logit-normal", "|".join(d.wordings))
    p_lo, p_hi = logit_normal_interval(
        per_wording,
        s.means,
        confidence=opts.confidence,
        n_draws=max(opts.n_resamples, PIVOT_DRAWS),
        rng=rng,
    )
    ok = np.isfinite(p_lo) & np.isfinite(p_hi)
    return np.where(ok, p_lo, lo), np.where(ok, p_hi, hi)


def gap_stats(s: SlotStats, opts: Options, *, key: str, permute: bool = True) -> dict[str, float]:
    """Gap interval, null reference, debiased gap, SD of group effects and the MDE."""
    means, reps, n = s.means, s.replicates, s.n_clusters
    ok = np.isfinite(means)
    gap = float(np.nanmax(means) - np.nanmin(means)) if ok.any() else float("nan")
    with np.errstate(invalid="ignore"):
        dev = reps - np.nanmean(reps, axis=1, keepdims=True)
    noise = bootstrap_se(dev, n) ** 2  # per group: variance of its deviation from the mean
    sd, sd_lo, sd_hi = _sd_effects(means, reps, noise, opts, n)
    shrunk = _shrink(means, noise, sd)
    debiased = float(np.nanmax(shrunk) - np.nanmin(shrunk)) if ok.any() else float("nan")
    if int(ok.sum()) == 2 and reps.size:
        lo, hi = _two_group_gap_interval(means[ok], reps[:, ok], opts, n)
    else:
        gap_reps = np.nanmax(reps, axis=1) - np.nanmin(reps, axis=1) if reps.size else reps
        gse = float(bootstrap_se(gap_reps, n)) if n > 1 else float("nan")
        tq = t_quantile(opts.confidence, n)
        lo = max(0.0, min(gap, debiased) - tq * gse)
        hi = gap + tq * gse
    null = (
        stratified_null(s.design, n_permutations=opts.n_resamples, seed=opts.seed, key=key)
        if permute
        else None
    )
    pair_se = float(np.sqrt(2 * np.nanmean(noise))) if n > 1 else float("nan")
    return {
        "gap_ci_low": lo,
        "gap_ci_high": hi,
        "p_value": null.p_value if null else float("nan"),
        "null_gap": null.null_gap if null else float("nan"),
        "gap_debiased": debiased,
        "sd_effects": sd,
        "sd_ci_low": sd_lo,
        "sd_ci_high": sd_hi,
        "mde": float(mde(pair_se, confidence=opts.confidence, n_clusters=n)),
        "n_wordings": len(s.design.wordings) if s.design.groups else 1,
    }


def _two_group_gap_interval(
    means: np.ndarray, reps: np.ndarray, opts: Options, n: int
) -> tuple[float, float]:
    """The gap of two groups is ``|b - a|``; its interval is the image of the signed
    contrast's interval under ``abs``: ``[0, max |end|]`` when that interval holds zero,
    else ``[min |end|, max |end|]``. It covers whenever the contrast's interval covers (the
    max - min interval covered 92% in the simulation: folding at zero biases it)."""
    if n < 2:
        return float("nan"), float("nan")
    diff = float(means[1] - means[0])
    se = float(bootstrap_se(reps[:, 1] - reps[:, 0], n))
    c_lo, c_hi = t_interval(diff, se, confidence=opts.confidence, n_clusters=n)
    ends = sorted((abs(float(c_lo)), abs(float(c_hi))))
    return (0.0 if c_lo <= 0 <= c_hi else ends[0]), ends[1]


def _sd_effects(
    means: np.ndarray, reps: np.ndarray, noise: np.ndarray, opts: Options, n: int
) -> tuple[float, float, float]:
    k = int(np.isfinite(means).sum())
    # Two groups: the signed contrast is the estimand; an SD of two effects covered only 88%
    # in a run of benchmarks/sim_inference.py (500 replicates, 2 x 8 x 197): not reported.
    if k < 3 or n < 2:
        return float("nan"), float("nan"), float("nan")
    floor = float(np.nansum(noise))
    observed = float(np.nansum((means - np.nanmean(means)) ** 2))
    est = (observed - floor) / (k - 1)
    with np.errstate(invalid="ignore"):
        rep_ss = np.nansum((reps - np.nanmean(reps, axis=1, keepdims=True)) ** 2, axis=1)
    se = float(bootstrap_se(rep_ss, n)) / (k - 1)
    lo, hi = t_interval(est, se, confidence=opts.confidence, n_clusters=n)
    root = lambda x: float(np.sqrt(max(0.0, float(x))))  # noqa: E731
    return root(est), root(lo), root(hi)


def _shrink(means: np.ndarray, noise: np.ndarray, sd: float) -> np.ndarray:
    if not np.isfinite(sd):
        return means
    centre = np.nanmean(means)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(noise > 0, sd**2 / (sd**2 + noise), 1.0)
    return centre + factor * (means - centre)
