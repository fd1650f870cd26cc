"""``DiffResult``: how two models' audits of the same probes differ, group by group.

``diff_audits(a, b)`` pairs the probes of two audits (same template set, lexicons and
fillers; refused with a one-line ``DataError`` otherwise), and computes per slot the
change from model A to model B of every group's mean, of every contrast and of the gap,
with cluster intervals, p-values and BH across groups (``_diff_stats``). ``save`` writes
``diff_groups.csv``, ``diff_contrasts.csv``, ``diff_gaps.csv`` and ``diff.json``;
``load_diff`` reads them back.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biasprobe._errors import DataError, UsageError
from biasprobe._io import write_atomic, write_text_atomic
from biasprobe.audits._result import AuditResult, Estimate, _slot_metadata
from biasprobe.diffs._diff_stats import slot_diff
from biasprobe.diffs._model_names import model_name
from biasprobe.diffs._same_probes import check_same_probes, paired_rows
from biasprobe.stats._slots import Options

DIFF_FILE = "diff.json"
PROBES_FILE = "diff_probes.parquet"
TABLES = {"groups": "diff_groups.csv", "contrasts": "diff_contrasts.csv", "gaps": "diff_gaps.csv"}


class DiffResult:
    """Paired differences (model B minus model A) of two audits of the same probes.

    Attributes
    ----------
    probes
        The paired probes (``probe_id``, ``text``, ``template_id``, slots, ``score_a``,
        ``score_b``, ``diff``), or ``None`` (comparison diffs).
    metadata
        ``model_a`` / ``model_b`` (names and audit.json model records), template set,
        statistics options, and the overall ``verdict``.

    Examples
    --------
    >>> import biasprobe
    >>> flat = lambda texts: [[0.5, 0.5]] * len(texts)
    >>> a = biasprobe.audit("religion", model=flat, cache=None, progress=False)
    >>> diff_audits(a, a).verdict
    'no change'
    """

    def __init__(
        self,
        *,
        groups: pd.DataFrame,
        contrasts: pd.DataFrame,
        gaps: pd.DataFrame,
        metadata: dict[str, Any],
        probes: pd.DataFrame | None = None,
    ) -> None:
        self._groups, self._contrasts, self._gaps = groups, contrasts, gaps
        self.probes = probes
        self.metadata = dict(metadata)
        self.metadata["verdict"] = self.verdict

    @property
    def names(self) -> tuple[str, str]:
        """The names of model A and model B."""
        return str(self.metadata["name_a"]), str(self.metadata["name_b"])

    @property
    def confidence(self) -> float:
        return float(self.metadata.get("confidence", 0.95))

    @property
    def verdict(self) -> str:
        """``no change`` (every paired difference exactly 0), ``changed`` (a group, contrast
        or gap moved, BH-adjusted for groups and contrasts), else ``no credible change``."""
        if (self._groups["diff"] == 0).all() and (self._gaps["diff"] == 0).all():
            return "no change"
        alpha = 1 - self.confidence
        moved = self._groups["verdict"].isin(["up", "down"]).any()
        if not self._contrasts.empty:
            moved |= self._contrasts["verdict"].isin(["up", "down"]).any()
        moved |= bool((self._gaps["p_value"] < alpha).any())
        return "changed" if moved else "no credible change"

    # accessors ---------------------------------------------------------------------
    def by_group(self, slot: str | None = None) -> pd.DataFrame:
        """Per group: mean under A and B, the change ``diff`` with CI, p, BH and verdict."""
        return self._rows(self._groups, slot)

    def contrasts(self, slot: str | None = None) -> pd.DataFrame:
        """Per contrast (group minus the others; named ones): estimate under A and B, change."""
        return self._rows(self._contrasts, slot)

    def gaps(self) -> pd.DataFrame:
        """Per slot: gap under A and B, its change with CI and p-value."""
        return self._gaps.copy()

    def moved(self, slot: str | None = None) -> pd.DataFrame:
        """The groups whose mean moved credibly (BH-adjusted p below 1 - confidence)."""
        rows = self.by_group(slot)
        return rows[rows["verdict"].isin(["up", "down"])].reset_index(drop=True)

    def gap(self, slot: str) -> Estimate:
        """The change of one slot's gap (B minus A), a float carrying its CI."""
        row = self._gaps[self._gaps["slot"] == self._slot(slot)].iloc[0]
        return Estimate(
            row["diff"], ci_low=row["ci_low"], ci_high=row["ci_high"], label=f"diff.gap({slot})"
        )

    def group(self, slot: str, value: str) -> Estimate:
        """The change of one group's mean (B minus A), a float carrying its CI."""
        rows = self.by_group(slot)
        hit = rows[rows["value"] == str(value)]
        if hit.empty:
            shown = ", ".join(rows["value"].head(8))
            raise UsageError(f"no group {value!r} in slot {slot!r}; groups: {shown}, ...")
        row = hit.iloc[0]
        return Estimate(
            row["diff"],
            ci_low=row["ci_low"],
            ci_high=row["ci_high"],
            label=f"diff.group({slot}={value})",
        )

    def _rows(self, table: pd.DataFrame, slot: str | None) -> pd.DataFrame:
        if slot is None:
            return table.copy()
        slot = self._slot(slot)
        # comparison diffs: a benchmark's breakdowns are slots "benchmark:breakdown"
        inside = table["slot"].eq(slot) | table["slot"].astype(str).str.startswith(f"{slot}:")
        return table[inside].reset_index(drop=True)

    def _slot(self, slot: str) -> str:
        slots = list(self._gaps["slot"])
        if slot not in slots:
            raise UsageError(f"unknown slot {slot!r}; slots of this diff: {', '.join(slots)}")
        return slot

    # output --------------------------------------------------------------------------
    def report_lines(self) -> list[str]:
        """Plain-text lines: the two models, the verdict, each slot's gap change and the
        groups that moved."""
        a, b = self.names
        lines = [f"diff: {b} minus {a}", f"verdict: {self.verdict}"]
        what = "mean pair difference" if self.metadata.get("kind") == "comparison" else "gap"
        for g in self._gaps.itertuples():
            lines.append(
                f"{g.slot}: {what} {g.gap_a:.3f} -> {g.gap_b:.3f}, change {g.diff:+.3f} "
                f"[{g.ci_low:+.3f}, {g.ci_high:+.3f}]"
            )
            moved = self.moved(str(g.slot))
            shown = ", ".join(
                f"{r.value} {r.diff:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}]"
                for r in moved.reindex(moved["diff"].abs().sort_values(ascending=False).index)
                .head(5)
                .itertuples()
            )
            n_groups = len(self.by_group(str(g.slot)))
            lines.append(
                f"  moved (BH): {len(moved)} of {n_groups} groups{': ' if shown else ''}{shown}"
            )
        return lines

    def save(self, out_dir: str | Path) -> Path:
        """Write diff_groups.csv, diff_contrasts.csv, diff_gaps.csv and diff.json."""
        out = Path(out_dir)
        tables = {"groups": self._groups, "contrasts": self._contrasts, "gaps": self._gaps}
        for key, name in TABLES.items():
            write_atomic(out / name, partial(tables[key].to_csv, index=False))
        if self.probes is not None:
            write_atomic(out / PROBES_FILE, partial(self.probes.to_parquet, index=False))
        text = json.dumps(self.metadata, indent=2, default=str) + "\n"
        write_text_atomic(out / DIFF_FILE, text)
        return out

    def __repr__(self) -> str:
        return "DiffResult(\n  " + "\n  ".join(self.report_lines()) + "\n)"


