"""Neutral baselines as a set: deltas against several fillers, and how much the choice moves them.

A template set may give a slot several neutral fillers (``neutral: [a country, this
country, another country, ...]``); each wording then has one baseline probe per filler.
Estimands, per slot:

- per filler: its mean score over wordings and the share of groups whose mean lies below
  it (paired by wording) -- the spread of that share across fillers is how much the choice
  of baseline moves "below neutral";
- per value: ``delta`` against the mean of the fillers (averaged over wordings), its
  standard error over fillers (the fillers are a sample of neutral expressions; NaN with
  one filler) and a t interval, and ``side``: ``below`` / ``above`` only when the value is
  below / above *every* filler, else ``within`` the neutral set -- never decided by one probe.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
from scipy import special


class AuditResult(Protocol):
    """What this module reads of an audit (``biasprobe.AuditResult``)."""

    slots: list[str]
    probes: pd.DataFrame

    def per_template(self, slot: str | None = None) -> pd.DataFrame: ...


def filler_scores(result: AuditResult, slot: str) -> pd.DataFrame:
    """Wordings x fillers table of baseline scores."""
    base = result.probes[result.probes["is_baseline"]]
    return base.pivot_table(index="template_id", columns=slot, values="score", aggfunc="mean")


def filler_table(result: AuditResult, slot: str) -> pd.DataFrame:
    """Per neutral filler: mean score over wordings and the share of groups below it.

    Columns: slot, filler, mean_score, share_below, n_wordings.
    """
    fillers, means = filler_scores(result, slot), _group_means(result, slot)
    common = means.columns.intersection(fillers.index)
    rows = []
    for filler in fillers.columns:
        delta = means[common].sub(fillers.loc[common, filler], axis=1).mean(axis=1)
        rows.append(
            {
                "slot": slot,
                "filler": str(filler),
                "mean_score": float(fillers.loc[common, filler].mean()),
                "share_below": float((delta < 0).mean()),
                "n_wordings": len(common),
            }
        )
    return pd.DataFrame(rows)


def neutral_deltas(result: AuditResult, slot: str, *, confidence: float = 0.95) -> pd.DataFrame:
    """Per value: delta against the neutral set, its uncertainty over fillers, and side.

    Columns: slot, value, delta, delta_se, delta_ci_low, delta_ci_high, delta_min,
    delta_max (against the single fillers), side (below / above / within), n_fillers.
    """
    fillers, means = filler_scores(result, slot), _group_means(result, slot)
    common = means.columns.intersection(fillers.index)
    # delta of each value against each filler, averaged over the shared wordings
    per_filler = np.stack(
        [means[common].sub(fillers.loc[common][f], axis=1).mean(axis=1) for f in fillers.columns],
        axis=1,
    )
    n = per_filler.shape[1]
    delta = per_filler.mean(axis=1)
    se = per_filler.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.full(len(delta), np.nan)
    half = special.stdtrit(n - 1, 0.5 + confidence / 2) * se if n > 1 else se  # t.ppf
    lo, hi = per_filler.min(axis=1), per_filler.max(axis=1)
    side = np.where(hi < 0, "below", np.where(lo > 0, "above", "within"))
    return pd.DataFrame(
        {
            "slot": slot,
            "value": means.index.astype(str),
            "delta": delta,
            "delta_se": se,
            "delta_ci_low": delta - half,
            "delta_ci_high": delta + half,
            "delta_min": lo,
            "delta_max": hi,
            "side": side,
            "n_fillers": n,
        }
    )


def baseline_sensitivity(result: AuditResult) -> pd.DataFrame:
    """One row per slot: fillers, range of their scores, and of the share of groups below.

    Columns: slot, n_fillers, filler_score_min, filler_score_max, share_below_min,
    share_below_max, share_below_set (groups below every filler), share_above_set.
    """
    rows = []
    for slot in result.slots:
        table = filler_table(result, slot)
        if table.empty:
            continue
        deltas = neutral_deltas(result, slot)
        rows.append(
            {
                "slot": slot,
                "n_fillers": len(table),
                "filler_score_min": float(table["mean_score"].min()),
                "filler_score_max": float(table["mean_score"].max()),
                "share_below_min": float(table["share_below"].min()),
                "share_below_max": float(table["share_below"].max()),
                "share_below_set": float((deltas["side"] == "below").mean()),
                "share_above_set": float((deltas["side"] == "above").mean()),
            }
        )
    return pd.DataFrame(rows)


def _group_means(result: AuditResult, slot: str) -> pd.DataFrame:
    """Values x wordings table of mean scores."""
    table = result.per_template(slot)
    return table.pivot(index="value", columns="template_id", values="mean")
