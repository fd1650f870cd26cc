"""The audit result: probes with scores, computed once, read through cheap accessors."""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError, UsageError
from biasprobe._io import write_atomic, write_text_atomic
from biasprobe.audits._inference import compute_tables
from biasprobe.audits._stored import STORED_KEY, Tables, read_tables, stored_mark
from biasprobe.stats._contrasts import ContrastSpec
from biasprobe.stats._groups import Bootstrap
from biasprobe.stats._intersections import cell_table, interaction_table
from biasprobe.stats._slots import Options

CORE_COLUMNS = ("probe_id", "template_id", "template", "text", "is_baseline", "score")


class Estimate(float):
    """A float with a confidence interval, returned by ``AuditResult.gap``.

    Compares like a float (the point estimate); ``ci_low`` / ``ci_high`` carry the interval.

    Examples
    --------
    >>> e = Estimate(0.3, ci_low=0.2, ci_high=0.4, label="gap(country)")
    >>> (e < 0.5, e.ci_low)
    (True, 0.2)
    """

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

    _tables: Tables | None

    def __init__(
        self,
        *,
        probes: pd.DataFrame,
        slots: list[str],
        metadata: dict[str, Any] | None = None,
        seed: int = 0,
        n_bootstrap: int = 2000,
        confidence: float = 0.95,
        contrasts: Mapping[str, ContrastSpec] | None = None,
    ) -> None:
        self._setup(probes, slots, metadata, seed, n_bootstrap, confidence, contrasts)
        self._tables = self._compute(self._spec)

    def _setup(
        self,
        probes: pd.DataFrame,
        slots: list[str],
        metadata: dict[str, Any] | None,
        seed: int,
        n_bootstrap: int,
        confidence: float,
        contrasts: Mapping[str, ContrastSpec] | None,
    ) -> None:
        _check_probes(probes, slots)
        check_statistics_options(n_bootstrap=n_bootstrap, confidence=confidence)
        self._stored: Callable[[AuditResult], Tables | None] | None = None
        self.probes = _with_deltas(probes)
        self.slots = list(slots)
        self.boot = Bootstrap(n_resamples=n_bootstrap, confidence=confidence, seed=seed)
        self.metadata = dict(metadata or {})
        self.metadata.update(seed=seed, n_bootstrap=n_bootstrap, confidence=confidence)
        self.metadata.setdefault("slots", list(self.slots))  # so that save() can be loaded
        from_set = (self.metadata.get("template_set") or {}).get("contrasts")
        spec = contrasts if contrasts is not None else self.metadata.get("contrasts", from_set)
        if spec:
            self.metadata["contrasts"] = {
                k: {n: list(sides) for n, sides in v.items()} for k, v in spec.items()
            }
        self._spec = dict(spec or {})
        self._tables = None

    # the statistics: computed once, or read on first use from a saved folder (load_audit)
    def _statistics(self) -> Tables:
        if self._tables is None:
            stored = self._stored(self) if self._stored is not None else None
            self._tables = stored if stored is not None else self._compute(self._spec)
        return self._tables

    @property
    def _groups(self) -> pd.DataFrame:
        return self._statistics()[0]

    @property
    def _gaps(self) -> pd.DataFrame:
        return self._statistics()[1]

    @property
    def _contrasts(self) -> pd.DataFrame:
        return self._statistics()[2]

    def _slot_metas(self) -> dict[str, pd.DataFrame]:
        scored = ~self.probes["is_baseline"]
        metas = {}
        for slot in self.slots:
            keep = scored & self.probes[slot].notna()
            meta_cols = [c for c in self.probes.columns if c == slot or c.startswith(f"{slot}_")]
            metas[slot] = _slot_metadata(self.probes.loc[keep, meta_cols], slot)
        return metas

    @property
    def options(self) -> Options:
        """The resampling options (replicates, confidence, seed) of every interval."""
        scores = self.probes["score"]
        logit = bool(scores.between(0, 1).all())
        return Options(self.boot.n_resamples, self.boot.confidence, self.boot.seed, logit)

    def _scored_rows(self) -> pd.DataFrame:
        # only the columns the statistics read: a million-probe table is not copied
        cols = ["template_id", *self.slots, "score", "delta"]
        return self.probes.loc[~self.probes["is_baseline"], cols]

    def _compute(self, spec: Mapping[str, ContrastSpec]) -> Tables:
        metas = self._slot_metas()
        tables = compute_tables(
            self._scored_rows(), self.slots, self.options, metadata=metas, contrasts=spec
        )
        groups = [
            tables.groups[tables.groups["slot"] == slot]
            .merge(metas[slot], on="value", how="left")
            .sort_values("mean", ascending=False)
            for slot in self.slots
        ]
        return pd.concat(groups, ignore_index=True), tables.gaps, tables.contrasts

    # accessors ---------------------------------------------------------------------
    def by_group(self, slot: str | None = None) -> pd.DataFrame:
        """Per slot value: n, mean, CI, std, delta to the neutral baseline, metadata."""
        if slot is None:
            return self._groups.copy()
        return self._groups[self._groups["slot"] == self._slot(slot)].reset_index(drop=True)

    def gaps(self) -> pd.DataFrame:
        """Per slot (all templates, then each template): gap, CI, extreme groups, spread."""
        return self._gaps.copy()

    def contrasts(self, slot: str | None = None) -> pd.DataFrame:
        """Signed contrasts per slot (two groups: ``woman - man``; more: each group minus
        the mean of the others; plus named contrasts), with cluster CIs, p-values and BH."""
        if slot is None:
            return self._contrasts.copy()
        rows = self._contrasts[self._contrasts["slot"] == self._slot(slot)]
        return rows.reset_index(drop=True)

    def cells(self, slot_a: str, slot_b: str) -> pd.DataFrame:
        """Mean per cell of two crossed slots, with an interval over wordings."""
        a, b = self._pair(slot_a, slot_b)
        return cell_table(self._scored_rows(), a, b, self.options)

    def interaction(self, slot_a: str, slot_b: str) -> pd.DataFrame:
        """Interaction contrasts of two crossed slots (how ``slot_a``'s contrast changes
        across ``slot_b``), CIs, p-values, BH, and the omnibus F test (``attrs``)."""
        a, b = self._pair(slot_a, slot_b)
        return interaction_table(self._scored_rows(), a, b, self.options)

    def _pair(self, slot_a: str, slot_b: str) -> tuple[str, str]:
        a, b = self._slot(slot_a), self._slot(slot_b)
        if a == b:
            raise UsageError(f"cells need two different slots, got {a!r} twice")
        return a, b

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
        """Write probes.parquet, groups.csv, templates.csv, gaps.csv, contrasts.csv (and,
        for two-slot sets, cells.csv and interactions.csv) and audit.json."""
        out = Path(out_dir)
        write_atomic(out / "probes.parquet", lambda p: self.probes.to_parquet(p, index=False))
        write_atomic(out / "groups.csv", lambda p: self._groups.to_csv(p, index=False))
        write_atomic(out / "templates.csv", lambda p: self.per_template().to_csv(p, index=False))
        write_atomic(out / "gaps.csv", lambda p: self._gaps.to_csv(p, index=False))
        write_atomic(out / "contrasts.csv", lambda p: self._contrasts.to_csv(p, index=False))
        if len(self.slots) == 2:
            cells = self.cells(*self.slots)
            inter = self.interaction(*self.slots)
            write_atomic(out / "cells.csv", lambda p: cells.to_csv(p, index=False))
            write_atomic(out / "interactions.csv", lambda p: inter.to_csv(p, index=False))
        meta = {**self.metadata, **stored_mark()}  # the CSVs above are current statistics
        write_text_atomic(out / "audit.json", json.dumps(meta, indent=2, default=str) + "\n")
        return out

    to_dir = save

    def to_parquet(self, path: str | Path) -> None:
        """Write the probe table (with scores) to Parquet."""
        write_atomic(Path(path), lambda p: self.probes.to_parquet(p, index=False))

    def to_csv(self, path: str | Path) -> None:
        """Write the per-group summary to CSV."""
        write_atomic(Path(path), lambda p: self._groups.to_csv(p, index=False))

    def summary(self) -> pd.DataFrame:
        """The headline rows: each slot's gap over all wordings (as ``ComparisonResult.summary``
        gives one row per benchmark breakdown). Same columns as ``gaps()``."""
        return self._gaps[self._gaps["template_id"] == "all"].reset_index(drop=True)

    def report_lines(self) -> list[str]:
        """Plain-text lines: model, size, and each slot's gap (what the CLI prints)."""
        model = self.metadata.get("model", {}).get("model", "?")
        n_base = int(self.probes["is_baseline"].sum())
        probes = f"probes: {len(self.probes) - n_base:,}"
        if n_base:  # the set's size counts them too ("1,980" = 1,970 + 10 baselines)
            probes += f" (+ {n_base} neutral baseline probes = {len(self.probes):,})"
        lines = [f"model: {model}", probes]
        for _, g in self.summary().iterrows():
            lines.append(
                f"{g['slot']}: gap {g['gap']:.3f} [{g['gap_ci_low']:.3f}, {g['gap_ci_high']:.3f}] "
                f"({g['max_group']} {g['max_mean']:.3f} vs {g['min_group']} {g['min_mean']:.3f})"
            )
        return lines

    def __repr__(self) -> str:
        return "AuditResult(\n  " + "\n  ".join(self.report_lines()) + "\n)"

    def _repr_html_(self) -> str:
        head = "".join(f"<li>{html.escape(line)}</li>" for line in self.report_lines())
        table = self.by_group().head(10).to_html(index=False, float_format=lambda x: f"{x:.3f}")
        return f"<div><strong>biasprobe audit</strong><ul>{head}</ul>{table}</div>"

    # findings under scrutiny (issue 14) -----------------------------------------------
    def robustness(self, slot: str | None = None, *, k: int | None = None) -> pd.DataFrame:
        """The named extremes of each slot and whether they hold across wordings
        (``biasprobe.audits._robustness.robustness``)."""
        from biasprobe.audits._robustness import robustness

        return robustness(self, None if slot is None else self._slot(slot), k=k)

    def wording_agreement(self, slot: str, *, k: int | None = None) -> pd.DataFrame:
        """Kendall tau / W and top/bottom-k overlap between the wordings of one slot."""
        from biasprobe.audits._robustness import wording_agreement

        return wording_agreement(self, self._slot(slot), k=k)