def diff_audits(
    a: AuditResult,
    b: AuditResult,
    *,
    names: tuple[str, str] | None = None,
    n_bootstrap: int | None = None,
    confidence: float | None = None,
    seed: int | None = None,
) -> DiffResult:
    """Paired differences, model B minus model A, of two audits of the same probes.

    Parameters
    ----------
    a, b
        Audits of the same template set, lexicons and fillers (probes paired by
        ``probe_id`` and checked to have the same text).
    names
        Names of the two models in outputs; default: from each audit's model record.
    n_bootstrap, confidence, seed
        Resampling options; default: audit A's.

    Raises
    ------
    DataError
        When the probes differ; the message says what differs.
    """
    labels = names or _names(a, b)
    check_same_probes(a.metadata, b.metadata, labels)
    if a.slots != b.slots:
        raise DataError(f"cannot diff {labels[0]} and {labels[1]}: slots {a.slots} vs {b.slots}")
    rows = paired_rows(a.probes, b.probes, slots=a.slots, labels=labels)
    scored = rows[~rows["is_baseline"].astype(bool)]
    opts = Options(
        n_bootstrap or a.boot.n_resamples,
        confidence or a.boot.confidence,
        a.boot.seed if seed is None else seed,
        False,
    )
    spec = a.metadata.get("contrasts") or {}
    groups, contrasts, gaps = [], [], []
    for slot in a.slots:
        others = [s for s in a.slots if s != slot]
        meta = _slot_metadata(a.probes.loc[a.probes[slot].notna()], slot)
        part = slot_diff(scored, slot, others, opts, meta=meta, spec=spec.get(slot))
        groups.append(part.groups.merge(meta, on="value", how="left"))  # iso3 etc. for maps
        contrasts.append(part.contrasts)
        gaps.append(part.gap)
    metadata = {
        "name_a": labels[0],
        "name_b": labels[1],
        "model_a": a.metadata.get("model"),
        "model_b": b.metadata.get("model"),
        "template_set": (a.metadata.get("template_set") or {}).get("name"),
        "slots": a.slots,
        "n_probes": len(scored),
        "n_bootstrap": opts.n_resamples,
        "confidence": opts.confidence,
        "seed": opts.seed,
        "max_abs_probe_diff": float(np.abs(scored["diff"]).max()),
    }
    return DiffResult(
        groups=pd.concat(groups, ignore_index=True),
        contrasts=pd.concat(contrasts, ignore_index=True),
        gaps=pd.DataFrame(gaps),
        metadata=metadata,
        probes=scored.drop(columns=["is_baseline"]).reset_index(drop=True),
    )


def _names(a: AuditResult, b: AuditResult) -> tuple[str, str]:
    na, nb = (model_name(r.metadata.get("model") or {}) for r in (a, b))
    return (f"{na} (A)", f"{nb} (B)") if na == nb else (na, nb)


def load_diff(path: str | Path) -> DiffResult:
    """Read a diff folder written by ``DiffResult.save`` or ``biasprobe diff``.

    Raises
    ------
    DataError
        When a file is missing or unreadable.
    """
    folder = Path(path)
    meta_path = folder / DIFF_FILE
    if not meta_path.is_file():
        raise DataError(
            f"{meta_path}: not found; is {folder} a diff folder (biasprobe diff --out)?"
        )
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
        tables = {
            k: pd.read_csv(folder / n, keep_default_na=False, na_values=[""])
            for k, n in TABLES.items()
        }
        probes = pd.read_parquet(folder / PROBES_FILE) if (folder / PROBES_FILE).is_file() else None
    except (ValueError, OSError) as exc:
        raise DataError(f"{folder}: cannot read diff ({type(exc).__name__}: {exc})") from None
    for key in ("groups", "contrasts"):
        if "value" in tables[key].columns:
            tables[key]["value"] = tables[key]["value"].astype(str)
    return DiffResult(metadata=metadata, probes=probes, **tables)
