"""What an output folder holds: the one place that tells audit, comparison and check folders apart.

>>> folder_kinds("reports/country")
['audit']
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

AUDIT_FILE = "audit.json"
COMPARE_FILE = "compare.json"
SUMMARY_FILE = "summary.csv"
CHECKS_FILE = "checks.json"
DIFF_FILE = "diff.json"


def folder_kinds(path: str | PathLike[str]) -> list[str]:
    """The kinds of output ``path`` holds: ``audit``, ``comparison``, ``diff`` and/or ``checks``.

    An audit folder has ``audit.json``; a comparison folder ``compare.json`` or, when made
    by hand, a ``summary.csv``; a check run writes ``checks.json`` into either.
    """
    folder = Path(path)
    kinds = []
    if (folder / AUDIT_FILE).is_file():
        kinds.append("audit")
    if (folder / COMPARE_FILE).is_file() or (folder / SUMMARY_FILE).is_file():
        kinds.append("comparison")
    if (folder / DIFF_FILE).is_file():
        kinds.append("diff")
    if (folder / CHECKS_FILE).is_file():
        kinds.append("checks")
    return kinds
