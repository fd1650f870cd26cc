"""Tables for the HTML report: formatted cells that keep their exact value for sorting.

A ``Table`` is what the report's one table macro renders: a caption, columns and rows of
``Cell``. Each numeric cell shows a rounded number and carries the exact value in
``data-value`` (the sortable-table script sorts on it; tests read it back).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

KINDS = ("text", "int", "num", "signed", "pct", "p", "bool")
MISSING = "–"


@dataclass(frozen=True)
class Cell:
    """One table cell: the text shown and, for numbers, the exact value."""

    text: str
    value: str | None = None
    numeric: bool = False
    style: str = ""
    cls: str = ""


@dataclass(frozen=True)
class Column:
    """A column of a report table: the DataFrame column, its header and its kind."""

    key: str
    label: str
    kind: str = "text"
    title: str = ""


@dataclass
class Table:
    """A sortable table: ``id`` is an HTML id made by the report, never from user input."""

    id: str
    columns: list[Column]
    rows: list[list[Cell]]
    caption: str = ""
    note: str = ""
    sortable: bool = True
    classes: list[str] = field(default_factory=list)


def number(value: Any) -> float:
    """``value`` as a float; NaN for missing or non-numeric values."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def fmt(value: Any, kind: str) -> str:
    """The text shown for ``value`` in a column of ``kind``."""
    if kind == "text" and isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if kind == "text":
        return MISSING if _missing(value) else str(value)
    if kind == "bool":
        return MISSING if _missing(value) else ("yes" if _truthy(value) else "no")
    x = number(value)
    if not math.isfinite(x):
        return MISSING
    return {
        "int": lambda: f"{x:,.0f}",
        "num": lambda: f"{x:.3f}",
        "signed": lambda: f"{x:+.3f}",
        "pct": lambda: f"{x:.1%}",
        "p": lambda: f"{x:.2g}",
    }[kind]()


def cell(value: Any, kind: str = "text", *, style: str = "") -> Cell:
    """A cell of ``kind``; numbers keep their exact value (``repr``) in ``value``."""
    if kind not in KINDS:
        raise ValueError(f"unknown column kind {kind!r}; valid: {', '.join(KINDS)}")
    if kind in ("text", "bool"):
        return Cell(fmt(value, kind), style=style)
    x = number(value)
    exact = repr(x) if math.isfinite(x) else None
    return Cell(fmt(value, kind), value=exact, numeric=True, style=style)


def table(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    *,
    id: str,
    caption: str = "",
    note: str = "",
    sortable: bool = True,
) -> Table:
    """A report table from ``frame``; columns missing from ``frame`` are left out."""
    cols = [c for c in columns if c.key in frame.columns]
    rows = [[cell(rec[c.key], c.kind) for c in cols] for rec in frame.to_dict(orient="records")]
    return Table(id=id, columns=cols, rows=rows, caption=caption, note=note, sortable=sortable)


def key_values(pairs: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Label/value pairs for a definition list; missing values shown as a dash."""
    return [(label, fmt(value, "text")) for label, value in pairs]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)
