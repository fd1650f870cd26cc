"""Benchmark metrics, read from a comparison's ``summary.csv`` (``biasprobe compare --out``).

One row per (model,) benchmark, breakdown and group with the paired statistics of
``biasprobe.stats._paired``; ``pairs.parquet`` beside it (when present) gives the worst
examples.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from biasprobe._errors import DataError, UsageError
from biasprobe.checks._measure import EXAMPLE_COLUMNS, Measure
from biasprobe.checks._thresholds import MetricRef

BENCHMARK_STATS: dict[str, tuple[str, str, str]] = {
    "mean_diff": ("mean_diff", "diff_ci_low", "diff_ci_high"),
    "stereotype_share": ("share_a_higher", "share_ci_low", "share_ci_high"),
    "flip_rate": ("flip_rate", "flip_ci_low", "flip_ci_high"),
}


def benchmark_measure(src: Any, ref: MetricRef) -> Measure:
    """``BENCHMARK.STAT[(BREAKDOWN=GROUP, model=NAME)]`` from ``src.benchmarks``."""
    if src.benchmarks is None:
        raise UsageError(f"{ref} needs a comparison directory (biasprobe compare --out DIR)")
    bench, _, stat = ref.name.rpartition(".")
    table, model = _one_model(src.benchmarks, ref)
    known = sorted(table["benchmark"].dropna().astype(str).unique())
    if bench not in known:
        raise UsageError(f"{ref}: no benchmark {bench!r} in summary.csv; benchmarks: {known}")
    row = _benchmark_row(table[table["benchmark"] == bench], ref)
    value_col, low_col, high_col = BENCHMARK_STATS[stat]
    if value_col not in table.columns:
        raise DataError(f"summary.csv lacks column {value_col!r} needed by {ref}")
    value, ci = row[value_col], (row.get(low_col, math.nan), row.get(high_col, math.nan))
    where = "overall" if row["breakdown"] == "overall" else f"{row['breakdown']}={row['group']}"
    groups = f"{bench} pairs ({where}, n={row.get('n', '?')})"
    groups += f", model {model}" if model else ""

    def examples(n: int, upper: bool) -> pd.DataFrame:
        pairs = src.pairs
        if pairs is not None and model and "model" in pairs.columns:
            pairs = pairs[pairs["model"].astype(str) == model]
        return _benchmark_examples(pairs, bench, row, stat, upper)

    return Measure.make(ref, value, ci, groups=groups, confidence=src.confidence, examples=examples)


def _one_model(table: pd.DataFrame, ref: MetricRef) -> tuple[pd.DataFrame, str | None]:
    """The rows of the model named by ``model=`` (needed when the table has several)."""
    if "model" not in table.columns:
        return table, None
    models = list(dict.fromkeys(table["model"].astype(str)))
    wanted = ref.kw("model")
    if wanted is None and len(models) == 1:
        wanted = models[0]
    if wanted not in models:
        which = "several models" if wanted is None else f"no model {wanted!r}"
        raise UsageError(f"{ref}: the comparison has {which}; add model=NAME, one of {models}")
    return table[table["model"].astype(str) == wanted], wanted


def _benchmark_row(table: pd.DataFrame, ref: MetricRef) -> pd.Series:
    kwargs = [(k, v) for k, v in ref.kwargs if k != "model"]
    if kwargs:
        ((breakdown, group),) = kwargs
        rows = table[(table["breakdown"] == breakdown) & (table["group"] == group)]
    elif ref.args:
        rows = table[(table["breakdown"] != "overall") & (table["group"] == ref.args[0])]
        if len(rows) > 1:
            choices = ", ".join(f"{b}={ref.args[0]}" for b in rows["breakdown"])
            raise UsageError(f"{ref}: group {ref.args[0]!r} is ambiguous; use one of {choices}")
    else:
        rows = table[table["breakdown"] == "overall"]
    if rows.empty:
        shown = sorted(
            {f"{b}={g}" for b, g in zip(table["breakdown"], table["group"], strict=True)}
        )
        raise UsageError(f"{ref}: no such breakdown row; rows: {', '.join(shown[:12])}")
    return rows.iloc[0]


def _benchmark_examples(
    pairs: pd.DataFrame | None, bench: str, row: pd.Series, stat: str, upper: bool
) -> pd.DataFrame:
    if pairs is None:
        return pd.DataFrame(columns=list(EXAMPLE_COLUMNS))
    part = pairs[pairs["benchmark"] == bench]
    if row["breakdown"] != "overall" and row["breakdown"] in part.columns:
        part = part[part[row["breakdown"]].astype(str) == row["group"]]
    part = part.assign(difference=part["score_a"] - part["score_b"])
    if stat == "flip_rate":
        if {"label_a", "label_b"} <= set(part.columns):
            part = part[part["label_a"] != part["label_b"]]
        else:
            part = part[(part["score_a"] >= 0.5) != (part["score_b"] >= 0.5)]
        return part.loc[part["difference"].abs().sort_values(ascending=False).index]
    return part.sort_values("difference", ascending=not upper, kind="stable")
