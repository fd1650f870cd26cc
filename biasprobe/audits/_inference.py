"""The audit's statistics tables, computed on its crossed design (``biasprobe.stats``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from biasprobe.stats._contrasts import (
    CONTRAST_COLUMNS,
    ContrastSpec,
    contrast_table,
    default_contrasts,
    named_contrasts,
)
from biasprobe.stats._design import WORDING, build_design, group_replicates
from biasprobe.stats._intervals import bootstrap_se, t_interval
from biasprobe.stats._slots import (
    Options,
    SlotStats,
    gap_stats,
    group_intervals,
    probe_stats,
    slot_stats,
    weights_for,
)

GAP_EXTRA = (
    "p_value",
    "null_gap",
    "gap_debiased",
    "sd_effects",
    "sd_ci_low",
    "sd_ci_high",
    "mde",
    "n_wordings",
)


GROUP_COLUMNS = (
    "slot",
    "value",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "std",
    "delta",
    "delta_ci_low",
    "delta_ci_high",
)


@dataclass(frozen=True)
class Tables:
    groups: pd.DataFrame
    gaps: pd.DataFrame
    contrasts: pd.DataFrame


def compute_tables(
    rows: pd.DataFrame,
    slots: list[str],
    opts: Options,
    *,
    metadata: Mapping[str, pd.DataFrame],
    contrasts: Mapping[str, ContrastSpec] | None = None,
) -> Tables:
    """Groups, gaps (all wordings, then each) and contrasts of every slot.

    ``rows``: scored probes (template_id, slot columns, score, delta); ``metadata``: per
    slot, the groups' metadata (``value`` plus lexicon columns) for named contrasts.
    """
    groups, gaps, tables = [], [], []
    for slot in slots:
        part = rows[rows[slot].notna()]
        others = [s for s in slots if s != slot]
        stats_, summary = _slot_groups(part, slot, others, opts)
        groups.append(summary)
        gaps.append({"slot": slot, "template_id": "all", **_gap(summary, stats_, opts, slot)})
        for tid, trows in part.groupby(WORDING, sort=False):
            tstats, tsum = _slot_groups(trows, slot, others, opts, with_delta=False)
            key = f"{slot}|{tid}"
            gaps.append({"slot": slot, "template_id": str(tid), **_gap(tsum, tstats, opts, key)})
        if stats_ is not None:
            tables += _contrasts(
                slot, stats_, opts, metadata.get(slot), (contrasts or {}).get(slot)
            )
    frame = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    return Tables(
        pd.concat(groups, ignore_index=True),
        pd.DataFrame(gaps),
        frame.reindex(columns=list(CONTRAST_COLUMNS)),
    )


def _slot_groups(
    rows: pd.DataFrame, slot: str, others: list[str], opts: Options, *, with_delta: bool = True
) -> tuple[SlotStats | None, pd.DataFrame]:
    design = build_design(rows, slot, others=others)
    s = slot_stats(design, opts)
    values = rows["score"].to_numpy(dtype=float)
    codes = pd.Categorical(rows[slot].astype(str), categories=design.groups).codes
    per_group = [values[codes == i] for i in range(len(design.groups))]
    if s is None:  # one wording, one cell: resample each group's probes
        s = probe_stats(per_group, opts, key=slot)
        if s is not None:
            s = SlotStats(design, s.means, s.replicates, s.n_clusters)
    table = pd.DataFrame({"slot": slot, "value": design.groups})
    table["n"] = [len(v) for v in per_group]
    if s is None:
        table["mean"] = design.means
        for col in ("se", "ci_low", "ci_high", "rank_ci_low", "rank_ci_high"):
            table[col] = np.nan
    else:
        table = pd.concat([table, group_intervals(s, opts)], axis=1)
    table["std"] = [v.std(ddof=1) if len(v) > 1 else np.nan for v in per_group]
    if with_delta:
        table = pd.concat([table, _deltas(rows, slot, others, s, opts)], axis=1)
    table["n_wordings"] = len(design.wordings)
    first = [c for c in GROUP_COLUMNS if c in table.columns]  # the columns users already read
    return s, table[first + [c for c in table.columns if c not in first]]


def _deltas(
    rows: pd.DataFrame, slot: str, others: list[str], s: SlotStats | None, opts: Options
) -> pd.DataFrame:
    design = build_design(rows, slot, others=others, value="delta")
    means = design.means
    lo = hi = np.full(len(means), np.nan)
    _, t, o = design.shape
    clustered = t > 1 or (o > 1 and design.random_others)
    if s is not None and clustered and s.design.shape[1:] == design.shape[1:]:
        reps = group_replicates(design, weights_for(design, opts))
        se = bootstrap_se(reps, s.n_clusters)
        lo, hi = t_interval(means, se, confidence=opts.confidence, n_clusters=s.n_clusters)
    return pd.DataFrame({"delta": means, "delta_ci_low": lo, "delta_ci_high": hi})


def _gap(summary: pd.DataFrame, s: SlotStats | None, opts: Options, key: str) -> dict[str, object]:
    ordered = summary.sort_values("mean", ascending=False)
    top, bottom = ordered.iloc[0], ordered.iloc[-1]
    row: dict[str, object] = {
        "n_groups": len(ordered),
        "gap": float(top["mean"] - bottom["mean"]),
        "gap_ci_low": np.nan,
        "gap_ci_high": np.nan,
        "max_group": str(top["value"]),
        "max_mean": float(top["mean"]),
        "min_group": str(bottom["value"]),
        "min_mean": float(bottom["mean"]),
        "spread": float(ordered["mean"].std(ddof=1)) if len(ordered) > 1 else 0.0,
        "overall_mean": float(np.average(ordered["mean"], weights=ordered["n"])),
        **dict.fromkeys(GAP_EXTRA, np.nan),
    }
    if s is not None:
        row.update(gap_stats(s, opts, key=key, permute=bool(s.design.groups)))
    row["n_wordings"] = int(summary["n_wordings"].iloc[0])
    return row


def _contrasts(
    slot: str,
    s: SlotStats,
    opts: Options,
    meta: pd.DataFrame | None,
    spec: ContrastSpec | None,
) -> list[pd.DataFrame]:
    groups = s.design.groups
    conf, n = opts.confidence, s.n_clusters
    weights = default_contrasts(groups)
    out = [
        contrast_table(
            slot, s.means, s.replicates, weights, kind="default", confidence=conf, n_clusters=n
        )
    ]
    if spec:
        weights = named_contrasts(spec, groups, meta)
        table = contrast_table(
            slot,
            s.means,
            s.replicates,
            weights,
            kind="named",
            confidence=conf,
            n_clusters=n,
            resample_sides=True,
            seed=opts.seed,
        )
        out.append(table)
    return out
