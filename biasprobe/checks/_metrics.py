"""Metrics that threshold checks compare: each gives a value, a CI and its worst examples.

Template-audit metrics (from an ``AuditResult``):

``gap(SLOT)`` / ``gap(SLOT, template=ID)``
    Highest minus lowest group mean score, with the audit's bootstrap CI. Worst examples:
    template-matched probes of the top and bottom group, largest difference first.
``flip_rate`` / ``flip_rate(SLOT)``
    Share of (non-baseline) probes whose predicted label differs from the predicted label
    of their template's neutral baseline probe. The label is the arg-max of the ``p_*``
    columns (``score >= 0.5`` without them). CI: cluster bootstrap over wordings and the
    slots' values (the flips of one wording go together), on the logit scale, widened to
    cover the Wilson interval (probe-level noise is a floor); Wilson alone when there are
    no flips, only flips, or a single cluster.
``max_pair_delta`` / ``max_pair_delta(SLOT)``
    The largest template-matched difference: over every template (and every filling of
    the other slots), the highest minus the lowest score across the slot's values. It is
    the worst case over the probes that were run, not an estimate, so its interval is the
    value itself (the CI-aware verdict equals the strict one). Without a slot: the largest
    over all slots.
``delta(SLOT=VALUE)``
    One group's mean score minus its templates' neutral baseline scores, with its CI.

Benchmark metrics (from the ``summary.csv`` of a ``biasprobe compare`` directory, one row
per benchmark x breakdown x group): ``BENCHMARK.mean_diff``, ``BENCHMARK.stereotype_share``
(share of pairs where ``text_a``, the benchmark's stereotypical side, scores higher) and
``BENCHMARK.flip_rate``;
``(BREAKDOWN=GROUP)`` or ``(GROUP)`` selects a breakdown row, the default is overall.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biasprobe._errors import DataError, UsageError
from biasprobe._folders import folder_kinds
from biasprobe.audits._result import AuditResult, load_audit
from biasprobe.checks._benchmark_metrics import BENCHMARK_STATS, benchmark_measure
from biasprobe.checks._diff_metrics import DIFF_METRICS, default_diff_refs
from biasprobe.checks._diff_metrics import USAGE as DIFF_USAGE
from biasprobe.checks._measure import EXAMPLE_COLUMNS, Measure, measure_json
from biasprobe.checks._thresholds import MetricRef
from biasprobe.comparisons._comparison import ComparisonResult, load_comparison
from biasprobe.diffs._diff import DiffResult, load_diff

__all__ = ["EXAMPLE_COLUMNS", "Measure", "Sources", "load_sources", "measure", "measure_json"]

USAGE = (
    "gap(SLOT[, template=ID]), flip_rate[(SLOT)], max_pair_delta[(SLOT)], delta(SLOT=VALUE), "
    f"BENCHMARK.{{{','.join(BENCHMARK_STATS)}}}[(BREAKDOWN=GROUP)], {DIFF_USAGE}"
)


@dataclass
class Sources:
    """What metrics read: a template audit and/or a benchmark comparison table."""

    audit: AuditResult | None = None
    benchmarks: pd.DataFrame | None = None
    pairs: pd.DataFrame | None = None
    confidence: float = 0.95
    diff: DiffResult | None = None

    @classmethod
    def of(cls, obj: Any) -> Sources:
        """Wrap an ``AuditResult``, a summary DataFrame or anything with ``.sources``."""
        if isinstance(obj, Sources):
            return obj
        if isinstance(obj, AuditResult):
            return cls(audit=obj, confidence=obj.boot.confidence)
        if isinstance(obj, pd.DataFrame):
            return cls(benchmarks=obj)
        if isinstance(obj, DiffResult):
            return cls(diff=obj, confidence=obj.confidence)
        if isinstance(getattr(obj, "sources", None), Sources):
            return obj.sources
        if isinstance(obj, ComparisonResult):
            return cls.of_comparison(obj)
        raise UsageError(f"cannot check a {type(obj).__name__}; give an AuditResult")

    @classmethod
    def of_comparison(cls, result: ComparisonResult) -> Sources:
        """The summary, pairs and CI level of a comparison."""
        pairs = result.pairs if len(result.pairs) else None
        return cls(benchmarks=result.summary(), pairs=pairs, confidence=result.confidence)


def load_sources(paths: list[Path]) -> Sources:
    """Read audit directories (``audit.json``) and comparison directories (``summary.csv``)."""
    src = Sources()
    for path in paths:
        kinds = folder_kinds(path)
        if "audit" in kinds:
            if src.audit is not None:
                raise UsageError(f"{path}: only one audit directory can be checked at a time")
            src.audit = load_audit(path)
            src.confidence = src.audit.boot.confidence
        elif "diff" in kinds:
            if src.diff is not None:
                raise UsageError(f"{path}: only one diff directory can be checked at a time")
            src.diff = load_diff(path)
            src.confidence = src.diff.confidence
        elif "comparison" in kinds:
            if src.benchmarks is not None:
                raise UsageError(f"{path}: only one comparison directory can be checked at a time")
            comparison = Sources.of_comparison(load_comparison(path))
            src.benchmarks, src.pairs = comparison.benchmarks, comparison.pairs
            src.confidence = comparison.confidence
        else:
            raise DataError(
                f"{path}: neither an audit directory (audit.json, from biasprobe audit) "
                "nor a comparison directory (summary.csv, from biasprobe compare) "
                "nor a diff directory (diff.json, from biasprobe diff)"
            )
    return src


# validation ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Spec:
    fn: Callable[[Sources, MetricRef], Measure]
    args: tuple[int, int]
    keywords: frozenset[str] | None  # None: exactly one keyword, any name
    usage: str


def validate(ref: MetricRef) -> None:
    """Check that ``ref`` names a known metric with valid arguments (``UsageError``)."""
    spec = _spec(ref)
    low, high = spec.args
    if not low <= len(ref.args) <= high:
        raise UsageError(f"{ref}: wrong arguments; usage: {spec.usage}")
    if spec.keywords is None:
        if len(ref.kwargs) != 1:
            raise UsageError(f"{ref}: wrong arguments; usage: {spec.usage}")
        return
    for key, _ in ref.kwargs:
        if key not in spec.keywords:
            valid = ", ".join(sorted(spec.keywords)) or "none"
            raise UsageError(f"{ref}: unknown argument {key!r}; valid: {valid}")


def _spec(ref: MetricRef) -> _Spec:
    if ref.name in _AUDIT_METRICS:
        return _AUDIT_METRICS[ref.name]
    if ref.name in DIFF_METRICS:
        return _Spec(*DIFF_METRICS[ref.name])
    bench, _, stat = ref.name.rpartition(".")
    if bench and "." not in bench and stat in BENCHMARK_STATS:
        usage = f"{ref.name}, {ref.name}(GROUP) or {ref.name}(BREAKDOWN=GROUP[, model=NAME])"
        breakdowns = [k for k, _ in ref.kwargs if k != "model"]
        if len(breakdowns) + len(ref.args) > 1:
            raise UsageError(f"{ref}: give one breakdown group at most; usage: {usage}")
        return _Spec(benchmark_measure, (0, 1), frozenset({"model", *breakdowns}), usage)
    raise UsageError(f"unknown metric {ref.name!r}; metrics: {USAGE}")


def measure(source: Any, ref: MetricRef | str) -> Measure:
    """Compute one metric (``"gap(country)"`` or a ``MetricRef``) from an audit or sources.

    Examples
    --------
    >>> import biasprobe
    >>> audit = biasprobe.audit("country", model=lambda t: [[0.5, 0.5]] * len(t),
    ...                         cache=None, progress=False, n_bootstrap=50)
    >>> float(measure(audit, "flip_rate"))
    0.0
    """
    if isinstance(ref, str):
        from biasprobe.checks._thresholds import parse

        ref = parse(f"{ref} < 0").metric
    validate(ref)
    return _spec(ref).fn(Sources.of(source), ref)


def default_refs(source: Sources) -> list[MetricRef]:
    """The metrics a baseline records: each slot's gap, flip rate, max pair delta, benchmarks."""
    refs: list[MetricRef] = []
    if source.audit is not None:
        refs += [MetricRef("gap", (slot,)) for slot in source.audit.slots]
        refs += [MetricRef("flip_rate"), MetricRef("max_pair_delta")]
    if source.benchmarks is not None:
        for bench in sorted(source.benchmarks["benchmark"].dropna().astype(str).unique()):
            refs += [MetricRef(f"{bench}.{stat}") for stat in BENCHMARK_STATS]
    if source.diff is not None:
        refs += default_diff_refs(source.diff)
    return refs


