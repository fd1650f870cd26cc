"""Every headline on three scales: probability, logit and label rate.

The mean probability, the mean logit (``log p / (1 - p)``, scores clipped to
[1e-6, 1 - 1e-6]) and the label rate (share of probes at or above the decision threshold,
0.5) weigh the same probes differently: a group with a few confident negatives can be the
lowest on one scale and not on another. This table says, per slot, which values are the
extremes on each scale and whether they differ from the probability scale.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

EPS = 1e-6
THRESHOLD = 0.5
SCALES = ("probability", "logit", "label_rate")


class AuditResult(Protocol):
    """What this module reads of an audit (``biasprobe.AuditResult``)."""

    slots: list[str]
    probes: pd.DataFrame


def scale_scores(scores: pd.Series, scale: str) -> pd.Series:
    """Scores on ``scale`` (``probability``, ``logit`` or ``label_rate``)."""
    if scale == "probability":
        return scores.astype(float)
    if scale == "logit":
        p = scores.astype(float).clip(EPS, 1 - EPS)
        return pd.Series(np.log(p / (1 - p)), index=scores.index)
    return (scores >= THRESHOLD).astype(float)


def headline_scales(result: AuditResult) -> pd.DataFrame:
    """Per slot and scale: lowest and highest value, their means, the gap, and whether the
    extremes are the probability scale's.

    Columns: slot, scale, min_group, min_mean, max_group, max_mean, gap, same_min, same_max.
    Only meaningful for probability scores (values in [0, 1]); empty otherwise.
    """
    scored = result.probes[~result.probes["is_baseline"]]
    if not scored["score"].between(0, 1).all():
        return pd.DataFrame(columns=_COLUMNS)
    rows = []
    for slot in result.slots:
        ref: dict[str, Any] = {}
        for scale in SCALES:
            means = scale_scores(scored["score"], scale).groupby(scored[slot]).mean()
            row = _extremes(slot, scale, means, tie_break=ref.get("means"))
            ref = ref or {"min": row["min_group"], "max": row["max_group"], "means": means}
            row["same_min"] = row["min_group"] == ref["min"]
            row["same_max"] = row["max_group"] == ref["max"]
            rows.append(row)
    return pd.DataFrame(rows, columns=_COLUMNS)


_COLUMNS = [
    "slot", "scale", "min_group", "min_mean", "max_group", "max_mean", "gap", "same_min",
    "same_max",
]  # fmt: skip


def _extremes(
    slot: str, scale: str, means: pd.Series, *, tie_break: pd.Series | None
) -> dict[str, Any]:
    # label rates tie often: among tied values the probability mean decides
    order = means.to_frame("m")
    order["p"] = tie_break if tie_break is not None else means
    order = order.sort_values(["m", "p"])
    lo, hi = str(order.index[0]), str(order.index[-1])
    return {
        "slot": slot,
        "scale": scale,
        "min_group": lo,
        "min_mean": float(means[lo]),
        "max_group": hi,
        "max_mean": float(means[hi]),
        "gap": float(means[hi] - means[lo]),
    }
