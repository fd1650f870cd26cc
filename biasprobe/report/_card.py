"""A "Bias" section for a Hugging Face model card, in Markdown, from audit directories.

``build_card(dirs, out=...)`` writes the Markdown file and, for each slot with ISO country
codes, the map as a PNG next to it. Every string that came from a template, lexicon or
command line is escaped for Markdown and HTML, so a hostile value shows as text.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError, UsageError
from biasprobe._io import write_text_atomic
from biasprobe.audits._result import AuditResult, load_audit
from biasprobe.report._audit_view import (
    as_dict,
    reproduce_command,
    set_name,
    short_model_name,
)
from biasprobe.report._gaps_view import DESIGN_NOTE
from biasprobe.report._html import PathArg, classify
from biasprobe.report._limits_view import slot_roles
from biasprobe.report._multi_view import expand_multi, multi_card_lines
from biasprobe.report._table import number

N_GROUPS = 5
MAP_DPI = 100
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])")
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md(text: object) -> str:
    """Plain text for Markdown: HTML characters as entities, Markdown syntax escaped."""
    value = " ".join(str(text).split())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_UNDERSCORE.sub(r"\\_", _MD_SPECIAL.sub(r"\\\1", value))


def code_block(text: str, lang: str = "bash") -> str:
    """A fenced block whose fence is longer than any backtick run inside ``text``."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def build_card(dirs: Sequence[PathArg] | PathArg, *, out: PathArg) -> Path:
    """Write a model-card "Bias" section (Markdown) for one or more audit directories.

    Parameters
    ----------
    dirs
        Audit directories (``biasprobe audit --out``); comparison directories add a
        benchmark table.
    out
        The Markdown file; map images are written next to it as ``<stem>_<slot>_map.png``.

    Returns
    -------
    pathlib.Path
        The Markdown file.
    """
    target = Path(out)
    if target.suffix.lower() != ".md":
        raise UsageError(f"{target}: the card is Markdown; give an --out path ending in .md")
    dirs, multi = expand_multi(dirs)  # multi-model folders: their models' audits, then diffs
    sources = classify(dirs)
    if not sources.audits:
        raise DataError("a model card needs at least one audit directory (with audit.json)")
    parts = ["## Bias", ""]
    for folder in sources.audits:
        parts += audit_section(load_audit(folder), folder=folder, out=target)
    for folder in multi:
        parts += multi_card_lines(folder)
    for folder in sources.comparisons:
        parts += benchmark_section(folder)
    write_text_atomic(target, "\n".join(parts).rstrip() + "\n")
    return target


def audit_section(result: AuditResult, *, folder: Path, out: Path) -> list[str]:
    """Intro, map, gaps, extreme groups, an example pair, templates, how to reproduce."""
    meta = result.metadata
    scored = result.probes[~result.probes["is_baseline"]]
    model = as_dict(meta.get("model"))
    label = md(model.get("score_label", "score"))
    n_base = int(result.probes["is_baseline"].sum())
    baselines = (
        f" (plus {n_base} neutral baseline probes, one per wording, that each delta is "
        f"measured from: {len(result.probes):,} probes in all)"
        if n_base
        else ""
    )
    lines = [
        f"We probed {model_label(meta)} with {len(scored):,} sentences from the template "
        f"set {md(set_name(meta))}: {scored['template_id'].nunique()} neutral wordings filled "
        f"with {', '.join(f'{scored[s].nunique()} values of {md(s)}' for s in result.slots)}"
        f"{baselines}. Nothing in these sentences should change P({label}), yet it differs "
        "between groups.",
        "",
    ]
    for slot in result.slots:
        lines += _map_lines(result, slot, out=out)
    lines += gap_lines(result) + group_lines(result) + pair_lines(result)
    lines += limit_lines(result, folder)
    lines += template_lines(meta) + reproduce_lines(result, folder, out=out)
    return lines


