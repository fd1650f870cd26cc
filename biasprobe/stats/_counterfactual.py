"""Statistics of a counterfactual audit of real sentences, clustered by source sentence.

Input: one row per counterfactual (``cluster``: the source sentence; ``unit``: the
sentence and the value it mentioned; ``group``: the value swapped in; ``score``;
``original``: the score of the unswapped sentence). Every unit is crossed with every group
(the group it mentioned gives back the original sentence), so a source sentence plays the
role a wording plays in a template audit: it is the resampling cluster.

Estimands (means over source sentences like these):

- ``shift``: a group's mean of ``score - original`` (the change from the sentence as
  written); ``shift_vs_all``: its mean of ``score - unit mean over all groups`` (the
  group against the average group, in the same sentence). t intervals from the cluster
  bootstrap (``_intervals``), p-values of no shift, Benjamini-Hochberg across groups.
- ``flip_rate``: the share of counterfactuals whose label at ``threshold`` differs from the
  original's; ``abs_shift``: the mean absolute change (the counterfactual token fairness
  gap of Garg et al. 2019 for this group); ``below_median``: the share of units in which
  the group scores below the unit's median group.
- Per unit, the perturbation sensitivity metrics of Prabhakaran et al. (2019):
  ``score_sens`` (mean change), ``score_dev`` (SD of the counterfactual scores),
  ``score_range`` (max - min) and ``label_dist`` (share of counterfactuals whose label
  differs from the original's), plus ``ctf_gap`` (mean absolute change); overall means
  with cluster intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from biasprobe.stats._contrasts import bh
from biasprobe.stats._design import cluster_weights
from biasprobe.stats._intervals import bootstrap_se, t_interval, t_p_value
from biasprobe.stats._slots import Options

UNIT_METRICS = ("score_sens", "score_dev", "score_range", "label_dist", "ctf_gap")


def cluster_means(
    values: np.ndarray, groups: np.ndarray, clusters: np.ndarray, opts: Options, *, key: str
) -> pd.DataFrame:
    """Per group: mean of ``values``, cluster-bootstrap t interval, p-value of zero.

    Every group is resampled with the same cluster draws (the design is paired).
    """
    g_codes, g_labels = pd.factorize(groups, sort=False)
    c_codes, c_labels = pd.factorize(clusters, sort=False)
    shape = (len(g_labels), len(c_labels))
    flat = np.ravel_multi_index((g_codes, c_codes), shape)
    ok = np.isfinite(values)
    sums = np.bincount(flat[ok], weights=values[ok], minlength=int(np.prod(shape)))
    counts = np.bincount(flat[ok], minlength=int(np.prod(shape))).astype(float)
    sums, counts = sums.reshape(shape), counts.reshape(shape)
    n = len(c_labels)
    w = cluster_weights(n, 1, n_resamples=opts.n_resamples, seed=opts.seed, key=key).wordings
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums.sum(axis=1) / counts.sum(axis=1)
        reps = (w @ sums.T) / (w @ counts.T)
    se = bootstrap_se(reps, n)
    lo, hi = t_interval(means, se, confidence=opts.confidence, n_clusters=n)
    return pd.DataFrame(
        {
            "value": [str(g) for g in g_labels],
            "estimate": means,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": t_p_value(means, se, n),
            "n_sentences": (counts > 0).sum(axis=1),
        }
    )


def with_unit_columns(rows: pd.DataFrame, *, threshold: float) -> pd.DataFrame:
    """``rows`` plus ``shift``, ``centred``, ``flip``, ``abs_shift``, ``below_median``."""
    unit = rows.groupby("unit", sort=False)["score"]
    label = rows["score"] >= threshold
    original_label = rows["original"] >= threshold
    return rows.assign(
        shift=rows["score"] - rows["original"],
        centred=rows["score"] - unit.transform("mean"),
        flip=(label != original_label).astype(float),
        abs_shift=(rows["score"] - rows["original"]).abs(),
        below_median=(rows["score"] < unit.transform("median")).astype(float),
    )


def group_shifts(rows: pd.DataFrame, opts: Options, *, threshold: float = 0.5) -> pd.DataFrame:
    """One row per group: mean score, shift vs the original and vs all groups (CIs,
    p-values, BH), flip rate (CI), absolute shift, share below the unit median."""
    data = with_unit_columns(rows, threshold=threshold)
    g, c = data["group"].to_numpy(), data["cluster"].to_numpy()
    parts = {}
    for col in ("score", "shift", "centred", "flip", "abs_shift", "below_median"):
        parts[col] = cluster_means(data[col].to_numpy(dtype=float), g, c, opts, key="cf")
    out = parts["score"][["value", "n_sentences"]].copy()
    out["n"] = data.groupby("group", sort=False).size().to_numpy()
    names = {"score": "mean", "centred": "shift_vs_all"}
    for col, table in parts.items():
        name = names.get(col, col)
        out[name] = table["estimate"].to_numpy()
        if col in ("below_median", "abs_shift"):
            continue
        lo, hi = table["ci_low"].to_numpy(), table["ci_high"].to_numpy()
        if col == "flip":
            lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
        out[f"{name}_ci_low"], out[f"{name}_ci_high"] = lo, hi
        if col in ("shift", "centred"):
            out[f"{name}_p"] = table["p_value"].to_numpy()
            out[f"{name}_p_bh"] = bh(table["p_value"].to_numpy())
    return out.rename(columns={"flip": "flip_rate", "flip_ci_low": "flip_rate_ci_low",
                               "flip_ci_high": "flip_rate_ci_high"})  # fmt: skip


def unit_metrics(rows: pd.DataFrame, *, threshold: float = 0.5) -> pd.DataFrame:
    """Per unit (sentence x mentioned value): the PSA metrics and the CTF gap."""
    data = with_unit_columns(rows, threshold=threshold)
    agg = data.groupby("unit", sort=False).agg(
        cluster=("cluster", "first"),
        original=("original", "first"),
        n_counterfactuals=("score", "size"),
        score_sens=("shift", "mean"),
        score_dev=("score", lambda s: s.std(ddof=0)),
        score_range=("score", lambda s: s.max() - s.min()),
        label_dist=("flip", "mean"),
        ctf_gap=("abs_shift", "mean"),
    )
    return agg.reset_index()


def overall_metrics(units: pd.DataFrame, opts: Options) -> pd.DataFrame:
    """Mean of each unit metric over units, with a cluster (source sentence) interval."""
    frames = []
    for metric in UNIT_METRICS:
        values = units[metric].to_numpy(dtype=float)
        table = cluster_means(
            values, np.full(len(values), metric), units["cluster"].to_numpy(), opts, key="cf"
        )
        if metric != "score_sens":  # non-negative metrics: the interval stays at or above 0
            table["ci_low"] = table["ci_low"].clip(lower=0)
        frames.append(table.drop(columns="p_value").rename(columns={"value": "metric"}))
    out = pd.concat(frames, ignore_index=True)
    out["n_units"] = len(units)
    return out


def agreement(
    real: pd.DataFrame, template: pd.DataFrame, *, k: int = 5
) -> tuple[dict[str, float], pd.DataFrame]:
    """How the real-text ranking of groups agrees with a template audit's.

    ``real``: ``group_shifts`` output; ``template``: a template audit's ``by_group`` (value,
    mean). Returns Spearman's rho of the group means over the shared groups (scipy) and,
    for the template's ``k`` highest and ``k`` lowest groups, their real-text shift against
    all groups and whether it has the same sign with a CI that excludes zero
    (``survives``).
    """
    both = real.merge(template[["value", "mean"]], on="value", suffixes=("", "_template"))
    constant = both["mean"].nunique() < 2 or both["mean_template"].nunique() < 2
    if len(both) < 3 or constant:  # no ranking to compare
        summary = {"n_shared": float(len(both)), "spearman_rho": np.nan, "spearman_p": np.nan}
        return summary, pd.DataFrame()
    rho, p = stats.spearmanr(both["mean"], both["mean_template"])
    summary = {"n_shared": float(len(both)), "spearman_rho": float(rho), "spearman_p": float(p)}
    ranked = both.sort_values("mean_template", ascending=False)
    k = min(k, len(ranked) // 2)
    ends = pd.concat(
        [ranked.head(k).assign(end="template high"), ranked.tail(k).assign(end="template low")]
    )
    high = ends["end"] == "template high"
    same_sign = np.where(high, ends["shift_vs_all_ci_low"] > 0, ends["shift_vs_all_ci_high"] < 0)
    ends = ends.assign(survives=same_sign)
    cols = ["end", "value", "mean_template", "mean", "shift_vs_all"]
    cols += ["shift_vs_all_ci_low", "shift_vs_all_ci_high", "survives"]
    return summary, ends[cols].reset_index(drop=True)
