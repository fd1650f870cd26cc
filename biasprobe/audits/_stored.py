"""Statistics an audit folder already holds, read back instead of recomputed.

``AuditResult.save`` writes ``groups.csv``, ``gaps.csv`` and ``contrasts.csv`` next to
``probes.parquet`` and marks ``audit.json`` with ``STORED_KEY`` (the version of those
tables). ``load_audit`` reads them on first use, so that loading an audit (for a report,
a map or a check) does not re-run the bootstrap and the permutation tests: DESIGN's
"nothing downstream recomputes statistics". The tables are recomputed from the probes,
as before, when the folder cannot vouch for them: no mark or an older one (a folder from
an earlier version), a file missing or unreadable, a column missing, or group sizes and
means that do not match ``probes.parquet`` (the probes were edited after the audit).

Floats are written with ``repr`` by pandas and read back exactly (pandas 3 parses round-trip),
so a read table equals the computed one; the groups' lexicon columns (iso3, region...)
are taken from the probes, as the computation does, not parsed back from text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

STORED_KEY = "stored_statistics"
STORED_VERSION = 1  # raise when a statistic or a column of these tables changes
FILES = ("groups.csv", "gaps.csv", "contrasts.csv")
TEXT = ("slot", "value", "template_id", "max_group", "min_group", "contrast", "kind")
GROUP_REQUIRED = ("slot", "value", "n", "mean", "ci_low", "ci_high", "n_wordings")
GAP_REQUIRED = ("slot", "template_id", "gap", "gap_ci_low", "gap_ci_high", "p_value", "mde")
CONTRAST_REQUIRED = ("slot", "contrast", "kind", "estimate", "ci_low", "ci_high", "p_value")

Tables = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def stored_mark() -> dict[str, int]:
    """The entry ``save`` adds to audit.json: these tables are current statistics."""
    return {STORED_KEY: STORED_VERSION}


def read_tables(
    folder: Path,
    *,
    version: Any,
    probes: pd.DataFrame,
    metadata: dict[str, pd.DataFrame],
) -> Tables | None:
    """Groups, gaps and contrasts as ``AuditResult`` computes them, or None when the
    folder's tables cannot be used (then the caller recomputes).

    ``metadata``: per slot, the groups' lexicon columns (``value`` plus fields), as
    ``AuditResult`` merges them onto the groups."""
    if version != STORED_VERSION:
        return None
    try:
        groups, gaps, contrasts = (_read(folder / name) for name in FILES)
    except (OSError, ValueError):
        return None
    needed = ((groups, GROUP_REQUIRED), (gaps, GAP_REQUIRED), (contrasts, CONTRAST_REQUIRED))
    if any(not set(cols) <= set(frame.columns) for frame, cols in needed):
        return None
    if set(groups["slot"]) != set(metadata) or not _matches_probes(groups, probes):
        return None
    extra = {c for meta in metadata.values() for c in meta.columns if c != "value"}
    stat_cols = [c for c in groups.columns if c not in extra]
    parts = [
        groups.loc[groups["slot"] == slot, stat_cols].merge(meta, on="value", how="left")
        for slot, meta in metadata.items()
    ]
    return pd.concat(parts, ignore_index=True), gaps, contrasts


def _read(path: Path) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns
    return pd.read_csv(
        path,
        dtype={c: str for c in TEXT if c in header},
        keep_default_na=False,  # "NA" (Namibia's iso2) is a value, not a missing one
        na_values=[""],
    )


def _matches_probes(groups: pd.DataFrame, probes: pd.DataFrame) -> bool:
    """Every group's n and mean equal those of the scored probes (cheap: no resampling)."""
    scored = probes.loc[~probes["is_baseline"]]
    for slot, rows in groups.groupby("slot", sort=False):
        if slot not in scored.columns:
            return False
        part = scored[scored[slot].notna()]
        agg = part.groupby(part[slot].astype(str))["score"].agg(["size", "mean"])
        agg = agg.reindex(rows["value"].to_numpy())
        if agg["size"].isna().any() or len(agg) != part[slot].astype(str).nunique():
            return False
        same_n = np.array_equal(agg["size"].to_numpy(float), rows["n"].to_numpy(float))
        if not same_n or not np.allclose(agg["mean"], rows["mean"], rtol=0, atol=1e-9):
            return False
    return True
