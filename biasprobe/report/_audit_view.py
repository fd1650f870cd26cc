"""The report's view of one audit: summary, method, group tables, pairs, consistency.

Every function reads an ``AuditResult`` and returns plain values and ``Table`` objects
for the Jinja templates; nothing here formats HTML (the templates escape everything).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biasprobe.audits._result import AuditResult
from biasprobe.report._figures import Figure
from biasprobe.report._intersection_view import IntersectionView, intersection_view
from biasprobe.report._table import Cell, Column, Table, cell, key_values, table

HIDDEN_META = ("lat", "lon", "aliases", "iso2")
N_PAIRS = 10
N_MOVERS = 10
N_EXTREMES = 3
GAP_NOTE = (
    "A wording's own gap has a CI only when each group has several probes in that wording "
    "(other slots); with one probe per group and wording it is a plain difference."
)

GROUP_COLUMNS = [
    Column("value", "group"),
    Column("n", "n", "int"),
    Column("mean", "mean", "num"),
    Column("ci_low", "CI low", "num"),
    Column("ci_high", "CI high", "num"),
    Column("delta", "Δ baseline", "signed", "mean of score minus the template's neutral probe"),
    Column("delta_ci_low", "Δ CI low", "signed"),
    Column("delta_ci_high", "Δ CI high", "signed"),
    Column("std", "std", "num"),
]
GAP_COLUMNS = [
    Column("slot", "slot"),
    Column("template_id", "template"),
    Column("n_groups", "groups", "int"),
    Column("gap", "gap", "num", "highest minus lowest group mean"),
    Column("gap_ci_low", "CI low", "num"),
    Column("gap_ci_high", "CI high", "num"),
    Column("max_group", "highest group"),
    Column("max_mean", "highest mean", "num"),
    Column("min_group", "lowest group"),
    Column("min_mean", "lowest mean", "num"),
    Column("spread", "spread (std of means)", "num"),
    Column("null_gap", "noise floor", "num", "mean max - min with labels shuffled within wording"),
    Column("p_value", "p (no group effect)", "p"),
    Column("gap_debiased", "debiased gap", "num"),
    Column("sd_effects", "SD of group effects", "num"),
    Column("mde", "MDE", "num", "smallest two-group difference found with 80% power"),
    Column("n_wordings", "wordings", "int"),
]
CONTRAST_COLUMNS = [
    Column("contrast", "contrast"),
    Column("kind", "kind"),
    Column("estimate", "estimate", "signed"),
    Column("ci_low", "CI low", "signed"),
    Column("ci_high", "CI high", "signed"),
    Column("p_value", "p", "p"),
    Column("p_adjusted", "p (BH)", "p"),
    Column("mde", "MDE", "num"),
]


@dataclass
class SlotView:
    """Everything the report shows about one slot of one audit."""

    slot: str
    groups: Table
    gaps: Table
    pairs: Table
    consistency: Table | None
    movers: Table | None
    consistency_note: str
    extremes: Table
    figures: list[Figure] = field(default_factory=list)
    contrasts: Table | None = None


@dataclass
class AuditView:
    """One audit directory as the report presents it."""

    id: str
    path: str
    title: str
    model: str
    result: AuditResult
    facts: list[tuple[str, str]]
    method: dict[str, Any]
    slots: list[SlotView]
    overall_gaps: pd.DataFrame
    command: str
    command_note: str
    intersection: IntersectionView | None = None


def audit_view(result: AuditResult, *, path: Path, index: int) -> AuditView:
    """Build the view of one audit (``index`` makes its HTML ids unique)."""
    meta = result.metadata
    aid = f"a{index}"
    gaps = result.gaps()
    command, note = reproduce_command(meta, path)
    return AuditView(
        id=aid,
        path=str(path),
        title=f"{set_name(meta)} · {short_model_name(meta)}",
        model=model_name(meta),
        result=result,
        facts=facts(result),
        method=method(result, aid=aid),
        slots=[slot_view(result, s, aid=f"{aid}-s{k}") for k, s in enumerate(result.slots)],
        overall_gaps=gaps[gaps["template_id"] == "all"].reset_index(drop=True),
        command=command,
        command_note=note,
        intersection=intersection_view(result, aid=aid),
    )


def model_name(meta: dict[str, Any]) -> str:
    model = as_dict(meta.get("model"))
    return str(model.get("model") or model.get("name") or "unknown model")


def short_model_name(meta: dict[str, Any]) -> str:
    """The model's name in a multi-model audit, else its folder name for a local model,
    else its id."""
    if meta.get("model_name"):
        return str(meta["model_name"])
    name = model_name(meta)
    return Path(name).name if as_dict(meta.get("model")).get("kind") == "local" else name


def set_name(meta: dict[str, Any]) -> str:
    return str(as_dict(meta.get("template_set")).get("name") or "templates")


def facts(result: AuditResult) -> list[tuple[str, str]]:
    """Headline facts: model, score, template set, sizes, date."""
    meta = result.metadata
    model = as_dict(meta.get("model"))
    probes = result.probes
    scored = probes[~probes["is_baseline"]]
    sizes = ", ".join(f"{s}: {scored[s].nunique()}" for s in result.slots)
    return key_values(
        [
            ("model", model_name(meta)),
            ("score", f"P({model.get('score_label', '?')})"),
            ("template set", set_name(meta)),
            ("wordings", probes["template_id"].nunique()),
            ("groups", sizes),
            ("probes", f"{len(scored):,} (+ {len(probes) - len(scored)} neutral baselines)"),
            ("created", meta.get("created")),
        ]
    )


MODEL_KEYS = (
    "model", "kind", "revision", "fingerprint", "architecture", "labels", "score_label",
    "device", "dtype",
)  # fmt: skip
STAT_KEYS = (
    ("seed", "seed"),
    ("bootstrap resamples", "n_bootstrap"),
    ("confidence", "confidence"),
    ("created", "created"),
    ("python", "python"),
    ("platform", "platform"),
)
LEXICON_COLUMNS = ("slot", "name", "n", "source", "licence", "version", "description", "notes")


def method(result: AuditResult, *, aid: str) -> dict[str, Any]:
    """Template wordings, slots, lexicons, model, statistics and package versions."""
    meta = result.metadata
    tset = as_dict(meta.get("template_set"))
    model = as_dict(meta.get("model"))
    set_facts = [(k, tset.get(k)) for k in ("name", "version", "description")]
    packages = list(as_dict(meta.get("packages")).items())
    return {
        "set": key_values([*set_facts, ("file", tset.get("path"))]),
        "wordings": wordings_table(result, tset, aid=aid),
        "slots": slots_table(tset, aid=aid),
        "lexicons": lexicons_table(meta, aid=aid),
        "model": key_values([(k, model.get(k)) for k in MODEL_KEYS]),
        "statistics": key_values([(label, meta.get(k)) for label, k in STAT_KEYS]),
        "packages": table(
            pd.DataFrame(packages, columns=["package", "version"]),
            [Column("package", "package"), Column("version", "version")],
            id=f"{aid}-packages",
            sortable=False,
        ),
        "baselines": table(
            result.baselines(),
            [
                Column("template_id", "template"),
                Column("text", "neutral probe"),
                Column("score", "score", "num"),
            ],
            id=f"{aid}-baselines",
        ),
    }


def wordings_table(result: AuditResult, tset: dict[str, Any], *, aid: str) -> Table:
    """Every wording of the template set: id, text and source."""
    wordings = pd.DataFrame(tset.get("templates") or _wordings_from_probes(result))
    cols = [Column(c, c) for c in ("id", "text", "source")]
    return table(wordings, cols, id=f"{aid}-wordings", sortable=False)


def slots_table(tset: dict[str, Any], *, aid: str) -> Table:
    """Each slot's lexicon, neutral filler and filter."""
    rows = [
        {
            "slot": s,
            "lexicon": as_dict(v).get("lexicon"),
            "neutral": _neutral(as_dict(v).get("neutral")),
            "where": _where(as_dict(v).get("where")),
        }
        for s, v in as_dict(tset.get("slots")).items()
    ]
    frame = pd.DataFrame(rows, columns=["slot", "lexicon", "neutral", "where"])
    return table(frame, [Column(c, c) for c in frame.columns], id=f"{aid}-slots", sortable=False)


