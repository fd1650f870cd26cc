"""StereoSet (Nadeem et al., 2021) dev set as a pair table.

Three sources give the same table: the canonical ``dev.json`` (``{"version", "data":
{"intrasentence": [...], "intersentence": [...]}}``, sentences labelled by
``gold_label``), the flattened JSONL shipped in ``../shared/datasets/stereoset`` (one
example a line: ``type``, ``target``, ``bias_type``, ``context``, ``stereotype``,
``anti-stereotype``, ``unrelated``), and the Hub dataset ``McGill-NLP/stereoset``.

``text_a`` is the stereotype sentence, ``text_b`` the anti-stereotype, and
``text_unrelated`` the unrelated one. Intrasentence examples are single sentences
(``text_mode = "sentence"``). Intersentence examples are a context plus a follow-up
sentence; a sequence classifier scores them as one text, ``context + " " + candidate``
(``text_mode = "concatenated"``). ``domain`` repeats ``bias_type`` (StereoSet's word).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError
from biasprobe._io import read_text
from biasprobe.comparisons._pairs import (
    benchmark_folder,
    check_count,
    check_split,
    load_hub,
    make_table,
)

KINDS = ("intrasentence", "intersentence")
PUBLISHED = {"intrasentence": 2106, "intersentence": 2123}
HUB_ID = "McGill-NLP/stereoset"
GOLD_NAMES = ("anti-stereotype", "stereotype", "unrelated")
JSONL_FIELDS = (
    "type",
    "target",
    "bias_type",
    "context",
    "stereotype",
    "anti-stereotype",
    "unrelated",
)
EXAMPLE_FIELDS = ("target", "bias_type", "context")
Record = dict[str, Any]


def find_file(folder: Path) -> Path:
    """``dev.json`` in ``folder``, else its one ``*.jsonl`` file (searched recursively)."""
    if (folder / "dev.json").is_file():
        return folder / "dev.json"
    found = sorted(folder.rglob("*.jsonl"))
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise DataError(
            f"{what} StereoSet files in {folder}: expected dev.json or exactly "
            "one flattened *.jsonl file"
        )
    return found[0]


def read_jsonl(path: Path) -> list[Record]:
    """Records from the flattened JSONL (one example a line)."""
    records = []
    for lineno, raw in enumerate(read_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
        missing = [f for f in JSONL_FIELDS if not isinstance(row.get(f), str)]
        if missing:
            raise DataError(
                f"{path}:{lineno}: missing field {missing[0]!r}; "
                f"required: {', '.join(JSONL_FIELDS)}"
            )
        records.append({**row, "kind": row["type"], "where": f"{path}:{lineno}"})
    return records


def _by_gold(sentences: list[Record], *, where: str) -> dict[str, str]:
    texts = {s.get("gold_label"): s.get("sentence") for s in sentences}
    missing = [g for g in GOLD_NAMES if not isinstance(texts.get(g), str)]
    if missing:
        raise DataError(
            f"{where}: no sentence with gold_label {missing[0]!r}; each example "
            f"needs one of each of {', '.join(GOLD_NAMES)}"
        )
    return {g: str(texts[g]) for g in GOLD_NAMES}


def read_dev_json(path: Path) -> list[Record]:
    """Records from the canonical ``dev.json``."""
    try:
        raw = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    data = raw.get("data") if isinstance(raw, dict) else None
    if not isinstance(data, dict):
        raise DataError(
            f"{path}: not a StereoSet dev.json; expected "
            '{"version": ..., "data": {"intrasentence": [...], '
            '"intersentence": [...]}}'
        )
    records = []
    for kind in KINDS:
        for i, ex in enumerate(data.get(kind, [])):
            where = f"{path}: data.{kind}[{i}]"
            missing = [f for f in EXAMPLE_FIELDS if not isinstance(ex.get(f), str)]
            if missing:
                raise DataError(
                    f"{where}: missing field {missing[0]!r}; required: "
                    f"{', '.join(EXAMPLE_FIELDS)}, sentences"
                )
            texts = _by_gold(ex.get("sentences", []), where=where)
            records.append({**ex, **texts, "kind": kind, "where": where})
    return records


def gold_names(dataset: Any) -> list[str]:
    """Names of the Hub's integer ``gold_label`` (ClassLabel feature, else the card's)."""
    try:
        feature = dataset.features["sentences"]["gold_label"]
    except (AttributeError, KeyError, TypeError):
        return list(GOLD_NAMES)
    names = getattr(getattr(feature, "feature", feature), "names", None)
    return list(names) if names else list(GOLD_NAMES)


def hub_records(dataset: Any, kind: str) -> list[Record]:
    """Records from one Hub config; ``sentences`` is a dict of lists there."""
    names = gold_names(dataset)
    records = []
    for i, ex in enumerate(dataset):
        labels = [g if isinstance(g, str) else names[int(g)] for g in ex["sentences"]["gold_label"]]
        sents = [
            {"gold_label": g, "sentence": s}
            for g, s in zip(labels, ex["sentences"]["sentence"], strict=True)
        ]
        where = f"{HUB_ID}/{kind}[{i}]"
        records.append({**ex, **_by_gold(sents, where=where), "kind": kind, "where": where})
    return records


def _join(context: str, sentence: str) -> str:
    return f"{context.strip()} {sentence.strip()}"


def to_row(record: Record, index: int) -> dict[str, Any]:
    """One pair-table row; intersentence texts are context + " " + candidate."""
    kind = record["kind"]
    inter = kind == "intersentence"
    texts = [record[g] for g in ("stereotype", "anti-stereotype", "unrelated")]
    if inter:
        texts = [_join(record["context"], t) for t in texts]
    return {
        "pair_id": f"stereoset/{kind}/dev/{index}",
        "benchmark": "stereoset",
        "split": "dev",
        "text_a": texts[0],
        "text_b": texts[1],
        "bias_type": record["bias_type"],
        "target": record["target"],
        "kind": kind,
        "domain": record["bias_type"],
        "context": record["context"],
        "text_unrelated": texts[2],
        "text_mode": "concatenated" if inter else "sentence",
    }


def records_to_table(records: list[Record], *, source: str) -> pd.DataFrame:
    """Check counts per kind and build the pair table (intrasentence first)."""
    unknown = [r for r in records if r["kind"] not in KINDS]
    if unknown:
        raise DataError(
            f"{unknown[0]['where']}: unknown type {unknown[0]['kind']!r}; valid: {', '.join(KINDS)}"
        )
    rows = []
    for kind in KINDS:
        part = [r for r in records if r["kind"] == kind]
        check_count(len(part), PUBLISHED[kind], what=f"{kind} split", source=source)
        rows += [to_row(r, i) for i, r in enumerate(part)]
    return make_table(rows, "stereoset", source=source)


def read_local(path: Path) -> pd.DataFrame:
    """A pair table from a ``dev.json`` or flattened ``*.jsonl`` file."""
    if not path.is_file():
        raise DataError(f"missing StereoSet file {path}")
    records = read_dev_json(path) if path.suffix == ".json" else read_jsonl(path)
    return records_to_table(records, source=str(path))


def load_stereoset(*, data_dir: Path | None, split: str | None = None) -> pd.DataFrame:
    """StereoSet dev pairs from ``data_dir/stereoset`` or, when None, the Hub."""
    check_split(split, benchmark="stereoset", valid=("dev",))
    if data_dir is not None:
        return read_local(find_file(benchmark_folder(data_dir, "stereoset")))
    records = []
    for kind in KINDS:
        records += hub_records(load_hub(HUB_ID, kind, "validation"), kind)
    return records_to_table(records, source=HUB_ID)
