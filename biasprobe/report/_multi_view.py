"""Multi-model audit folders (``models.json``) in the report and the card.

Such a folder stands for its models' audit folders (``DIR/<name>/``), followed by the
section of this module: the paired diff(s) against the reference model and, when measured,
bias against task quality (``quality.csv``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import pandas as pd

from biasprobe.report._quality_view import quality_lines

MODELS_FILE = "models.json"


def expand_multi(
    dirs: Sequence[str | PathLike[str]] | str | PathLike[str],
) -> tuple[list[Path], list[Path]]:
    """The folders with each multi-model folder replaced by its models' audit folders,
    and the multi-model folders themselves."""
    folders = [Path(dirs)] if isinstance(dirs, str | PathLike) else [Path(d) for d in dirs]
    out, multi = [], []
    for folder in folders:
        record = folder / MODELS_FILE
        if not record.is_file():
            out.append(folder)
            continue
        models = json.loads(record.read_text(encoding="utf-8"))["models"]
        out += [folder / m["folder"] for m in models]
        multi.append(folder)
    return out, multi


def multi_card_lines(folder: Path) -> list[str]:
    """Markdown: each diff's verdict, gap change and the groups that moved; the quality table."""
    from biasprobe.diffs._diff import load_diff

    record = json.loads((folder / MODELS_FILE).read_text(encoding="utf-8"))
    lines = ["### Model differences", ""]
    for sub in record["diffs"].values():
        diff = load_diff(folder / sub)
        lines += ["```text", *diff.report_lines(), "```", ""]
    quality = folder / "quality.csv"
    if quality.is_file():
        lines += quality_lines(pd.read_csv(quality))
    return lines


@dataclass(frozen=True)
class MultiView:
    """One multi-model folder on the report page: diff lines and the quality figure."""

    title: str
    lines: list[str]
    figure: str | None


def multi_views(folders: list[Path]) -> list[MultiView]:
    """The report's "Model differences" section, one view per multi-model folder."""
    from biasprobe.diffs._diff import load_diff
    from biasprobe.report._figures import png_data_uri
    from biasprobe.report._quality_view import plot_quality

    views = []
    for folder in folders:
        record = json.loads((folder / MODELS_FILE).read_text(encoding="utf-8"))
        lines: list[str] = []
        for sub in record["diffs"].values():
            lines += load_diff(folder / sub).report_lines()
        quality = folder / "quality.csv"
        figure = png_data_uri(plot_quality(pd.read_csv(quality))) if quality.is_file() else None
        views.append(MultiView(title=folder.name, lines=lines, figure=figure))
    return views