def lexicons_table(meta: dict[str, Any], *, aid: str) -> Table:
    """Each slot's lexicon with its size, source, licence and version."""
    rows = [{"slot": s, **as_dict(info)} for s, info in as_dict(meta.get("lexicons")).items()]
    frame = pd.DataFrame(rows)
    cols = [Column(c, c, "int" if c == "n" else "text") for c in LEXICON_COLUMNS]
    return table(frame, cols, id=f"{aid}-lexicons", sortable=False)


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty one (metadata read from JSON)."""
    return value if isinstance(value, dict) else {}


def slot_view(result: AuditResult, slot: str, *, aid: str) -> SlotView:
    """Tables of one slot: groups with CIs, gaps, extreme pairs, consistency."""
    groups = result.by_group(slot)
    core = {c.key for c in GROUP_COLUMNS} | {"slot"}
    meta_cols = [c for c in groups.columns if c not in core and c not in HIDDEN_META]
    shown = [*GROUP_COLUMNS, *(Column(c, c) for c in meta_cols)]
    gaps = result.gaps()
    gaps = gaps[gaps["slot"] == slot]
    consistency, movers, note = consistency_tables(result, slot, aid=aid)
    return SlotView(
        slot=slot,
        groups=table(groups, shown, id=f"{aid}-groups"),
        gaps=table(gaps, GAP_COLUMNS[1:], id=f"{aid}-gaps", note=GAP_NOTE),
        pairs=pairs_table(result, slot, aid=aid),
        consistency=consistency,
        movers=movers,
        consistency_note=note,
        extremes=extremes_table(groups, aid=aid),
        contrasts=contrasts_table(result, slot, aid=aid),
    )


def contrasts_table(result: AuditResult, slot: str, *, aid: str) -> Table | None:
    """Signed and named contrasts of a slot with cluster CIs and BH (None when there are none)."""
    contrasts = result.contrasts(slot)
    if contrasts.empty:
        return None
    ordered = contrasts.sort_values("p_value", kind="stable")
    return table(ordered, CONTRAST_COLUMNS, id=f"{aid}-contrasts")


def extremes_table(groups: pd.DataFrame, *, aid: str) -> Table:
    """The highest and lowest groups with their CIs (for the summary)."""
    ordered = groups.sort_values("mean", ascending=False)
    top = ordered.head(N_EXTREMES).assign(rank="highest")
    bottom = ordered.tail(N_EXTREMES).assign(rank="lowest")
    both = pd.concat([top, bottom]).drop_duplicates("value")
    cols = [Column("rank", ""), *GROUP_COLUMNS[:5]]
    return table(both, cols, id=f"{aid}-extremes", sortable=False)


def pairs_table(result: AuditResult, slot: str, *, aid: str) -> Table:
    """Template-matched probes of the highest and lowest group, largest difference first."""
    pairs = result.extreme_pairs(slot, n=N_PAIRS)
    gaps = result.gaps()
    top = gaps[(gaps["slot"] == slot) & (gaps["template_id"] == "all")].iloc[0]
    others = [s for s in result.slots if s != slot]
    cols = [
        Column("template_id", "template"),
        *(Column(s, s) for s in others),
        Column("text_a", f"text ({top['max_group']})"),
        Column("score_a", "score", "num"),
        Column("text_b", f"text ({top['min_group']})"),
        Column("score_b", "score", "num"),
        Column("difference", "difference", "signed"),
    ]
    caption = (
        f"Highest group {top['max_group']} vs lowest group {top['min_group']} "
        f"(gap {top['gap']:.3f}), the same wording side by side"
    )
    return table(pairs, cols, id=f"{aid}-pairs", caption=caption)


def consistency_tables(
    result: AuditResult, slot: str, *, aid: str
) -> tuple[Table | None, Table | None, str]:
    """Spearman correlations between wordings, and the groups whose rank moves most."""
    order = [str(t) for t in result.probes["template_id"].unique()]
    if len(order) < 2:
        return None, None, "One wording only: consistency needs two or more templates."
    rho = result.consistency(slot).reindex(index=order, columns=order)
    off = rho.to_numpy()[~np.eye(len(order), dtype=bool)]
    note = (
        f"Median Spearman rank correlation of group means between two wordings: "
        f"{np.nanmedian(off):.3f} (lowest {np.nanmin(off):.3f}, {len(order)} wordings)."
    )
    return correlation_table(rho, aid=aid), movers_table(result, slot, order, aid=aid), note


def correlation_table(rho: pd.DataFrame, *, aid: str) -> Table:
    """The correlation matrix, cells shaded by the coefficient."""
    cols = [Column("template_id", "template"), *(Column(str(c), str(c), "num") for c in rho)]
    rows: list[list[Cell]] = []
    for name, values in rho.iterrows():
        cells = [cell(name)]
        cells += [cell(v, "num", style=_shade(float(v))) for v in values]
        rows.append(cells)
    return Table(id=f"{aid}-consistency", columns=cols, rows=rows, sortable=False,
                 classes=["matrix"])  # fmt: skip


def movers_table(result: AuditResult, slot: str, order: list[str], *, aid: str) -> Table:
    """Groups whose rank changes most between wordings (rank 1 = highest mean)."""
    wide = result.per_template(slot).pivot(index="value", columns="template_id", values="mean")
    wide = wide.reindex(columns=order)
    ranks = wide.rank(ascending=False, method="min")
    moves = pd.DataFrame(
        {
            "value": wide.index.astype(str),
            "best_rank": ranks.min(axis=1).to_numpy(),
            "best_template": ranks.idxmin(axis=1).to_numpy(),
            "worst_rank": ranks.max(axis=1).to_numpy(),
            "worst_template": ranks.idxmax(axis=1).to_numpy(),
            "rank_range": (ranks.max(axis=1) - ranks.min(axis=1)).to_numpy(),
            "mean_range": (wide.max(axis=1) - wide.min(axis=1)).to_numpy(),
        }
    )
    moves = moves.sort_values(["rank_range", "mean_range"], ascending=False).head(N_MOVERS)
    cols = [
        Column("value", "group"),
        Column("rank_range", "rank range", "int"),
        Column("best_rank", "best rank", "int"),
        Column("best_template", "in template"),
        Column("worst_rank", "worst rank", "int"),
        Column("worst_template", "in template"),
        Column("mean_range", "score range", "num", "highest minus lowest per-wording mean"),
    ]
    return table(moves, cols, id=f"{aid}-movers")


def reproduce_command(meta: dict[str, Any], path: Path) -> tuple[str, str]:
    """The recorded command, or an equivalent one when the audit ran from Python."""
    command = meta.get("command")
    if isinstance(command, list) and command:
        return shlex.join(str(c) for c in command), "as recorded in audit.json"
    tset, model = as_dict(meta.get("template_set")), as_dict(meta.get("model"))
    parts = ["biasprobe", "audit", str(tset.get("path") or tset.get("name") or "TEMPLATES")]
    parts += ["--model", str(model.get("model") or "MODEL")]
    if model.get("revision"):
        parts += ["--revision", str(model["revision"])]
    for flag, key in (("--seed", "seed"), ("--n-bootstrap", "n_bootstrap")):
        if meta.get(key) is not None:
            parts += [flag, str(meta[key])]
    if meta.get("confidence") is not None:
        parts += ["--confidence", str(meta["confidence"])]
    parts += ["--out", str(path)]
    return shlex.join(parts), "equivalent command (this audit was run from Python)"


def _wordings_from_probes(result: AuditResult) -> list[dict[str, str]]:
    first = result.probes.drop_duplicates("template_id")
    pairs = zip(first["template_id"], first["template"], strict=True)
    return [{"id": str(t), "text": str(x)} for t, x in pairs]


def _neutral(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return "" if value is None else str(value)


def _where(value: Any) -> str:
    if not value:
        return ""
    return "; ".join(f"{k} in {', '.join(map(str, v))}" for k, v in dict(value).items())


def _shade(rho: float) -> str:
    """A background colour for a correlation: white at 0, blue at +1, red at -1."""
    if not np.isfinite(rho):
        return ""
    r, g, b = (33, 102, 172) if rho >= 0 else (178, 24, 43)
    t = min(abs(rho), 1.0) * 0.55
    mix = [round(255 + (c - 255) * t) for c in (r, g, b)]
    return f"background-color: rgb({mix[0]}, {mix[1]}, {mix[2]})"
