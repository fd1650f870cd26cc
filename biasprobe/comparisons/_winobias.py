"""WinoBias (Zhao et al., 2018) as a pair table.

Local files follow uclanlp/corefBias: ``{pro,anti}_stereotyped_type{1,2}.txt.{dev,test}``,
one ``<id> <sentence>`` a line, with ``[brackets]`` around the occupation mention and
the pronoun that refers to it. Line i of the pro file and line i of the anti file form a
pair (same id). ``text_a`` is the pro-stereotypical sentence, ``text_b`` the anti one,
both without brackets, spaces squeezed and Penn-style token spacing joined ("librarian
's" -> "librarian's", as 140 lines of the files have it). The Hub configs
``uclanlp/wino_bias`` ``type{1,2}_{pro,anti}`` hold the same sentences as tokens plus
coreference spans; the spans are turned back into
brackets so that both sources go through the same parser.

``occupation`` is the occupation named in the first bracketed mention (matched against
the 40 WinoBias occupations); ``occupation_gender`` is the gender that dominates it in
the BLS statistics WinoBias used. ``pronoun_gender`` is the gender of the pronoun in the
pro sentence, ``pronoun_gender_anti`` the one in the anti sentence. They differ except
in two released pairs (type2 test 382 and 384) whose anti sentence is not a minimal edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
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

PUBLISHED_PER_FILE = 396
SPLITS = ("dev", "test", "all")
HUB_ID = "uclanlp/wino_bias"
HUB_SPLITS = {"dev": "validation", "test": "test"}
PRONOUN_GENDER = {
    "he": "male",
    "him": "male",
    "his": "male",
    "himself": "male",
    "she": "female",
    "her": "female",
    "hers": "female",
    "herself": "female",
}
_LINE = re.compile(r"^\s*(\d+)\s+(\S.*?)\s*$")
_BRACKET = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class Line:
    """One parsed WinoBias line: where it is, its id and its bracketed sentence."""

    source: str
    lineno: int
    wb_id: int
    marked: str


@lru_cache(maxsize=1)
def occupations() -> dict[str, str]:
    """The WinoBias occupations (lower case) and their BLS-dominant gender."""
    path = resources.files("biasprobe") / "data" / "benchmarks" / "winobias_occupations.csv"
    with resources.as_file(path) as file:
        table = pd.read_csv(file, comment="#")
    return dict(zip(table["occupation"].str.lower(), table["gender"], strict=True))


def read_lines(path: Path) -> list[Line]:
    """Parse ``<id> <sentence>`` lines; blank lines are skipped."""
    if not path.exists():
        raise DataError(f"missing WinoBias file {path}")
    lines = []
    for lineno, raw in enumerate(read_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        match = _LINE.match(raw)
        if match is None:
            raise DataError(f"{path}:{lineno}: expected '<id> <sentence>', got {raw[:60]!r}")
        lines.append(Line(str(path), lineno, int(match.group(1)), match.group(2)))
    return lines


def strip_brackets(marked: str) -> str:
    """Plain text: no ``[`` ``]`` markup, spaces squeezed, token spacing joined."""
    return detokenize(marked.replace("[", "").replace("]", "").split())


def find_occupation(marked: str) -> str:
    """The occupation in the first bracketed mention (longest known match)."""
    mentions = _BRACKET.findall(marked)
    first = (mentions[0] if mentions else marked).lower()
    hits = [o for o in occupations() if re.search(rf"\b{re.escape(o)}\b", first)]
    if hits:
        return max(hits, key=len)
    return re.sub(r"^(the|a|an)\s+", "", first.strip())


def pronoun_gender(marked: str) -> str:
    """Gender of the first gendered pronoun among the bracketed mentions (else anywhere)."""
    for chunk in [*_BRACKET.findall(marked)[1:], marked]:
        for word in re.findall(r"[a-z]+", chunk.lower()):
            if word in PRONOUN_GENDER:
                return PRONOUN_GENDER[word]
    return "unknown"


def align(pro: list[Line], anti: list[Line], *, pro_src: str, anti_src: str) -> None:
    """Raise ``DataError`` unless ``pro`` and ``anti`` have the same ids line by line."""
    for i, (p, a) in enumerate(zip(pro, anti, strict=False)):
        if p.wb_id != a.wb_id:
            raise DataError(
                f"unaligned WinoBias files {pro_src} and {anti_src}: sentence "
                f"{i + 1} has id {p.wb_id} (line {p.lineno}) in the pro file "
                f"but id {a.wb_id} (line {a.lineno}) in the anti file"
            )
    if len(pro) != len(anti):
        longer = pro if len(pro) > len(anti) else anti
        extra = longer[min(len(pro), len(anti))]
        raise DataError(
            f"unaligned WinoBias files {pro_src} ({len(pro)} sentences) and "
            f"{anti_src} ({len(anti)} sentences): first unmatched line is "
            f"{extra.source}:{extra.lineno}"
        )


def pair_rows(pro: list[Line], anti: list[Line], *, wb_type: int, split: str) -> list[dict]:
    """One pair-table row per aligned (pro, anti) line."""
    rows = []
    for p, a in zip(pro, anti, strict=True):
        occupation = find_occupation(p.marked)
        rows.append(
            {
                "pair_id": f"winobias/type{wb_type}/{split}/{p.wb_id}",
                "benchmark": "winobias",
                "split": split,
                "text_a": strip_brackets(p.marked),
                "text_b": strip_brackets(a.marked),
                "bias_type": "gender",
                "target": occupation,
                "wb_type": wb_type,
                "wb_id": p.wb_id,
                "occupation": occupation,
                "occupation_gender": occupations().get(occupation, "unknown"),
                "pronoun_gender": pronoun_gender(p.marked),
                "pronoun_gender_anti": pronoun_gender(a.marked),
            }
        )
    return rows


def _local_part(folder: Path, wb_type: int, split: str) -> list[dict]:
    pro_path = folder / f"pro_stereotyped_type{wb_type}.txt.{split}"
    anti_path = folder / f"anti_stereotyped_type{wb_type}.txt.{split}"
    pro, anti = read_lines(pro_path), read_lines(anti_path)
    for path, lines in ((pro_path, pro), (anti_path, anti)):
        check_count(len(lines), PUBLISHED_PER_FILE, what="the file", source=str(path))
    align(pro, anti, pro_src=str(pro_path), anti_src=str(anti_path))
    return pair_rows(pro, anti, wb_type=wb_type, split=split)


def detokenize(tokens: list[str]) -> str:
    """Join Penn-style tokens into a sentence ("design ." -> "design.")."""
    text = " ".join(tokens)
    text = re.sub(r" ([.,;:!?%)\]])", r"\1", text)
    text = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    return re.sub(r"([(\[]) ", r"\1", text)


def hub_marked(row: dict[str, Any]) -> str:
    """Rebuild the bracketed sentence from a Hub row's tokens and coreference spans."""
    tokens = list(row["tokens"])
    spans = [int(x) for x in row.get("coreference_clusters") or []]
    for start, end in zip(spans[::2], spans[1::2], strict=True):
        tokens[start] = "[" + tokens[start]
        tokens[end] = tokens[end] + "]"
    return detokenize(tokens)