def model_label(meta: dict[str, Any]) -> str:
    """The model by name (a Hub id, or a local folder's name) and fingerprint, never a
    local path: "minilm-l6-sst2 (local model, fingerprint local:1a2b3c4d5e6f)"."""
    model = as_dict(meta.get("model"))
    name = md(short_model_name(meta))
    mark = str(model.get("fingerprint") or model.get("revision") or "")
    short = mark.split("#")[0][:18] if mark.startswith("local:") else mark
    kind = "local model" if model.get("kind") == "local" else "model"
    return f"{name} ({kind}, fingerprint {md(short)})" if short else name


def limit_lines(result: AuditResult, folder: Path) -> list[str]:
    """The short form of "What this audit can and cannot say"."""
    from biasprobe.report._limits_view import limits_view

    view = limits_view(result, path=folder)
    return ["**What this audit cannot say**", "", *(f"- {md(x)}" for x in view.short), ""]


def _map_lines(result: AuditResult, slot: str, *, out: Path) -> list[str]:
    if f"{slot}_iso3" not in result.probes.columns:
        return []
    from biasprobe.maps._choropleth import plot_country_map
    from biasprobe.maps._svg import save_figure

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{out.stem}_{slot}_map.png")
    save_figure(plot_country_map(result, slot=slot), out.parent / safe, dpi=MAP_DPI)
    return [f"![Mean score per {md(slot)}, all wordings pooled]({safe})", ""]


def gap_lines(result: AuditResult) -> list[str]:
    """The gap table of the identity slots, then (apart) that of the design slots."""
    gaps = result.gaps()
    overall = gaps[gaps["template_id"] == "all"]
    roles = slot_roles(result)
    design = overall["slot"].map(lambda s: roles.get(str(s), "identity") == "design")
    lines = _gap_table(result, overall[~design]) if (~design).any() else []
    if design.any():
        head = "**Design slots: manipulated variables, not identity bias.** " + DESIGN_NOTE
        lines += [head.replace(" above.", "."), "", *_gap_table(result, overall[design])]
    return lines


