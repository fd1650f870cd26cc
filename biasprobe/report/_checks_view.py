"""Threshold verdicts for the report's summary, read from a ``checks.json`` file.

A folder given to ``biasprobe report`` may hold ``checks.json`` (written beside an audit
or comparison, or in a folder of its own). Accepted shapes: a list of records, or an
object with a ``checks`` list; a record is ``CheckResult.to_dict()`` of
``biasprobe.checks._verdicts``. Each record needs the check's text (``check``, ``expression`` or
``name``) and its outcome (``verdict``: pass, fail, inconclusive, error; or ``passed``:
true/false); ``value``, ``ci_low``, ``ci_high``, ``op``, ``limit`` and ``reason`` are
shown when present.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError
from biasprobe.report._table import Column, Table, table

LABEL_KEYS = ("check", "expression", "name")
OUTCOME_KEYS = ("verdict", "status", "outcome")
VERDICTS = ("pass", "fail", "inconclusive", "error")
COLUMNS = [
    Column("source", "from"),
    Column("check", "check"),
    Column("verdict", "verdict"),
    Column("value", "value", "num"),
    Column("ci_low", "CI low", "num"),
    Column("ci_high", "CI high", "num"),
    Column("limit", "limit"),
    Column("message", "reason"),
]


def read_checks(path: Path) -> pd.DataFrame:
    """One row per check: source, check, verdict (pass / fail / error), numbers, message."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from None
    records = data.get("checks") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise DataError(f"{path}: expected a list of checks or an object with a 'checks' list")
    return pd.DataFrame([_record(r, path, i) for i, r in enumerate(records)], columns=[
        c.key for c in COLUMNS
    ])  # fmt: skip


def _record(raw: Any, path: Path, i: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise DataError(f"{path}: check {i + 1} is not an object")
    label = next((raw[k] for k in LABEL_KEYS if raw.get(k) is not None), None)
    if label is None:
        raise DataError(f"{path}: check {i + 1} has no 'check', 'expression' or 'name' field")
    return {
        "source": str(path.parent),
        "check": str(label),
        "verdict": _verdict(raw, path, i),
        **{k: raw.get(k) for k in ("value", "ci_low", "ci_high")},
        "limit": _limit(raw),
        "message": raw.get("reason") or raw.get("message") or "",
    }


def _limit(raw: dict[str, Any]) -> str:
    limit = raw.get("limit")
    if limit is None:
        return ""
    text = f"{limit:.4g}" if isinstance(limit, int | float) else str(limit)
    return f"{raw.get('op', '')} {text}".strip()


def _verdict(raw: dict[str, Any], path: Path, i: int) -> str:
    word = next((str(raw[k]).lower() for k in OUTCOME_KEYS if raw.get(k) is not None), "")
    if not word and isinstance(raw.get("passed"), bool):
        word = "pass" if raw["passed"] else "fail"
    if word not in VERDICTS:
        raise DataError(
            f"{path}: check {i + 1} has no valid outcome ({word or 'none'}); give 'verdict' "
            f"({', '.join(VERDICTS)}) or 'passed' (true/false)"
        )
    return word


def checks_table(frames: list[pd.DataFrame]) -> Table | None:
    """All verdicts in one table, failures first; None when no checks were run."""
    if not frames:
        return None
    rows = pd.concat(frames, ignore_index=True)
    order = rows["verdict"].map({"fail": 0, "error": 1, "inconclusive": 2, "pass": 3})
    rows = rows.assign(_o=order).sort_values("_o", kind="stable")
    out = table(rows, COLUMNS, id="checks")
    at = [c.key for c in out.columns].index("verdict")
    for row in out.rows:
        row[at] = replace(row[at], cls=f"verdict-{row[at].text}")
    return out