def hub_lines(dataset: Any, *, source: str) -> list[Line]:
    """Hub rows as ``Line`` objects (ids are row positions, 1-based, as in the files)."""
    return [Line(source, i, i, hub_marked(row)) for i, row in enumerate(dataset, start=1)]


def _hub_part(wb_type: int, split: str) -> list[dict]:
    parts = {}
    for kind in ("pro", "anti"):
        config = f"type{wb_type}_{kind}"
        source = f"{HUB_ID}/{config}/{HUB_SPLITS[split]}"
        parts[kind] = hub_lines(load_hub(HUB_ID, config, HUB_SPLITS[split]), source=source)
        check_count(len(parts[kind]), PUBLISHED_PER_FILE, what="the split", source=source)
    pro_src, anti_src = parts["pro"][0].source, parts["anti"][0].source
    align(parts["pro"], parts["anti"], pro_src=pro_src, anti_src=anti_src)
    return pair_rows(parts["pro"], parts["anti"], wb_type=wb_type, split=split)


def load_winobias(*, data_dir: Path | None, split: str | None = None) -> pd.DataFrame:
    """WinoBias pairs from ``data_dir/winobias`` or, when ``data_dir`` is None, the Hub."""
    chosen = check_split(split, benchmark="winobias", valid=SPLITS)
    splits = ("dev", "test") if chosen == "all" else (chosen,)
    folder = benchmark_folder(data_dir, "winobias") if data_dir is not None else None
    rows: list[dict] = []
    for part_split in splits:
        for wb_type in (1, 2):
            if folder is None:
                rows += _hub_part(wb_type, part_split)
            else:
                rows += _local_part(folder, wb_type, part_split)
    source = str(folder) if folder is not None else HUB_ID
    return make_table(rows, "winobias", source=source)
