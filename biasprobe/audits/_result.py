"""The audit result: probes with scores, computed once, read through cheap accessors."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError, UsageError
from biasprobe._io import write_atomic, write_text_atomic
from biasprobe.stats._groups import Bootstrap, gap_row, group_summary, template_cluster_means

CORE_COLUMNS = ("probe_id", "template_id", "template", "text", "is_baseline", "score")


class Estimate(float):
    """A float with a confidence interval, returned by ``AuditResult.gap``."""

    ci_low: float
    ci_high: float
    label: str

    def __new__(cls, value: float, *, ci_low: float, ci_high: float, label: str) -> Estimate:
        obj = super().__new__(cls, value)
        obj.ci_low, obj.ci_high, obj.label = ci_low, ci_high, label
        return obj

    def __repr__(self) -> str:
        return f"{self.label} = {float(self):.4f} [{self.ci_low:.4f}, {self.ci_high:.4f}]"


class AuditResult:
    """Probes with scores plus per-group statistics.

    Construction computes everything once; accessors return DataFrames of fixed shape.

    Parameters
    ----------
    probes
        One row per probe, with ``score`` (and ``baseline_score``/``delta``) filled in.
    slots
        The slot columns to summarise.
    metadata
        Model, template set, seed, versions and timings (written to ``audit.json``).
    """

    def __init__(
        self,
        *,
        probes: pd.DataFrame,
        slots: list[str],
        metadata: dict[str, Any] | None = None,
        seed: int = 0,
        n_bootstrap: int = 2000,
        confidence: float = 0.95,
    ) -> None:
        _check_probes(probes, slots)
        check_statistics_options(n_bootstrap=n_bootstrap, confidence=confidence)
        self.probes = _with_deltas(probes)
        self.slots = list(slots)
        self.boot = Bootstrap(n_resamples=n_bootstrap, confidence=confidence, seed=seed)
        self.metadata = dict(metadata or {})
        self.metadata.update(seed=seed, n_bootstrap=n_bootstrap, confidence=confidence)
        self._groups, self._gaps = self._compute()

    def _compute(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        scored = ~self.probes["is_baseline"]
        groups, gaps = [], []
        for slot in self.slots:
            # only the columns the statistics read: a million-probe table is not copied
            keep = scored & self.probes[slot].notna()
            rows = self.probes.loc[keep, ["template_id", slot, "score", "delta"]]
            summary, reps = group_summary(rows, slot, self.boot)
            paired = template_cluster_means(rows, slot, self.boot)
            gap = gap_row(summary, reps if paired is None else paired, self.boot)
            meta_cols = [c for c in self.probes.columns if c == slot or c.startswith(f"{slot}_")]
            meta = _slot_metadata(self.probes.loc[keep, meta_cols], slot)
            summary = summary.merge(meta, on="value", how="left")
            groups.append(summary.sort_values("mean", ascending=False))
            gaps.append({"slot": slot, "template_id": "all", **gap})
            for tid, trows in rows.groupby("template_id", sort=False):
                tsum, treps = group_summary(trows, slot, self.boot)
                gaps.append(
                    {"slot": slot, "template_id": str(tid), **gap_row(tsum, treps, self.boot)}
                )
        return pd.concat(groups, ignore_index=True), pd.DataFrame(gaps)

    # accessors ---------------------------------------------------------------------
    def by_group(self, slot: str | None = None) -> pd.DataFrame:
        """Per slot value: n, mean, CI, std, delta to the neutral baseline, metadata."""
        if slot is None:
            return self._groups.copy()
        return self._groups[self._groups["slot"] == self._slot(slot)].reset_index(drop=True)

    def gaps(self) -> pd.DataFrame:
        """Per slot (all templates, then each template): gap, CI, extreme groups, spread."""
        return self._gaps.copy()

    def gap(self, slot: str, *, template_id: str = "all") -> Estimate:
        """The gap of one slot: a float carrying its CI (``audit.gap("country") < 0.1``)."""
        rows = self._gaps[
            (self._gaps["slot"] == self._slot(slot)) & (self._gaps["template_id"] == template_id)
        ]
        if rows.empty:
            valid = ", ".join(self._gaps["template_id"].unique())
            raise UsageError(f"unknown template_id {template_id!r}; valid: {valid}")
        row = rows.iloc[0]
        return Estimate(
            row["gap"], ci_low=row["gap_ci_low"], ci_high=row["gap_ci_high"], label=f"gap({slot})"
        )

    def per_template(self, slot: str | None = None) -> pd.DataFrame:
        """Mean score per template and slot value (rows: template x value)."""
        slots = self.slots if slot is None else [self._slot(slot)]
        scored = self.probes[~self.probes["is_baseline"]]
        frames = []
        for s in slots:
            agg = scored.groupby(["template_id", s], sort=False).agg(
                n=("score", "size"), mean=("score", "mean"), delta=("delta", "mean")
            )
            agg = agg.reset_index().rename(columns={s: "value"})
            agg.insert(0, "slot", s)
            frames.append(agg)
        return pd.concat(frames, ignore_index=True)

    def baselines(self) -> pd.DataFrame:
        """The neutral baseline probe of each template and its score."""
        cols = ["template_id", "text", "score"]
        return self.probes.loc[self.probes["is_baseline"], cols].reset_index(drop=True)

    def consistency(self, slot: str) -> pd.DataFrame:
        """Spearman rank correlation of group means between every pair of templates."""
        table = self.per_template(slot).pivot(index="value", columns="template_id", values="mean")
        return table.corr(method="spearman")

    def extreme_pairs(self, slot: str, *, n: int = 10) -> pd.DataFrame:
        """Template-matched probe pairs (top group vs bottom group) with the largest differences."""
        slot = self._slot(slot)
        row = self._gaps[(self._gaps["slot"] == slot) & (self._gaps["template_id"] == "all")].iloc[
            0
        ]
        scored = self.probes[~self.probes["is_baseline"]]
        a = scored[scored[slot] == row["max_group"]]
        b = scored[scored[slot] == row["min_group"]]
        keys = ["template_id", *[s for s in self.slots if s != slot]]
        pairs = a.merge(b, on=keys, suffixes=("_a", "_b"))
        pairs["difference"] = pairs["score_a"] - pairs["score_b"]
        cols = [*keys, "text_a", "score_a", "text_b", "score_b", "difference"]
        return pairs.sort_values("difference", ascending=False)[cols].head(n).reset_index(drop=True)

    def _slot(self, slot: str) -> str:
        if slot not in self.slots:
            raise UsageError(f"unknown slot {slot!r}; slots of this audit: {', '.join(self.slots)}")
        return slot

    # output --------------------------------------------------------------------------
    def save(self, out_dir: str | Path) -> Path:
        """Write probes.parquet, groups.csv, templates.csv, gaps.csv and audit.json."""
        out = Path(out_dir)
        write_atomic(out / "probes.parquet", lambda p: self.probes.to_parquet(p, index=False))
        write_atomic(out / "groups.csv", lambda p: self._groups.to_csv(p, index=False))
        write_atomic(out / "templates.csv", lambda p: self.per_template().to_csv(p, index=False))
        write_atomic(out / "gaps.csv", lambda p: self._gaps.to_csv(p, index=False))
        write_text_atomic(
            out / "audit.json", json.dumps(self.metadata, indent=2, default=str) + "\n"
        )
        return out

    to_dir = save

    def to_parquet(self, path: str | Path) -> None:
        """Write the probe table (with scores) to Parquet."""
        write_atomic(Path(path), lambda p: self.probes.to_parquet(p, index=False))

    def to_csv(self, path: str | Path) -> None:
        """Write the per-group summary to CSV."""
        write_atomic(Path(path), lambda p: self._groups.to_csv(p, index=False))

    def summary(self) -> str:
        """A few lines of plain text: model, set, size, and each slot's gap."""
        model = self.metadata.get("model", {}).get("model", "?")
        n_base = int(self.probes["is_baseline"].sum())
        probes = f"probes: {len(self.probes) - n_base:,}"
        if n_base:  # the set's size counts them too ("1,980" = 1,970 + 10 baselines)
            probes += f" (+ {n_base} neutral baseline probes = {len(self.probes):,})"
        lines = [f"model: {model}", probes]
        for _, g in self._gaps[self._gaps["template_id"] == "all"].iterrows():
            lines.append(
                f"{g['slot']}: gap {g['gap']:.3f} [{g['gap_ci_low']:.3f}, {g['gap_ci_high']:.3f}] "
                f"({g['max_group']} {g['max_mean']:.3f} vs {g['min_group']} {g['min_mean']:.3f})"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"AuditResult(\n  {self.summary().replace(chr(10), chr(10) + '  ')}\n)"

    def _repr_html_(self) -> str:
        head = "".join(f"<li>{html.escape(line)}</li>" for line in self.summary().split("\n"))
        table = self.by_group().head(10).to_html(index=False, float_format=lambda x: f"{x:.3f}")
        return f"<div><strong>biasprobe audit</strong><ul>{head}</ul>{table}</div>"


def check_statistics_options(*, n_bootstrap: int, confidence: float) -> None:
    """Reject bootstrap settings that cannot work, before any scoring starts."""
    if not 0 < confidence < 1:
        raise UsageError(f"confidence must be between 0 and 1, got {confidence}")
    if n_bootstrap < 1:
        raise UsageError(f"n_bootstrap must be at least 1, got {n_bootstrap}")


def load_audit(path: str | Path) -> AuditResult:
    """Read an audit directory written by ``AuditResult.save`` or ``biasprobe audit``."""
    folder = Path(path)
    probes_path, meta_path = folder / "probes.parquet", folder / "audit.json"
    for p in (probes_path, meta_path):
        if not p.is_file():
            raise DataError(
                f"{p}: not found; is {folder} an audit directory (biasprobe audit --out)?"
            )
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
        probes = pd.read_parquet(probes_path)
    except (ValueError, OSError) as exc:
        raise DataError(f"{folder}: cannot read audit ({type(exc).__name__}: {exc})") from None
    return AuditResult(
        probes=probes,
        slots=list(metadata.get("slots", [])),
        metadata=metadata,
        seed=int(metadata.get("seed", 0)),
        n_bootstrap=int(metadata.get("n_bootstrap", 2000)),
        confidence=float(metadata.get("confidence", 0.95)),
    )


def _check_probes(probes: pd.DataFrame, slots: list[str]) -> None:
    missing = [c for c in (*CORE_COLUMNS, *slots) if c not in probes.columns]
    if missing:
        raise DataError(
            f"probe table lacks column {missing[0]!r}; columns: {', '.join(probes.columns)}"
        )
    if not slots:
        raise DataError("an audit needs at least one slot column")
    if (~probes["is_baseline"]).sum() == 0:
        raise DataError("probe table has no scored probes")


def _with_deltas(probes: pd.DataFrame) -> pd.DataFrame:
    baselines = probes.loc[probes["is_baseline"]].drop_duplicates("template_id")
    base = baselines.set_index("template_id")["score"]
    baseline_score = probes["template_id"].map(base).astype(float)
    return probes.assign(baseline_score=baseline_score, delta=probes["score"] - baseline_score)


def _slot_metadata(rows: pd.DataFrame, slot: str) -> pd.DataFrame:
    prefix = f"{slot}_"
    cols = [c for c in rows.columns if c.startswith(prefix) and not c.startswith(("score", "p_"))]
    meta = rows.drop_duplicates(slot)[[slot, *cols]]
    meta.columns = ["value", *(c[len(prefix) :] for c in cols)]
    meta["value"] = meta["value"].astype(str)
    return meta.reset_index(drop=True)
