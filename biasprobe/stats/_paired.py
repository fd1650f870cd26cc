"""Paired statistics for minimal pairs (benchmarks and counterfactual template probes).

Every pair has a score for side a (a benchmark's first side: WinoBias pro-stereotypical,
StereoSet stereotype, CrowS-Pairs sent_more) and side b (the other text): the
probability of the model's score label. For a set of pairs, with ``d = score_a - score_b``:

- ``mean_diff``: mean of ``d``, with a percentile bootstrap CI (seeded NumPy
  ``Generator``, ``n_bootstrap`` resamples of the pairs). Positive: side a scores higher;
  negative: the reverse. What that compares is whatever the two texts differ in.
- ``share_a_higher``: share of pairs with ``a > b``; exact ties count one half, so 0.5
  means no preference. Wilson score interval.
- ``flip_rate``: share of pairs whose predicted label differs between the two sides
  (``score >= threshold``, or given labels). Wilson score interval.
- ``p_value``: two-sided Wilcoxon signed-rank test of ``d`` (zero differences are
  dropped, scipy's ``zero_method="wilcox"``); NaN when every difference is zero.
  ``wilcoxon_w`` is scipy's statistic, ``min(W+, W-)``.
- ``p_adjusted``: Benjamini-Hochberg adjustment across the breakdown rows of one family
  (one benchmark, or the whole table when there is no family column); the ``overall``
  row is the primary test and keeps its own p-value.
- ``shift``: the Hodges-Lehmann shift (median Walsh average of ``d``) with the interval
  that inverts the same Wilcoxon test, at the false-coverage-rate adjusted level
  ``shift_confidence`` for breakdown rows (``_shift``): it excludes 0 exactly when the
  row is ``significant``, which the bootstrap interval of the mean need not.
- effect sizes: ``cohens_dz = mean(d) / sd(d)`` (ddof=1; NaN when sd is 0) and the
  matched-pairs rank-biserial correlation ``(W+ - W-) / (W+ + W-)``, in [-1, 1].
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from biasprobe._errors import DataError
from biasprobe.stats._shift import fcr_level, hodges_lehmann

STAT_COLUMNS: tuple[str, ...] = (
    "benchmark",
    "breakdown",
    "group",
    "n",
    "mean_a",
    "mean_b",
    "mean_diff",
    "diff_ci_low",
    "diff_ci_high",
    "share_a_higher",
    "share_ci_low",
    "share_ci_high",
    "n_ties",
    "flip_rate",
    "flip_ci_low",
    "flip_ci_high",
    "wilcoxon_w",
    "p_value",
    "p_adjusted",
    "cohens_dz",
    "rank_biserial",
    "direction",
    "significant",
    "shift",
    "shift_ci_low",
    "shift_ci_high",
    "shift_confidence",
)
_CHUNK_CELLS = 4_000_000


def bootstrap_mean_ci(
    values: np.ndarray, *, n_bootstrap: int, confidence: float, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean (resampling in chunks of ~4M cells)."""
    n = len(values)
    if n == 0:
        return (np.nan, np.nan)
    if np.ptp(values) == 0:
        return (float(values[0]), float(values[0]))
    per_chunk = max(1, _CHUNK_CELLS // n)
    means = [
        values[rng.integers(0, n, size=(min(per_chunk, n_bootstrap - start), n))].mean(axis=1)
        for start in range(0, n_bootstrap, per_chunk)
    ]
    alpha = (1 - confidence) / 2
    low, high = np.quantile(np.concatenate(means), [alpha, 1 - alpha])
    return (float(low), float(high))


def wilson_interval(successes: float, n: int, *, confidence: float) -> tuple[float, float]:
    """Wilson score interval for a proportion (``successes`` may be fractional)."""
    if n == 0:
        return (np.nan, np.nan)
    from scipy import stats  # here: importing scipy.stats costs ~0.5 s (readers skip it)

    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    low = 0.0 if p <= 0 else max(0.0, centre - half)  # exact ends, no rounding drift
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return (float(low), float(high))


def wilcoxon_test(diff: np.ndarray) -> tuple[float, float, float]:
    """Two-sided Wilcoxon signed-rank: (scipy statistic, p-value, rank-biserial r)."""
    nonzero = diff[diff != 0]
    if len(nonzero) == 0:
        return (np.nan, np.nan, np.nan)
    from scipy import stats  # here: importing scipy.stats costs ~0.5 s (readers skip it)

    ranks = stats.rankdata(np.abs(nonzero))
    w_plus, w_minus = ranks[nonzero > 0].sum(), ranks[nonzero < 0].sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.wilcoxon(nonzero, zero_method="wilcox")
    r = (w_plus - w_minus) / (w_plus + w_minus)
    return (float(result.statistic), float(result.pvalue), float(r))


def cohens_dz(diff: np.ndarray) -> float:
    """Paired Cohen's d_z: mean difference over its standard deviation (ddof=1)."""
    if len(diff) < 2:
        return np.nan
    sd = float(np.std(diff, ddof=1))
    return float(np.mean(diff) / sd) if sd > 0 else np.nan


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; NaN entries stay NaN and are not counted."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(~np.isnan(p))
    if len(finite) == 0:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    m = len(order)
    scaled = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return out


def _as_array(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if np.isnan(array).any():
        raise DataError(f"{name} has {int(np.isnan(array).sum())} missing values")
    return array


def paired_summary(
    score_a: Any,
    score_b: Any,
    *,
    label_a: Any = None,
    label_b: Any = None,
    threshold: float = 0.5,
    n_bootstrap: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """All paired statistics for one set of pairs, as a dict (no p-value adjustment).

    Examples
    --------
    >>> s = paired_summary([0.9, 0.8, 0.7], [0.2, 0.8, 0.1], n_bootstrap=200)
    >>> round(s["mean_diff"], 3), s["share_a_higher"], s["n_ties"]
    (0.433, 0.8333333333333334, 1)
    """
    a, b = _as_array(score_a, "score_a"), _as_array(score_b, "score_b")
    if a.shape != b.shape:
        raise DataError(f"score_a has {a.size} values but score_b has {b.size}")
    diff, n = a - b, len(a)
    rng = np.random.default_rng(seed)
    ties = int((diff == 0).sum())
    share = ((diff > 0).sum() + 0.5 * ties) / n if n else np.nan
    la = np.asarray(label_a) if label_a is not None else a >= threshold
    lb = np.asarray(label_b) if label_b is not None else b >= threshold
    flips = int((la != lb).sum())
    w, p, r = wilcoxon_test(diff)
    return {
        "n": n,
        "mean_a": float(a.mean()) if n else np.nan,
        "mean_b": float(b.mean()) if n else np.nan,
        "mean_diff": float(diff.mean()) if n else np.nan,
        **dict(
            zip(
                ("diff_ci_low", "diff_ci_high"),
                bootstrap_mean_ci(diff, n_bootstrap=n_bootstrap, confidence=confidence, rng=rng),
                strict=True,
            )
        ),
        "share_a_higher": float(share),
        **dict(
            zip(
                ("share_ci_low", "share_ci_high"),
                wilson_interval(share * n, n, confidence=confidence),
                strict=True,
            )
        ),
        "n_ties": ties,
        "flip_rate": flips / n if n else np.nan,
        **dict(
            zip(
                ("flip_ci_low", "flip_ci_high"),
                wilson_interval(flips, n, confidence=confidence),
                strict=True,
            )
        ),
        "wilcoxon_w": w,
        "p_value": p,
        "cohens_dz": cohens_dz(diff),
        "rank_biserial": r,
    }


def _groups(frame: pd.DataFrame, by: Sequence[str]) -> list[tuple[str, str, pd.DataFrame]]:
    parts = [("overall", "all", frame)]
    for column in by:
        if column not in frame.columns:
            continue
        for value, part in frame.dropna(subset=[column]).groupby(column, sort=True):
            parts.append((column, str(value), part))
    return parts


def paired_stats(
    pairs: pd.DataFrame,
    *,
    by: Sequence[str] = (),
    a: str = "score_a",
    b: str = "score_b",
    labels: tuple[str, str] | None = None,
    family: str = "benchmark",
    threshold: float = 0.5,
    n_bootstrap: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Paired statistics overall and per breakdown, one row per (family, breakdown, group).

    Parameters
    ----------
    pairs
        One row per pair with score columns ``a`` and ``b``.
    by
        Breakdown columns (e.g. ``["bias_type", "wb_type"]``). Columns that are missing,
        or missing values within a family, are skipped.
    labels
        Optional pair of predicted-label columns for the flip rate; by default a label
        is ``score >= threshold``.
    family
        Column whose values form separate families (default ``"benchmark"``): each gets
        its own rows and its own Benjamini-Hochberg adjustment across its breakdowns.
        Without the column the whole table is one family, with an empty ``benchmark``.
    n_bootstrap, confidence, seed
        Bootstrap resamples, CI level (also the significance level ``1 - confidence``
        for ``significant``), and the seed (each group is resampled with a fresh
        ``numpy.random.default_rng(seed)``, so a group's CI does not depend on the others).

    Returns
    -------
    pandas.DataFrame
        Columns ``STAT_COLUMNS``. ``direction`` is ``"a higher"``, ``"b higher"`` or
        ``"equal"`` (sign of ``mean_diff``); ``significant`` is ``p_adjusted < 1 -
        confidence``.
    """
    for column in (a, b, *(labels or ())):
        if column not in pairs.columns:
            raise DataError(f"pair table has no column {column!r}")
    families = pairs.groupby(family, sort=True) if family in pairs.columns else [("", pairs)]
    tables = [
        _family_stats(
            str(name),
            part,
            by=by,
            a=a,
            b=b,
            labels=labels,
            threshold=threshold,
            n_bootstrap=n_bootstrap,
            confidence=confidence,
            seed=seed,
        )
        for name, part in families
    ]
    if not tables:
        return pd.DataFrame(columns=list(STAT_COLUMNS))
    return pd.concat(tables, ignore_index=True)


def _family_stats(
    name: str,
    frame: pd.DataFrame,
    *,
    by: Sequence[str],
    a: str,
    b: str,
    labels: tuple[str, str] | None,
    confidence: float,
    **options: Any,
) -> pd.DataFrame:
    rows = []
    for breakdown, group, part in _groups(frame, by):
        label_a, label_b = (part[labels[0]], part[labels[1]]) if labels else (None, None)
        summary = paired_summary(
            part[a], part[b], label_a=label_a, label_b=label_b, confidence=confidence, **options
        )
        rows.append({"benchmark": name, "breakdown": breakdown, "group": group, **summary})
    table = pd.DataFrame(rows)
    # overall is the primary test (its own family); BH adjusts across the breakdown rows
    overall = (table["breakdown"] == "overall").to_numpy()
    adjusted = table["p_value"].to_numpy(dtype=float).copy()
    adjusted[~overall] = benjamini_hochberg(adjusted[~overall])
    table["p_adjusted"] = adjusted
    sign = np.sign(table["mean_diff"].to_numpy())
    table["direction"] = np.select([sign > 0, sign < 0], ["a higher", "b higher"], "equal")
    table["significant"] = (table["p_adjusted"] < 1 - confidence).astype(bool)
    tested = np.isfinite(table["p_value"].to_numpy(dtype=float))
    family_level = fcr_level(
        table["significant"].to_numpy()[~overall], tested[~overall], alpha=1 - confidence
    )
    levels = np.where(overall, confidence, family_level)
    shifts = [
        hodges_lehmann(
            part[a].to_numpy(dtype=float) - part[b].to_numpy(dtype=float), confidence=level
        )
        for (_, _, part), level in zip(_groups(frame, by), levels, strict=True)
    ]
    table[["shift", "shift_ci_low", "shift_ci_high"]] = np.array(shifts).reshape(-1, 3)
    table["shift_confidence"] = levels
    return table[list(STAT_COLUMNS)]
