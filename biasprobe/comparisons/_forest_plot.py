"""The comparison figure: a forest plot of mean paired differences, one colour per model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

MAX_GROUPS = 12  # breakdowns with more groups (occupation, target) stay in the tables


def plotted_rows(summary: pd.DataFrame, breakdowns: Sequence[str]) -> pd.DataFrame:
    """Overall rows plus the groups of each breakdown that has at most ``MAX_GROUPS``."""
    keep = summary["breakdown"] == "overall"
    for name in breakdowns:
        rows = summary["breakdown"] == name
        if summary.loc[rows, "group"].nunique() <= MAX_GROUPS:
            keep |= rows
    return summary[keep]


def forest_plot(summary: pd.DataFrame, *, breakdowns: Mapping[str, Sequence[str]]) -> Any:
    """One panel per benchmark; rows are groups, points are mean differences with CIs."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    benches = list(dict.fromkeys(summary["benchmark"]))
    models = list(dict.fromkeys(summary["model"]))
    panels = [
        plotted_rows(summary[summary["benchmark"] == b], breakdowns.get(b, ())) for b in benches
    ]
    heights = [max(2, part[["breakdown", "group"]].drop_duplicates().shape[0]) for part in panels]
    fig, axes = plt.subplots(
        len(benches),
        1,
        sharex=True,
        squeeze=False,
        figsize=(8, 1.2 + 0.32 * sum(heights)),
        gridspec_kw={"height_ratios": heights},
    )
    for ax, bench, part in zip(axes[:, 0], benches, panels, strict=True):
        _panel(ax, part, models, title=str(bench))
    axes[0, 0].legend(loc="best", fontsize=8)
    axes[-1, 0].set_xlabel(
        "mean score difference, text_a - text_b (P(score label), CI); see the findings"
    )
    fig.tight_layout()
    return fig


def _panel(ax: Any, part: pd.DataFrame, models: list[str], *, title: str) -> None:
    keys = list(dict.fromkeys(zip(part["breakdown"], part["group"], strict=True)))
    offsets = np.linspace(-0.25, 0.25, len(models)) if len(models) > 1 else np.zeros(1)
    for m, (model, offset) in enumerate(zip(models, offsets, strict=True)):
        rows = part[part["model"] == model].set_index(["breakdown", "group"])
        rows = rows.reindex(keys)
        y = np.arange(len(keys)) + offset
        err = [rows["mean_diff"] - rows["diff_ci_low"], rows["diff_ci_high"] - rows["mean_diff"]]
        ax.errorbar(
            rows["mean_diff"], y, xerr=err, fmt="o", ms=4, capsize=2, color=f"C{m}", label=model
        )
    ax.axvline(0, color="0.5", lw=0.8, ls="--")
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels(["overall" if b == "overall" else f"{b} = {g}" for b, g in keys], fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10, loc="left")
