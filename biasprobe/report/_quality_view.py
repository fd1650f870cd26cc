"""Bias against task quality, drawn and tabulated: one panel per slot, one point per model.

x: the slot's gap with its CI; y: SST-2 dev accuracy with its CI. Models on the Pareto
front (no other model both less biased and more accurate) are filled and joined by a
line. Reads the table of ``biasprobe.diffs._quality.quality_table`` (``quality.csv``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # matplotlib is imported when a figure is drawn: a report without one
    from matplotlib.figure import Figure  # skips it


def plot_quality(table: pd.DataFrame) -> Figure:
    """One panel per slot: gap (x) against SST-2 dev accuracy (y), 95% CIs as bars,
    the Pareto front filled and joined."""
    from matplotlib.figure import Figure

    slots = list(dict.fromkeys(table["slot"]))
    fig = Figure(figsize=(4.2 * len(slots), 3.6), dpi=120, layout="constrained")
    axes = fig.subplots(1, len(slots), squeeze=False)[0]
    for ax, slot in zip(axes, slots, strict=True):
        part = table[table["slot"] == slot]
        for row in part.itertuples():
            xerr = [[row.gap - row.gap_ci_low], [row.gap_ci_high - row.gap]]
            yerr = [[row.accuracy - row.accuracy_ci_low], [row.accuracy_ci_high - row.accuracy]]
            face = "tab:blue" if row.pareto else "white"
            ax.errorbar(
                row.gap, row.accuracy, xerr=xerr, yerr=yerr, fmt="o", mfc=face,
                mec="tab:blue", ecolor="0.6", capsize=3,
            )  # fmt: skip
            ax.annotate(str(row.model), (row.gap, row.accuracy), xytext=(5, 5),
                        textcoords="offset points", fontsize=8)  # fmt: skip
        front = part[part["pareto"].astype(bool)].sort_values("gap")
        if len(front) > 1:
            ax.plot(front["gap"], front["accuracy"], color="tab:blue", lw=1, alpha=0.6)
        ax.set_xlabel(f"gap({slot}) (lower is less biased)")
        ax.set_ylabel("SST-2 dev accuracy")
        ax.set_title(f"{slot}: bias against task quality", fontsize=10)
    return fig


def save_quality_figure(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``plot_quality(table)`` to ``path`` (PNG, SVG or PDF by suffix)."""
    from biasprobe.maps._svg import save_figure

    return save_figure(plot_quality(table), path)


def quality_lines(table: pd.DataFrame) -> list[str]:
    """A Markdown table for the model card: model, slot, gap, accuracy, F1 (CIs), Pareto."""
    lines = [
        "### Bias against task quality",
        "",
        "| model | slot | gap [95% CI] | SST-2 accuracy [CI] | F1 [CI] | Pareto front |",
        "|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.model} | {r.slot} | {r.gap:.3f} [{r.gap_ci_low:.3f}, {r.gap_ci_high:.3f}] "
            f"| {r.accuracy:.3f} [{r.accuracy_ci_low:.3f}, {r.accuracy_ci_high:.3f}] "
            f"| {r.f1:.3f} [{r.f1_ci_low:.3f}, {r.f1_ci_high:.3f}] | {'yes' if r.pareto else ''} |"
        )
    return [*lines, ""]