def check_statistics_options(*, n_bootstrap: int, confidence: float) -> None:
    """Reject bootstrap settings that cannot work, before any scoring starts."""
    if not 0 < confidence < 1:
        raise UsageError(f"confidence must be between 0 and 1, got {confidence}")
    if n_bootstrap < 1:
        raise UsageError(f"n_bootstrap must be at least 1, got {n_bootstrap}")


def load_audit(path: str | Path) -> AuditResult:
    """Read an audit directory written by ``AuditResult.save`` or ``biasprobe audit``.

    Parameters
    ----------
    path
        The folder holding ``probes.parquet`` and ``audit.json``.

    Returns
    -------
    AuditResult
        With the statistics the folder holds (groups.csv, gaps.csv, contrasts.csv), read
        on first use; recomputed from the probes, seeded as recorded in audit.json, for a
        folder written by an earlier version or whose tables do not match its probes.

    Examples
    --------
    >>> audit = load_audit("reports/country")
    >>> audit.slots
    ['country']
    """
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
    version = metadata.pop(STORED_KEY, None)
    result = AuditResult.__new__(AuditResult)
    result._setup(
        probes,
        list(metadata.get("slots", [])),
        metadata,
        int(metadata.get("seed", 0)),
        int(metadata.get("n_bootstrap", 2000)),
        float(metadata.get("confidence", 0.95)),
        None,
    )
    result._stored = functools.partial(_read_stored, folder=folder, version=version)
    return result


def _read_stored(result: AuditResult, *, folder: Path, version: Any) -> Tables | None:
    # a module function (not a lambda): a loaded result pickles like a computed one
    return read_tables(folder, version=version, probes=result.probes, metadata=result._slot_metas())


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
    # several neutral fillers per wording: the baseline is their mean
    base = probes.loc[probes["is_baseline"]].groupby("template_id")["score"].mean()
    baseline_score = probes["template_id"].map(base).astype(float)
    return probes.assign(baseline_score=baseline_score, delta=probes["score"] - baseline_score)


def _slot_metadata(rows: pd.DataFrame, slot: str) -> pd.DataFrame:
    prefix = f"{slot}_"
    cols = [c for c in rows.columns if c.startswith(prefix) and not c.startswith(("score", "p_"))]
    meta = rows.drop_duplicates(slot)[[slot, *cols]]
    meta.columns = ["value", *(c[len(prefix) :] for c in cols)]
    meta["value"] = meta["value"].astype(str)
    return meta.reset_index(drop=True)
