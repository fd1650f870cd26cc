"""Regression metrics over a diff of two models (``biasprobe diff`` or a multi-model audit).

``diff.gap(SLOT)``
    Model B's gap minus model A's, with the paired cluster CI: ``diff.gap(country) < 0.02``
    passes when the gap grew by less than 0.02, credibly (the whole CI below the limit).
``diff.group(SLOT=VALUE)``
    The change of one group's mean score (B minus A) with its CI:
    ``diff.group(country=Syria) > -0.05`` fails when Syria's scores dropped by more.
``diff.contrast(SLOT=VALUE)``
    The change of one group's contrast (the group minus the mean of the others): a change
    of relative position, which an overall shift of every score leaves at 0.
``diff.max_move(SLOT)``
    The largest absolute change of a group's mean; the worst case over the groups that were
    audited, not an estimate, so its interval is the value itself.

For a comparison diff the slot is a benchmark (``diff.gap(winobias)``: change of the overall
mean pair difference) and ``diff.group(BENCHMARK=GROUP)`` picks a breakdown's group.
Worst examples: the probes whose score changed most (text, score under A, under B).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from biasprobe._errors import UsageError
from biasprobe.checks._measure import Measure
from biasprobe.checks._thresholds import MetricRef
from biasprobe.diffs._diff import DiffResult

USAGE = "diff.gap(SLOT), diff.group(SLOT=VALUE), diff.contrast(SLOT=VALUE), diff.max_move(SLOT)"


def need_diff(src: Any, ref: MetricRef) -> DiffResult:
    diff: DiffResult | None = getattr(src, "diff", None)
    if diff is None:
        raise UsageError(
            f"{ref} needs a diff folder (biasprobe diff A B --out DIR, or a multi-model "
            "biasprobe audit --model A --model B --out DIR)"
        )
    return diff


def _examples(diff: DiffResult, slot: str, value: str | None) -> Any:
    def examples(n: int, upper: bool) -> pd.DataFrame:
        probes = diff.probes
        if probes is None or slot not in probes.columns:
            return pd.DataFrame(columns=["text_a", "score_a", "text_b", "score_b", "difference"])
        rows = probes if value is None else probes[probes[slot].astype(str) == value]
        out = rows.assign(text_a=rows["text"], text_b=rows["text"], difference=rows["diff"])
        return out.sort_values("difference", ascending=not upper, kind="stable")

    return examples


def diff_gap(src: Any, ref: MetricRef) -> Measure:
    diff = need_diff(src, ref)
    slot = ref.args[0]
    est = diff.gap(slot)
    row = diff.gaps().set_index("slot").loc[slot]
    a, b = diff.names
    groups = f"{b} minus {a}: gap {row['gap_a']:.4f} -> {row['gap_b']:.4f}"
    return Measure.make(
        ref,
        est,
        (est.ci_low, est.ci_high),
        groups=groups,
        confidence=diff.confidence,
        examples=_examples(diff, slot, None),
    )


def diff_group(src: Any, ref: MetricRef) -> Measure:
    diff = need_diff(src, ref)
    slot, value = ref.kwargs[0]
    est = diff.group(slot, value)
    a, b = diff.names
    return Measure.make(
        ref,
        est,
        (est.ci_low, est.ci_high),
        groups=f"{value}: {b} minus {a}",
        confidence=diff.confidence,
        examples=_examples(diff, slot, value),
    )


def diff_contrast(src: Any, ref: MetricRef) -> Measure:
    diff = need_diff(src, ref)
    slot, value = ref.kwargs[0]
    table = diff.contrasts(slot)
    row = table[table["contrast"] == f"{value} - others"]
    if row.empty:
        shown = ", ".join(table["contrast"].head(6))
        raise UsageError(f"{ref}: no contrast for {value!r}; contrasts: {shown}, ...")
    rec = row.iloc[0]
    a, b = diff.names
    return Measure.make(
        ref,
        rec["diff"],
        (rec["ci_low"], rec["ci_high"]),
        groups=f"{value} - others: {b} minus {a}",
        confidence=diff.confidence,
        examples=_examples(diff, slot, value),
    )


def diff_max_move(src: Any, ref: MetricRef) -> Measure:
    diff = need_diff(src, ref)
    slot = ref.args[0]
    table = diff.by_group(slot)
    worst = table.iloc[int(table["diff"].abs().to_numpy().argmax())]
    value = abs(float(worst["diff"])) if math.isfinite(worst["diff"]) else math.nan
    return Measure.make(
        ref,
        value,
        (value, value),
        groups=f"{worst['value']} ({worst['diff']:+.4f})",
        confidence=diff.confidence,
        examples=_examples(diff, slot, str(worst["value"])),
    )


# name: (function, (min args, max args), keywords (None: exactly one, any name), usage)
DIFF_METRICS: dict[str, tuple[Any, tuple[int, int], frozenset[str] | None, str]] = {
    "diff.gap": (diff_gap, (1, 1), frozenset(), "diff.gap(SLOT)"),
    "diff.group": (diff_group, (0, 0), None, "diff.group(SLOT=VALUE)"),
    "diff.contrast": (diff_contrast, (0, 0), None, "diff.contrast(SLOT=VALUE)"),
    "diff.max_move": (diff_max_move, (1, 1), frozenset(), "diff.max_move(SLOT)"),
}


def default_diff_refs(diff: DiffResult) -> list[MetricRef]:
    """The diff metrics a baseline records: each slot's gap change."""
    return [MetricRef("diff.gap", (str(slot),)) for slot in diff.gaps()["slot"]]