# template-audit metrics ---------------------------------------------------------------
def _need_audit(src: Sources, ref: MetricRef) -> AuditResult:
    if src.audit is None:
        raise UsageError(f"{ref} needs an audit directory (biasprobe audit --out DIR)")
    return src.audit


def _scored(audit: AuditResult, slot: str | None = None) -> pd.DataFrame:
    probes = audit.probes[~audit.probes["is_baseline"]]
    if slot is not None:
        probes = probes[probes[audit._slot(slot)].notna()]
    return probes.reset_index(drop=True)


def _gap(src: Sources, ref: MetricRef) -> Measure:
    audit = _need_audit(src, ref)
    slot, template = ref.args[0], ref.kw("template", "all") or "all"
    est = audit.gap(slot, template_id=template)
    gaps = audit.gaps()
    row = gaps[(gaps["slot"] == slot) & (gaps["template_id"] == template)].iloc[0]
    top, bottom = str(row["max_group"]), str(row["min_group"])
    rows = _scored(audit, slot)
    if template != "all":
        rows = rows[rows["template_id"] == template]
    keys = ["template_id", *[s for s in audit.slots if s != slot]]

    def examples(n: int, upper: bool) -> pd.DataFrame:
        a, b = rows[rows[slot] == top], rows[rows[slot] == bottom]
        pairs = a.merge(b, on=keys, suffixes=("_a", "_b"))
        pairs["difference"] = pairs["score_a"] - pairs["score_b"]
        return pairs.sort_values("difference", ascending=not upper, kind="stable")

    ci = (est.ci_low, est.ci_high)
    return Measure.make(
        ref,
        est,
        ci,
        groups=f"{top} vs {bottom}",
        confidence=src.confidence,
        examples=examples,
        mde=float(row.get("mde", np.nan)),
    )


