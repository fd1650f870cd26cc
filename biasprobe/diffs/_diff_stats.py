"""Paired model differences of one slot on the audit's crossed design.

Estimands (model B minus model A, on the score scale, over the shared probes):

- group change: the change in a group's mean score, ``mean_B - mean_A``; the per-probe
  difference ``score_B - score_A`` is one more score column, so its interval is the same
  cluster bootstrap over wordings (x other slots' values) the audit uses, with both models
  resampled by the same draws (paired by probe). p-values: the t test the interval
  inverts; BH across the slot's groups (``scipy.stats.false_discovery_control``).
- contrast change: the change in each group's contrast (group minus mean of the others,
  plus the audit's named contrasts): a change in relative position, not an overall shift.
- gap change: ``gap_B - gap_A`` (highest minus lowest group mean), its replicates the
  difference of both models' gap replicates under the same draws.

When a slot has a single cluster (one wording, one cell) the group changes resample each
group's paired probe differences; gap and contrast changes then have no interval.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from biasprobe.stats._contrasts import (
    ContrastSpec,
    bh,
    contrast_table,
    default_contrasts,
    named_contrasts,
)
from biasprobe.stats._design import Design, build_design, group_replicates
from biasprobe.stats._intervals import bootstrap_se, t_interval, t_p_value
from biasprobe.stats._slots import Options, probe_stats, weights_for


@dataclass(frozen=True)
class SlotDiff:
    """The three tables of one slot."""

    groups: pd.DataFrame
    contrasts: pd.DataFrame
    gap: dict[str, object]


def slot_diff(
    rows: pd.DataFrame,
    slot: str,
    others: list[str],
    opts: Options,
    *,
    meta: pd.DataFrame | None = None,
    spec: ContrastSpec | None = None,
) -> SlotDiff:
    """Group, contrast and gap changes of ``slot`` from paired rows (``score_a``,
    ``score_b``, ``diff``, ``template_id`` and the slot columns)."""
    part = rows[rows[slot].notna()]
    designs = {
        v: build_design(part, slot, others=others, value=v) for v in ("score_a", "score_b", "diff")
    }
    d = designs["diff"]
    _, t, o = d.shape
    clustered = t > 1 or (o > 1 and d.random_others)
    if clustered:
        w = weights_for(d, opts)
        # the diff column's own replicates: exactly 0 where the two models agree
        reps = {v: group_replicates(des, w) for v, des in designs.items()}
        n = d.n_clusters
    else:
        codes = pd.Categorical(part[slot].astype(str), categories=d.groups).codes
        values = part["diff"].to_numpy(dtype=float)
        s = probe_stats([values[codes == i] for i in range(len(d.groups))], opts, key=slot)
        reps = {"diff": s.replicates} if s is not None else {}
        n = s.n_clusters if s is not None else 1
    groups = _group_table(slot, designs, reps.get("diff"), n, opts)
    if clustered:
        contrasts = _contrast_table(slot, designs, reps["diff"], n, opts, meta, spec)
        gap = _gap_change(designs, reps, n, opts)
    else:
        contrasts = _contrast_table(slot, designs, None, n, opts, meta, spec)
        gap = _gap_change(designs, None, n, opts)
    groups["n_wordings"] = len(d.wordings)
    return SlotDiff(groups, contrasts, {"slot": slot, **gap})


def _group_table(
    slot: str,
    designs: dict[str, Design],
    reps: np.ndarray | None,
    n: int,
    opts: Options,
) -> pd.DataFrame:
    d = designs["diff"]
    est = d.means
    se = bootstrap_se(reps, n) if reps is not None else np.full(len(est), np.nan)
    lo, hi = t_interval(est, se, confidence=opts.confidence, n_clusters=n)
    p = exact_p(est, se, n)
    table = pd.DataFrame(
        {
            "slot": slot,
            "value": d.groups,
            "n": d.counts.sum(axis=(1, 2)).astype(int),
            "mean_a": designs["score_a"].means,
            "mean_b": designs["score_b"].means,
            "diff": est,
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": p,
            "p_adjusted": bh(p),
        }
    )
    table["verdict"] = verdicts(table, alpha=1 - opts.confidence)
    return table


def exact_p(est: np.ndarray, se: np.ndarray, n: int) -> np.ndarray:
    """``t_p_value``, plus the degenerate cases of deterministic scorers: no difference
    (exactly 0) has p = 1, a difference with zero variance over the clusters has p = 0."""
    p = t_p_value(est, se, n)
    est, se = np.asarray(est, dtype=float), np.asarray(se, dtype=float)
    p = np.where(est == 0, 1.0, p)
    return np.where((se == 0) & (est != 0), 0.0, p)


def verdicts(table: pd.DataFrame, *, alpha: float, column: str = "diff") -> list[str]:
    """Per row: ``no change`` (exactly 0), ``up`` / ``down`` (BH-adjusted p < alpha),
    else ``no credible change``."""
    out = []
    for est, q in zip(table[column], table["p_adjusted"], strict=True):
        if est == 0:
            out.append("no change")
        elif np.isfinite(q) and q < alpha:
            out.append("up" if est > 0 else "down")
        else:
            out.append("no credible change")
    return out


def _contrast_table(
    slot: str,
    designs: dict[str, Design],
    reps: np.ndarray | None,
    n: int,
    opts: Options,
    meta: pd.DataFrame | None,
    spec: ContrastSpec | None,
) -> pd.DataFrame:
    d = designs["diff"]
    groups = d.groups
    weights = {"default": default_contrasts(groups)}
    if spec:
        weights["named"] = named_contrasts(spec, groups, meta)
    frames = []
    for kind, w in weights.items():
        if not w:
            continue
        r = reps if reps is not None else np.full((opts.n_resamples, len(groups)), np.nan)
        with warnings.catch_warnings():  # single cluster: no replicates, NaN intervals
            warnings.simplefilter("ignore", RuntimeWarning)
            table = contrast_table(
                slot, d.means, r, w, kind=kind, confidence=opts.confidence, n_clusters=n
            )
        mat = np.vstack(list(w.values()))
        table.insert(3, "estimate_a", mat @ designs["score_a"].means)
        table.insert(4, "estimate_b", mat @ designs["score_b"].means)
        table = table.rename(columns={"estimate": "diff"})
        table["p_value"] = exact_p(table["diff"].to_numpy(), table["se"].to_numpy(), n)
        table["p_adjusted"] = bh(table["p_value"].to_numpy())
        table["verdict"] = verdicts(table, alpha=1 - opts.confidence)
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _gap_change(
    designs: dict[str, Design], reps: dict[str, np.ndarray] | None, n: int, opts: Options
) -> dict[str, object]:
    ma, mb = designs["score_a"].means, designs["score_b"].means
    gap_a = float(np.nanmax(ma) - np.nanmin(ma))
    gap_b = float(np.nanmax(mb) - np.nanmin(mb))
    est = gap_b - gap_a
    se = float("nan")
    if reps is not None:
        gaps = {
            v: np.nanmax(reps[v], axis=1) - np.nanmin(reps[v], axis=1)
            for v in ("score_a", "score_b")
        }
        se = float(bootstrap_se(gaps["score_b"] - gaps["score_a"], n))
    lo, hi = t_interval(est, se, confidence=opts.confidence, n_clusters=n)
    p = float(exact_p(np.array([est]), np.array([se]), n)[0])
    groups = designs["score_a"].groups
    return {
        "gap_a": gap_a,
        "gap_b": gap_b,
        "diff": est,
        "se": se,
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_value": p,
        "max_group_a": groups[int(np.nanargmax(ma))],
        "min_group_a": groups[int(np.nanargmin(ma))],
        "max_group_b": groups[int(np.nanargmax(mb))],
        "min_group_b": groups[int(np.nanargmin(mb))],
    }
