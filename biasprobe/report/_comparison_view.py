"""The report's view of a comparison directory (``biasprobe compare --out DIR``).

Reads the files the comparison wrote: compare.json, summary.csv, utility.csv,
comparison.png and, when present, pairs.parquet; it never scores anything.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe.comparisons._comparison import ComparisonResult, load_comparison
from biasprobe.report._figures import file_data_uri
from biasprobe.report._table import Column, Table, key_values, table

N_PAIRS = 5
SIDES = (
    "text_a: WinoBias pro-stereotypical, StereoSet stereotype, CrowS-Pairs sent_more; "
    "text_b: the other text of the pair"
)
EFFECT_COLUMNS = [
    Column("benchmark", "benchmark"),
    Column("effect", "what the difference compares"),
    Column("n", "pairs", "int"),
    Column("estimate", "estimate", "signed"),
    Column("ci_low", "CI low", "signed"),
    Column("ci_high", "CI high", "signed"),
    Column("p_value", "p", "p"),
    Column("share_positive", "pairs > 0", "pct"),
    Column("note", "note"),
]
OVERALL_COLUMNS = [
    Column("model", "model"),
    Column("benchmark", "benchmark"),
    Column("n", "pairs", "int"),
    Column("mean_a", "mean (text_a)", "num", SIDES),
    Column("mean_b", "mean (text_b)", "num", SIDES),
    Column("mean_diff", "mean difference", "signed"),
    Column("diff_ci_low", "CI low", "signed"),
    Column("diff_ci_high", "CI high", "signed"),
    Column("share_a_higher", "text_a higher", "pct", SIDES),
    Column("share_ci_low", "CI low", "pct"),
    Column("share_ci_high", "CI high", "pct"),
    Column("flip_rate", "label flips", "pct"),
    Column("p_adjusted", "p (BH)", "p"),
    Column(
        "shift",
        "HL shift",
        "signed",
        "Hodges-Lehmann shift: the estimate that goes with the Wilcoxon test",
    ),
    Column(
        "shift_ci_low",
        "shift CI low",
        "signed",
        "inverts the Wilcoxon test at the BH-adjusted level: excludes 0 exactly when p (BH) "
        "is below 1 - confidence",
    ),
    Column("shift_ci_high", "shift CI high", "signed"),
    Column("cohens_dz", "Cohen's dz", "signed"),
    Column("finding", "finding"),
]
BREAKDOWN_COLUMNS = [
    Column("model", "model"),
    Column("breakdown", "breakdown"),
    Column("group", "group"),
    *[c for c in OVERALL_COLUMNS[2:] if c.key not in ("mean_a", "mean_b", "cohens_dz")],
]
UTILITY_COLUMNS = [
    Column("model", "model"),
    Column("dataset", "dataset"),
    Column("n", "n", "int"),
    Column("accuracy", "accuracy", "num"),
    Column("precision", "precision", "num"),
    Column("recall", "recall", "num"),
    Column("f1", "F1", "num"),
    Column("auc", "ROC AUC", "num"),
]
PAIR_COLUMNS = [
    Column("model", "model"),
    Column("text_a", "text_a", title=SIDES),
    Column("score_a", "score", "num"),
    Column("text_b", "text_b", title=SIDES),
    Column("score_b", "score", "num"),
    Column("difference", "difference", "signed"),
]


@dataclass
class ComparisonView:
    """One comparison directory as the report presents it."""

    id: str
    path: str
    meta: dict[str, Any]
    overall_frame: pd.DataFrame
    overall: Table
    breakdowns: list[tuple[str, Table]]
    utility: Table | None
    pairs: list[tuple[str, Table]]
    models: list[list[tuple[str, str]]]
    facts: list[tuple[str, str]]
    plot: str | None
    command: str
    note: str
    effects: Table | None = None
    summary_effects: Table | None = None


def comparison_view(folder: Path, *, index: int) -> ComparisonView:
    """Read a comparison directory into tables for the report."""
    cid = f"c{index}"
    result = load_comparison(folder)
    meta = result.metadata
    names = short_names(meta)
    summary = result.summary().replace({"model": names})
    utility = result.utility().replace({"model": names}) if len(result.utility()) else None
    overall = summary[summary["breakdown"] == "overall"].reset_index(drop=True)
    benches = list(dict.fromkeys(summary["benchmark"].astype(str)))
    breakdowns = [
        (b, table(summary[(summary["benchmark"] == b) & (summary["breakdown"] != "overall")],
                  BREAKDOWN_COLUMNS, id=f"{cid}-breakdown-{k}"))
        for k, b in enumerate(benches)
    ]  # fmt: skip
    return ComparisonView(
        id=cid,
        path=str(folder),
        meta=meta,
        overall_frame=overall,
        overall=table(overall, OVERALL_COLUMNS, id=f"{cid}-overall"),
        breakdowns=breakdowns,
        utility=None if utility is None else table(utility, UTILITY_COLUMNS, id=f"{cid}-utility"),
        pairs=extreme_pairs(result.pairs, benches, cid=cid, names=names),
        models=[_model_facts(m) for m in meta.get("models") or []],
        facts=_facts(meta),
        plot=file_data_uri(folder / "comparison.png"),
        command=_command(meta, folder),
        note=str(meta.get("text_mode_note") or ""),
        effects=effects_table(result, id=f"{cid}-effects", names=names),
        summary_effects=effects_table(result, id=f"summary-{cid}-effects", names=names),
    )


def effects_table(result: ComparisonResult, *, id: str, names: dict[str, str]) -> Table | None:
    """What each benchmark measures for a classifier, per model (``effects.csv``)."""
    rows = result.classifier_effects().replace({"model": names})
    if rows.empty:
        return None
    return table(rows, [Column("model", "model"), *EFFECT_COLUMNS], id=id)


def short_names(meta: dict[str, Any]) -> dict[str, str]:
    """Local model paths shown by their folder name (when that stays unique)."""
    models = [m for m in meta.get("models") or [] if isinstance(m, dict) and m.get("name")]
    short = {
        str(m["name"]): Path(str(m["name"])).name if m.get("kind") == "local" else str(m["name"])
        for m in models
    }
    return short if len(set(short.values())) == len(short) else {}


def extreme_pairs(
    scored: pd.DataFrame, benches: list[str], *, cid: str, names: dict[str, str]
) -> list[tuple[str, Table]]:
    """Per benchmark, the pairs whose two sides differ most (either direction)."""
    cols = ["model", "benchmark", "text_a", "text_b", "score_a", "score_b"]
    if scored.empty or not set(cols) <= set(scored.columns):
        return []
    pairs = scored[cols].copy()
    pairs["difference"] = pairs["score_a"] - pairs["score_b"]
    pairs["model"] = pairs["model"].replace(names)
    out = []
    for k, bench in enumerate(benches):
        part = pairs[pairs["benchmark"] == bench]
        top = part.reindex(part["difference"].abs().sort_values(ascending=False).index)
        out.append((bench, table(top.head(N_PAIRS), PAIR_COLUMNS, id=f"{cid}-pairs-{k}")))
    return out


def _facts(meta: dict[str, Any]) -> list[tuple[str, str]]:
    benches = meta.get("benchmarks") or {}
    listed = ", ".join(
        f"{name} ({info.get('split', '?')}, {info.get('n_pairs', '?')} pairs)"
        for name, info in benches.items()
    )
    return key_values(
        [
            ("benchmarks", listed),
            ("data", meta.get("data_source")),
            ("sample limit", meta.get("limit") or "none (all pairs)"),
            ("task quality set", meta.get("utility_dataset") or "not measured"),
            ("seed", meta.get("seed")),
            ("bootstrap resamples", meta.get("n_bootstrap")),
            ("confidence", meta.get("confidence")),
            ("created", meta.get("created")),
            ("packages", _packages(meta.get("packages"))),
        ]
    )


def _model_facts(model: dict[str, Any]) -> list[tuple[str, str]]:
    keys = ("name", "model", "kind", "revision", "fingerprint", "labels", "score_label")
    return key_values([(k, model.get(k)) for k in keys])


def _packages(packages: Any) -> str:
    if not isinstance(packages, dict):
        return ""
    return ", ".join(f"{k} {v}" for k, v in packages.items())


def _command(meta: dict[str, Any], folder: Path) -> str:
    command = meta.get("command")
    if isinstance(command, list) and command:
        return shlex.join(str(c) for c in command)
    parts = ["biasprobe", "compare"]
    for name in meta.get("benchmarks") or {}:
        parts += ["--benchmark", str(name)]
    for model in meta.get("models") or []:
        parts += ["--model", str(model.get("model") or model.get("name"))]
    if meta.get("limit"):
        parts += ["--limit", str(meta["limit"])]
    parts += ["--seed", str(meta.get("seed", 0)), "--out", str(folder)]
    return shlex.join(parts)