def _labels(frame: pd.DataFrame, slots: list[str]) -> np.ndarray:
    cols = [c for c in frame.columns if c.startswith("p_") and c not in slots]
    if not cols:
        return (frame["score"].to_numpy(dtype=float) >= 0.5).astype(int)
    return frame[cols].to_numpy(dtype=float).argmax(axis=1)


def flip_table(audit: AuditResult, slot: str | None = None) -> pd.DataFrame:
    """Scored probes with their baseline probe's text and ``flipped``: the label differs
    from the label of every neutral filler of the wording (with several fillers a flip is
    decided against the whole neutral set, never one probe)."""
    fillers = audit.probes[audit.probes["is_baseline"]]
    fillers = fillers.assign(label=_labels(fillers, audit.slots))
    base = fillers.drop_duplicates("template_id").set_index("template_id")
    label_sets = fillers.groupby("template_id")["label"].agg(frozenset)
    rows = _scored(audit, slot)
    rows = rows[rows["template_id"].isin(base.index)].reset_index(drop=True)
    rows["baseline_text"] = rows["template_id"].map(base["text"])
    labels, sets = _labels(rows, audit.slots), rows["template_id"].map(label_sets)
    rows["flipped"] = [label not in neutral for label, neutral in zip(labels, sets, strict=True)]
    return rows


def _flip_rate(src: Sources, ref: MetricRef) -> Measure:
    from biasprobe.stats._paired import wilson_interval

    audit = _need_audit(src, ref)
    slot = ref.args[0] if ref.args else None
    rows = flip_table(audit, slot)
    flips, n = int(rows["flipped"].sum()), len(rows)
    value = flips / n if n else math.nan
    ci = wilson_interval(flips, n, confidence=src.confidence)
    clustered = cluster_rate_interval(rows, audit, src) if 0 < flips < n else None
    if clustered is not None:  # never narrower than the probe-level (binomial) interval
        ci = (min(ci[0], clustered[0]), max(ci[1], clustered[1]))
    by = slot or audit.slots[0]
    counts = rows.groupby(by, sort=False)["flipped"].agg(["sum", "size"])
    counts = counts[counts["sum"] > 0].sort_values("sum", ascending=False, kind="stable").head(3)
    groups = ", ".join(f"{v} ({int(r['sum'])} of {int(r['size'])})" for v, r in counts.iterrows())

    def examples(n: int, upper: bool) -> pd.DataFrame:
        flipped = rows[rows["flipped"]].rename(
            columns={"text": "text_a", "score": "score_a", "baseline_text": "text_b"}
        )
        flipped = flipped.assign(score_b=flipped["baseline_score"], difference=flipped["delta"])
        order = flipped["difference"].abs().sort_values(ascending=False, kind="stable").index
        return flipped.loc[order]

    groups = f"most flips: {groups}" if groups else "no flips"
    return Measure.make(ref, value, ci, groups=groups, confidence=src.confidence, examples=examples)


