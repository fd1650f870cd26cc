"""The report's view of a two-slot audit's intersections: omnibus test, interactions, cells.

For sets that cross two slots (``gender_nationality``: person x nationality) the marginal
tables answer "do women score lower overall"; this view answers the intersectional
questions: does the woman - man contrast change across nationalities (omnibus F test of
the interaction), which nationalities' contrasts differ from the average contrast
(interaction contrasts with wording-clustered intervals and BH), and every cell's mean.
The numbers are ``AuditResult.interaction`` and ``AuditResult.cells``, the same as the
audit's ``interactions.csv`` and ``cells.csv``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from biasprobe.audits._result import AuditResult
from biasprobe.report._table import Column, Table, table

INTERACTION_COLUMNS = [
    Column("value_b", "value"),
    Column("contrast", "contrast"),
    Column("difference", "contrast here", "signed", "the contrast within this value"),
    Column("difference_ci_low", "CI low", "signed"),
    Column("difference_ci_high", "CI high", "signed"),
    Column("difference_p_adjusted", "p (BH)", "p"),
    Column(
        "interaction",
        "interaction",
        "signed",
        "the contrast here minus its average over all values",
    ),
    Column("interaction_ci_low", "CI low", "signed"),
    Column("interaction_ci_high", "CI high", "signed"),
    Column("interaction_p_adjusted", "p (BH)", "p"),
]
CELL_COLUMNS = [
    Column("value_a", "a"),
    Column("value_b", "b"),
    Column("n", "n", "int"),
    Column("mean", "mean", "num"),
    Column("ci_low", "CI low", "num"),
    Column("ci_high", "CI high", "num"),
]


@dataclass
class IntersectionView:
    """What the report shows about the crossing of two slots."""

    slot_a: str
    slot_b: str
    omnibus: str
    n_credible: str
    interactions: Table
    cells: Table


def intersection_view(
    result: AuditResult, *, aid: str, level: float = 0.05
) -> IntersectionView | None:
    """The view of a two-slot audit (``None`` for other audits)."""
    if len(result.slots) != 2:
        return None
    a, b = result.slots
    inter = result.interaction(a, b)
    rows = inter[inter["value_b"] != "all"].sort_values("interaction_p", kind="stable")
    cells = result.cells(a, b)
    return IntersectionView(
        slot_a=a,
        slot_b=b,
        omnibus=omnibus_sentence(inter, a, b),
        n_credible=credible_sentence(rows, b, level=level),
        interactions=table(rows, INTERACTION_COLUMNS, id=f"{aid}-interactions"),
        cells=table(cells, CELL_COLUMNS, id=f"{aid}-cells"),
    )


def omnibus_sentence(inter: pd.DataFrame, a: str, b: str) -> str:
    """The omnibus F test of the interaction, in words."""
    f, df1, df2 = (inter.attrs.get(k, math.nan) for k in ("F", "df1", "df2"))
    p = inter.attrs.get("p_value", math.nan)
    if not math.isfinite(float(f)):
        return f"The {a} x {b} interaction cannot be tested (too few wordings or cells)."
    return (
        f"Does the {a} contrast change across {b}? Omnibus F test of the {a} x {b} "
        f"interaction (wordings as replicates): F = {float(f):.2f} ({int(df1)}, {int(df2)}), "
        f"p = {float(p):.2g}."
    )


def credible_sentence(rows: pd.DataFrame, b: str, *, level: float) -> str:
    """How many per-value contrasts and interactions survive Benjamini-Hochberg."""
    n = len(rows)
    diff = int((rows["difference_p_adjusted"] < level).sum())
    inter = int((rows["interaction_p_adjusted"] < level).sum())
    return (
        f"{diff} of {n} per-{b} contrasts and {inter} of {n} interaction contrasts have a "
        f"BH-adjusted p below {level:g}. A significant omnibus test with none surviving "
        f"BH means the contrast varies across {b} without any single value standing out."
    )
