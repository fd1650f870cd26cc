"""CrowS-Pairs (Nangia et al., 2020) as a pair table.

The CSV (``crows_pairs_anonymized.csv``) and the Hub dataset ``nyu-mll/crows_pairs``
hold ``sent_more`` (the more stereotypical sentence), ``sent_less`` (its minimal edit)
and a direction ``stereo_antistereo``. In the dataset's own words: ``stereo`` means
``sent_more`` demonstrates a stereotype of a historically disadvantaged group;
``antistereo`` means ``sent_less`` violates a stereotype of a disadvantaged group (e.g.
"...whether *she* would come forward" about a doctor); in either case the other
sentence is a minimal edit about a contrasting advantaged group.

So ``sent_more`` is the stereotype-consistent side in *every* row, and the published
metric (Nangia et al., metric.py) counts a preference for ``sent_more`` under both
labels: ``text_a = sent_more`` and ``text_b = sent_less`` always. The direction is kept
in ``stereo_antistereo`` (a breakdown), and ``disadvantaged_side`` says which text
names the disadvantaged group: ``"a"`` for stereo rows, ``"b"`` for antistereo rows.
Swapping the sides of the 218 antistereo rows would invert their contribution.
CrowS-Pairs has no target column; ``target`` is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError
from biasprobe.comparisons._pairs import (
    benchmark_folder,
    check_count,
    check_split,
    class_names,
    load_hub,
    make_table,
)

PUBLISHED = 1508
HUB_ID = "nyu-mll/crows_pairs"
FILE_NAME = "crows_pairs_anonymized.csv"
REQUIRED = ("sent_more", "sent_less", "stereo_antistereo", "bias_type")
DIRECTIONS = ("stereo", "antistereo")
HUB_BIAS_TYPES = (
    "race-color",
    "socioeconomic",
    "gender",
    "disability",
    "nationality",
    "sexual-orientation",
    "physical-appearance",
    "religion",
    "age",
)


def find_file(folder: Path) -> Path:
    """``crows_pairs_anonymized.csv`` in ``folder``, else its one ``*.csv`` file."""
    if (folder / FILE_NAME).is_file():
        return folder / FILE_NAME
    found = sorted(folder.glob("*.csv"))
    if len(found) != 1:
        raise DataError(
            f"missing CrowS-Pairs file {folder / FILE_NAME} (expected it or "
            f"exactly one *.csv in {folder}, found {len(found)})"
        )
    return found[0]


def read_csv(path: Path) -> pd.DataFrame:
    """The CrowS-Pairs CSV as a raw frame with an integer ``crows_id`` column."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot read as CSV ({str(exc).splitlines()[0]})") from None
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise DataError(f"{path}: missing column {missing[0]!r}; required: {', '.join(REQUIRED)}")
    raw["crows_id"] = range(len(raw))
    if str(raw.columns[0]).startswith("Unnamed"):
        ids = pd.to_numeric(raw[raw.columns[0]], errors="coerce")
        if ids.isna().any():
            row = int(ids.isna().to_numpy().argmax()) + 1
            raise DataError(f"{path}: row {row}: the first (index) column is not an integer")
        raw["crows_id"] = ids.astype(int)
    return raw


def to_table(raw: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Pair table from a frame with the CSV's columns (direction respected)."""
    check_count(len(raw), PUBLISHED, what="the file", source=source)
    bad = ~raw["stereo_antistereo"].isin(DIRECTIONS)
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataError(
            f"{source}: row {row + 1} has stereo_antistereo "
            f"{raw['stereo_antistereo'].iloc[row]!r}; valid: stereo, antistereo"
        )
    stereo = raw["stereo_antistereo"] == "stereo"
    rows = pd.DataFrame(
        {
            "pair_id": [f"crows-pairs/test/{i}" for i in raw["crows_id"]],
            "benchmark": "crows-pairs",
            "split": "test",
            "text_a": raw["sent_more"],
            "text_b": raw["sent_less"],
            "bias_type": raw["bias_type"],
            "target": None,
            "crows_id": raw["crows_id"].astype(int),
            "stereo_antistereo": raw["stereo_antistereo"],
            "disadvantaged_side": stereo.map({True: "a", False: "b"}),
        }
    )
    return make_table(rows, "crows-pairs", source=source)


def hub_frame(dataset: Any) -> pd.DataFrame:
    """The Hub split as a frame like the CSV (ClassLabel integers mapped to names)."""
    frame = dataset.to_pandas() if hasattr(dataset, "to_pandas") else pd.DataFrame(dataset)
    missing = [c for c in ("id", *REQUIRED) if c not in frame.columns]
    if missing:
        raise DataError(f"{HUB_ID}: missing column {missing[0]!r}")
    for col, fallback in (("stereo_antistereo", DIRECTIONS), ("bias_type", HUB_BIAS_TYPES)):
        if not pd.api.types.is_string_dtype(frame[col]):
            names = class_names(dataset, col, fallback)
            frame[col] = [names[int(v)] for v in frame[col]]
    return frame.rename(columns={"id": "crows_id"})


def load_crows_pairs(*, data_dir: Path | None, split: str | None = None) -> pd.DataFrame:
    """CrowS-Pairs from ``data_dir/crows_pairs`` or, when ``data_dir`` is None, the Hub."""
    check_split(split, benchmark="crows-pairs", valid=("test",))
    if data_dir is not None:
        path = find_file(benchmark_folder(data_dir, "crows-pairs"))
        return to_table(read_csv(path), source=str(path))
    return to_table(hub_frame(load_hub(HUB_ID, None, "test")), source=HUB_ID)