def cluster_rate_interval(
    rows: pd.DataFrame, audit: AuditResult, src: Sources
) -> tuple[float, float] | None:
    """The flip rate's interval with wordings (and the slots' values) as clusters: flips
    of one wording are not independent. ``None`` when there is a single cluster."""
    from biasprobe.stats._design import build_design
    from biasprobe.stats._intervals import bootstrap_se, logit_t_interval
    from biasprobe.stats._slots import Options, slot_stats

    frame = rows.assign(_all="all", _flip=rows["flipped"].astype(float))
    design = build_design(frame, "_all", others=list(audit.slots), value="_flip")
    opts = Options(audit.boot.n_resamples, src.confidence, audit.boot.seed)
    stats_ = slot_stats(design, opts)
    if stats_ is None or stats_.n_clusters < 2:
        return None
    se = bootstrap_se(stats_.replicates, stats_.n_clusters)
    lo, hi = logit_t_interval(
        stats_.means, se, confidence=src.confidence, n_clusters=stats_.n_clusters
    )
    return float(lo[0]), float(hi[0])


def matched_spread(audit: AuditResult, slot: str) -> pd.DataFrame:
    """Per template (and filling of the other slots): highest vs lowest scoring probe."""
    rows = _scored(audit, slot)
    keys = ["template_id", *[s for s in audit.slots if s != slot]]
    grouped = rows.groupby(keys, dropna=False, sort=False)["score"]
    hi, lo = rows.loc[grouped.idxmax().to_numpy()], rows.loc[grouped.idxmin().to_numpy()]
    return pd.DataFrame(
        {
            "template_id": hi["template_id"].to_numpy(),
            "group_a": hi[slot].astype(str).to_numpy(),
            "group_b": lo[slot].astype(str).to_numpy(),
            "text_a": hi["text"].to_numpy(),
            "score_a": hi["score"].to_numpy(dtype=float),
            "text_b": lo["text"].to_numpy(),
            "score_b": lo["score"].to_numpy(dtype=float),
            "difference": hi["score"].to_numpy(dtype=float) - lo["score"].to_numpy(dtype=float),
        }
    )


def _max_pair_delta(src: Sources, ref: MetricRef) -> Measure:
    audit = _need_audit(src, ref)
    slots = list(ref.args) or audit.slots
    table = pd.concat([matched_spread(audit, s) for s in slots], ignore_index=True)
    table = table.sort_values("difference", ascending=False, kind="stable")
    worst = table.iloc[0]
    value = float(worst["difference"])
    groups = f"{worst['group_a']} vs {worst['group_b']} in template {worst['template_id']}"

    def examples(n: int, upper: bool) -> pd.DataFrame:
        return table if upper else table.iloc[::-1]

    ci = (value, value)
    return Measure.make(ref, value, ci, groups=groups, confidence=src.confidence, examples=examples)


def _delta(src: Sources, ref: MetricRef) -> Measure:
    audit = _need_audit(src, ref)
    slot, value = ref.kwargs[0]
    table = audit.by_group(slot)
    row = table[table["value"] == value]
    if row.empty:
        shown = ", ".join(table["value"].head(8))
        raise UsageError(f"{ref}: no {slot} value {value!r} in this audit; values: {shown}, ...")
    rec = row.iloc[0]
    rows = flip_table(audit, slot)
    rows = rows[rows[slot].astype(str) == value]

    def examples(n: int, upper: bool) -> pd.DataFrame:
        out = rows.rename(columns={"text": "text_a", "score": "score_a", "baseline_text": "text_b"})
        out = out.assign(score_b=out["baseline_score"], difference=out["delta"])
        return out.sort_values("difference", ascending=not upper, kind="stable")

    ci = (rec["delta_ci_low"], rec["delta_ci_high"])
    return Measure.make(
        ref, rec["delta"], ci, groups=value, confidence=src.confidence, examples=examples
    )


_AUDIT_METRICS: dict[str, _Spec] = {
    "gap": _Spec(_gap, (1, 1), frozenset({"template"}), "gap(SLOT) or gap(SLOT, template=ID)"),
    "flip_rate": _Spec(_flip_rate, (0, 1), frozenset(), "flip_rate or flip_rate(SLOT)"),
    "max_pair_delta": _Spec(
        _max_pair_delta, (0, 1), frozenset(), "max_pair_delta or max_pair_delta(SLOT)"
    ),
    "delta": _Spec(_delta, (0, 0), None, "delta(SLOT=VALUE)"),
}