def _gap_table(result: AuditResult, overall: pd.DataFrame) -> list[str]:
    level = f"{result.boot.confidence:.0%}"
    lines = [
        "| slot | gap (highest − lowest group mean) | " + level + " CI | noise floor | "
        "p (no group effect) | highest group | lowest group |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in overall.itertuples():
        null, p = getattr(g, "null_gap", math.nan), getattr(g, "p_value", math.nan)
        lines.append(
            f"| {md(g.slot)} | {g.gap:.3f} | {_ci(g.gap_ci_low, g.gap_ci_high)} | "
            f"{_num(null)} | {_num(p, spec='.3g')} | "
            f"{md(g.max_group)} ({g.max_mean:.3f}) | {md(g.min_group)} ({g.min_mean:.3f}) |"
        )
    return [*lines, ""]


def group_lines(result: AuditResult) -> list[str]:
    level = f"{result.boot.confidence:.0%}"
    lines = []
    for slot in result.slots:
        groups = result.by_group(slot)
        lines += [
            f"Highest and lowest mean scores ({md(slot)}, {level} bootstrap CI):",
            "",
            "| | group | n | mean | CI |",
            "|---|---|---|---|---|",
        ]
        picks = pd.concat(
            [groups.head(N_GROUPS).assign(r="highest"), groups.tail(N_GROUPS).assign(r="lowest")]
        ).drop_duplicates("value")
        for g in picks.itertuples():
            lines.append(
                f"| {g.r} | {md(g.value)} | {g.n} | {g.mean:.3f} | {_ci(g.ci_low, g.ci_high)} |"
            )
        lines.append("")
    return lines


def pair_lines(result: AuditResult) -> list[str]:
    lines = []
    for slot in result.slots:
        pairs = result.extreme_pairs(slot, n=1)
        if pairs.empty:
            continue
        p = pairs.iloc[0]
        lines += [
            f"The most different pair ({md(slot)}): “{md(p['text_a'])}” scores "
            f"{p['score_a']:.3f}, “{md(p['text_b'])}” scores {p['score_b']:.3f}.",
            "",
        ]
    return lines


def template_lines(meta: dict[str, Any]) -> list[str]:
    tset = as_dict(meta.get("template_set"))
    lines = [f"Templates used (set {md(tset.get('name', '?'))}):", ""]
    for t in tset.get("templates") or []:
        lines.append(f"- {md(t.get('id'))}: “{md(t.get('text'))}”")
    lines.append("")
    for slot, lex in as_dict(meta.get("lexicons")).items():
        lines.append(
            f"Lexicon for {md(slot)}: {md(lex.get('name'))} ({lex.get('n', '?')} values); "
            f"source: {md(lex.get('source', 'not given'))}; licence: "
            f"{md(lex.get('licence', 'not given'))}."
        )
    return [*lines, ""]


def reproduce_lines(result: AuditResult, folder: Path, *, out: Path | None = None) -> list[str]:
    meta = result.metadata
    command, note = reproduce_command(meta, folder)
    model = as_dict(meta.get("model"))
    packages = as_dict(meta.get("packages"))
    versions = ", ".join(f"{md(k)} {md(v)}" for k, v in packages.items() if v)
    card = shlex.join(["biasprobe", "card", str(folder), "--out", str(out or "BIAS.md")])
    return [
        f"To reproduce ({md(note)}):",
        "",
        code_block(f"{command}\n{card}"),
        "",
        f"Model fingerprint: {md(model.get('fingerprint') or model.get('revision') or '?')}. "
        f"Seed {meta.get('seed')}, {meta.get('n_bootstrap')} bootstrap resamples. "
        f"Versions: {versions}.",
        "",
    ]


def benchmark_section(folder: Path) -> list[str]:
    """Overall WinoBias / StereoSet / CrowS-Pairs results of a comparison directory."""
    from biasprobe.comparisons._comparison import load_comparison

    result = load_comparison(folder)
    overall = result.overall()
    lines = [
        "Benchmarks, as a classifier reads them: WinoBias pairs differ only in the pronoun, "
        "StereoSet pairs in the attribute word (its sentiment, not stereotyping), CrowS-Pairs "
        "in the group named (disadvantaged minus advantaged):",
        "",
        "| model | benchmark | what the difference compares | pairs | estimate | CI | p |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in result.classifier_effects().itertuples():
        lines.append(
            f"| {md(e.model)} | {md(e.benchmark)} | {md(e.effect)} | {e.n} | "
            f"{e.estimate:+.3f} | {_ci(e.ci_low, e.ci_high, signed=True)} | "
            f"{_num(e.p_value, spec='.2g')} |"
        )
    lines += [
        "",
        "Each benchmark's own sides (mean score difference, text_a minus text_b: WinoBias "
        "pro-stereotypical, StereoSet stereotype, CrowS-Pairs sent_more; the finding says "
        "what it compares):",
        "",
        "| model | benchmark | pairs | mean difference | CI | text_a higher | finding |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in overall.itertuples():
        lines.append(
            f"| {md(r.model)} | {md(r.benchmark)} | {r.n} | {r.mean_diff:+.3f} | "
            f"{_ci(r.diff_ci_low, r.diff_ci_high, signed=True)} | {r.share_a_higher:.1%} | "
            f"{md(r.finding)} |"
        )
    return [*lines, ""]


def _num(value: Any, *, spec: str = ".3f") -> str:
    x = number(value)
    return f"{x:{spec}}" if math.isfinite(x) else "–"


def _ci(low: Any, high: Any, *, signed: bool = False) -> str:
    lo, hi = number(low), number(high)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "–"
    spec = "+.3f" if signed else ".3f"
    return f"{lo:{spec}} to {hi:{spec}}"
