"""``--perturb``: the audit's headline statistics across rewording families.

Each rule of ``biasprobe.probes._perturb`` gives a variant of the template set; the variant
is audited with the same model, and its headline (per slot: gap, lowest and highest group)
is set beside the original's. Reported per slot: the distribution (min, median, max) of the
gap across variants and how many variants keep the original's extremes. Variants differ
in every wording at once, so this is the spread a reader should expect from an equally
valid rewording of the whole set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from biasprobe.probes._perturb import perturbed_sets
from biasprobe.probes._template_set import TemplateSet

HEAD = [
    "slot",
    "gap",
    "gap_ci_low",
    "gap_ci_high",
    "min_group",
    "min_mean",
    "max_group",
    "max_mean",
]


def variant_headlines(
    tset: TemplateSet, original: Any, run: Callable[[TemplateSet], Any]
) -> pd.DataFrame:
    """Headline rows (``AuditResult.summary``) of the original and of every variant.

    ``run`` audits one template set (e.g. ``lambda t: audit(t, model=scorer, ...)``).
    Columns: variant, then ``HEAD``.
    """
    frames = [original.summary()[HEAD].assign(variant="original")]
    for rule, variant in perturbed_sets(tset).items():
        frames.append(run(variant).summary()[HEAD].assign(variant=rule))
    table = pd.concat(frames, ignore_index=True)
    return table[["variant", *HEAD]]


def perturbation_summary(headlines: pd.DataFrame) -> pd.DataFrame:
    """Per slot: the gap's distribution across variants and the stability of the extremes.

    Columns: slot, n_variants, gap_original, gap_min, gap_median, gap_max,
    same_min_group, same_max_group (variants naming the original's extremes), min_groups,
    max_groups (every group named, with counts).
    """
    rows = []
    for slot, frame in headlines.groupby("slot", sort=False):
        orig = frame[frame["variant"] == "original"].iloc[0]
        rest = frame[frame["variant"] != "original"]
        rows.append(
            {
                "slot": slot,
                "n_variants": len(rest),
                "gap_original": float(orig["gap"]),
                "gap_min": float(frame["gap"].min()),
                "gap_median": float(frame["gap"].median()),
                "gap_max": float(frame["gap"].max()),
                "same_min_group": int((rest["min_group"] == orig["min_group"]).sum()),
                "same_max_group": int((rest["max_group"] == orig["max_group"]).sum()),
                "min_groups": _counts(frame["min_group"]),
                "max_groups": _counts(frame["max_group"]),
            }
        )
    return pd.DataFrame(rows)


def _counts(values: pd.Series) -> str:
    return "; ".join(f"{k} ({v})" for k, v in values.astype(str).value_counts().items())
