"""Validation of lexicons and template sets: data checks, and grammar of every probe.

``validate(paths)`` returns one row per finding (an empty table means all is well):
path, kind (lexicon / template_set), location, check, severity (error / warning),
message, example, count. ``biasprobe validate`` prints it and exits 2 on any error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from biasprobe._errors import BiasprobeError, DataError
from biasprobe.probes._grammar import indefinite_article, sentence_problems
from biasprobe.probes._lexicon import Lexicon
from biasprobe.probes._lexicon_refs import load_lexicon, shipped_lexicons
from biasprobe.probes._template_set import TemplateSet, load_template_set, shipped_sets

FINDING_COLUMNS = ["path", "kind", "location", "check", "severity", "message", "example", "count"]
REQUIRED_META = ("name", "description", "source", "licence", "version")
MIN_WORDINGS = 5
ISO_PATTERNS = {"iso3": re.compile(r"^[A-Z]{3}$"), "iso2": re.compile(r"^[A-Z]{2}$")}
PERCENT_SUFFIX = "_pct"


@dataclass(frozen=True)
class Finding:
    """One problem found in a lexicon or template set."""

    path: str
    kind: str
    location: str
    check: str
    severity: str
    message: str
    example: str = ""
    count: int = 1


def validate(paths: Sequence[str | Path] | None = None) -> pd.DataFrame:
    """Validate lexicons (``.csv``, shipped names, ``holistic_bias:v1.1``) and template sets.

    With no paths, validates every shipped lexicon and template set. A folder stands for
    the ``.csv`` and ``.yaml`` files in it.

    Examples
    --------
    >>> validate(["countries", "country"]).empty
    True
    """
    findings: list[Finding] = []
    for kind, ref in _targets(paths):
        check = validate_lexicon if kind == "lexicon" else validate_template_set
        findings.extend(check(ref))
    return pd.DataFrame([asdict(f) for f in findings], columns=FINDING_COLUMNS)


def _targets(paths: Sequence[str | Path] | None) -> Iterable[tuple[str, str]]:
    if not paths:
        yield from (("lexicon", name) for name in shipped_lexicons())
        yield from (("template_set", name) for name in shipped_sets())
        return
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from (("lexicon", str(p)) for p in sorted(path.glob("*.csv")))
            yield from (("template_set", str(p)) for p in sorted(path.glob("*.y*ml")))
        elif str(raw).endswith((".yaml", ".yml")) or str(raw) in shipped_sets():
            yield "template_set", str(raw)
        else:
            yield "lexicon", str(raw)


def validate_lexicon(ref: str) -> list[Finding]:
    """Findings for one lexicon: a shipped name, a CSV path or ``holistic_bias:VERSION``."""
    try:
        lex = load_lexicon(ref)
    except BiasprobeError as exc:
        return [Finding(ref, "lexicon", "", "load", _severity(exc), str(exc))]
    return lexicon_findings(lex)


def lexicon_findings(lex: Lexicon) -> list[Finding]:
    """Data checks of a loaded lexicon (loading already rejected empty/duplicate values)."""
    out = _meta_findings(lex)
    items = lex.items
    for idx, row in items.iterrows():
        where = f"row {int(str(idx)) + 1} ({row['value']!r})"
        out.extend(_value_findings(lex, row, where))
    out.extend(_iso_findings(lex))
    out.extend(_multi_value_findings(lex))
    out.extend(_pair_findings(lex))
    out.extend(_percent_findings(lex))
    return out


def _finding(lex: Lexicon, location: str, check: str, message: str, **kw: object) -> Finding:
    severity = str(kw.pop("severity", "error"))
    return Finding(lex.path or lex.name, "lexicon", location, check, severity, message, **kw)  # type: ignore[arg-type]


def _meta_findings(lex: Lexicon) -> list[Finding]:
    missing = [k for k in REQUIRED_META if not lex.meta.get(k)]
    if not missing:
        return []
    msg = f"header lacks {', '.join(missing)}; add lines like '# source: ...' above the CSV header"
    return [_finding(lex, "header", "metadata", msg, severity="warning")]


def _value_findings(lex: Lexicon, row: pd.Series, where: str) -> list[Finding]:
    out = []
    value = str(row["value"])
    if value != value.strip() or "  " in value:
        out.append(
            _finding(lex, where, "whitespace", "value has leading, trailing or double spaces")
        )
    article = str(row.get("article", "") or "")
    if article in ("a", "an") and indefinite_article(value) != article:
        want = indefinite_article(value)
        msg = f"article {article!r} before {value!r}; by first sound it is {want!r}"
        out.append(_finding(lex, where, "a_an", msg))
    return out


def _iso_findings(lex: Lexicon) -> list[Finding]:
    out = []
    for col in lex.items.columns:
        kind = next((k for k in ISO_PATTERNS if col == k or col.endswith("_" + k)), None)
        if kind is None:
            continue
        known = _known_codes(kind)
        for idx, code in lex.items[col].astype(str).items():
            where = f"row {int(str(idx)) + 1}, column {col!r}"
            if not ISO_PATTERNS[kind].match(code):
                size = 3 if kind == "iso3" else 2
                msg = f"{code!r} is not an ISO 3166-1 code ({size} upper-case letters)"
                out.append(_finding(lex, where, "iso_code", msg))
            elif known and code not in known:
                msg = f"{code!r} is not a country in biasprobe's countries lexicon"
                out.append(_finding(lex, where, "iso_code", msg, severity="warning"))
        dups = lex.items[col][lex.items[col].duplicated() & (lex.items[col] != "")]
        for code in dups.unique():
            out.append(_finding(lex, f"column {col!r}", "iso_unique", f"{code!r} appears twice"))
    return out


def _known_codes(kind: str) -> frozenset[str]:
    try:
        countries = load_lexicon("countries").items
    except BiasprobeError:
        return frozenset()
    return frozenset(countries[kind].astype(str)) if kind in countries.columns else frozenset()


def _multi_value_findings(lex: Lexicon) -> list[Finding]:
    out = []
    for col in lex.metadata_columns:
        cells = lex.items[col].astype(str)
        if not cells.str.contains("|", regex=False).any():
            continue
        for idx, cell in cells.items():
            parts = cell.split("|")
            if cell and any(not p.strip() for p in parts):
                where = f"row {int(str(idx)) + 1}, column {col!r}"
                out.append(_finding(lex, where, "multi_value", f"empty item in {cell!r}"))
    if "aliases" in lex.items.columns:
        out.extend(_alias_findings(lex))
    return out


def _alias_findings(lex: Lexicon) -> list[Finding]:
    owner: dict[str, str] = {str(v).casefold(): str(v) for v in lex.items["value"]}
    out = []
    for value, cell in zip(lex.items["value"], lex.items["aliases"].astype(str), strict=True):
        for alias in filter(None, (a.strip() for a in cell.split("|"))):
            key = alias.casefold()
            if key in owner and owner[key] != value:
                msg = f"alias {alias!r} of {value!r} also names {owner[key]!r}"
                out.append(_finding(lex, "column 'aliases'", "alias_unique", msg))
            owner.setdefault(key, str(value))
    return out


def _pair_findings(lex: Lexicon) -> list[Finding]:
    if not {"pair_id", "gender"} <= set(lex.items.columns):
        return []
    paired = lex.items[lex.items["pair_id"] != ""]
    dup = paired[paired.duplicated(["pair_id", "gender"], keep=False)]
    return [
        _finding(lex, f"pair {pid!r}", "pair", f"{len(g)} rows with gender {gender!r}")
        for (pid, gender), g in dup.groupby(["pair_id", "gender"])
    ]


def _percent_findings(lex: Lexicon) -> list[Finding]:
    out = []
    for col in (c for c in lex.items.columns if c.endswith(PERCENT_SUFFIX)):
        cells = lex.items[col]
        blank = cells.isna() | (cells.astype(str) == "")
        numbers = pd.to_numeric(cells.where(~blank, None), errors="coerce")
        bad = cells[(numbers < 0) | (numbers > 100) | (numbers.isna() & ~blank)]
        for idx, cell in bad.items():
            where = f"row {int(str(idx)) + 1}, column {col!r}"
            out.append(_finding(lex, where, "percent", f"{cell!r} is not a percentage in [0, 100]"))
    return out


def validate_template_set(ref: str) -> list[Finding]:
    """Findings for one template set: loading, binding, wordings, and every rendered probe."""
    from biasprobe.probes._expand import bind, iter_probes

    try:
        tset = load_template_set(ref)
        bound = bind(tset)
    except BiasprobeError as exc:
        return [Finding(ref, "template_set", "", "load", _severity(exc), str(exc))]
    out = _set_findings(tset)
    first: dict[tuple[str, str], tuple[str, str]] = {}
    counts: dict[tuple[str, str], int] = {}
    for chunk in iter_probes(bound):
        for tid, text in zip(chunk["template_id"], chunk["text"], strict=True):
            for check, message in sentence_problems(str(text)):
                key = (str(tid), check)
                first.setdefault(key, (message, str(text)))
                counts[key] = counts.get(key, 0) + 1
    for (tid, check), n in counts.items():
        message, text = first[(tid, check)]
        where = f"template {tid!r}"
        out.append(Finding(tset.path, "template_set", where, check, "error", message, text, n))
    return out


def _set_findings(tset: TemplateSet) -> list[Finding]:
    out = []
    if len(tset.templates) < MIN_WORDINGS:
        n = len(tset.templates)
        msg = f"{n} wordings; use at least {MIN_WORDINGS} so that no finding rests on one"
        out.append(Finding(tset.path, "template_set", "templates", "wordings", "warning", msg))
    for slot in tset.slots.values():
        if slot.neutral is None:
            msg = f"slot {slot.name!r} has no neutral filler, so templates get no baseline probe"
            out.append(
                Finding(tset.path, "template_set", f"slot {slot.name!r}", "neutral", "warning", msg)
            )
    return out


def _severity(exc: BiasprobeError) -> str:
    """Missing run-time data (HolisticBias offline) is a warning; anything else an error."""
    return "warning" if isinstance(exc, DataError) else "error"


def format_findings(findings: pd.DataFrame) -> list[str]:
    """One line per finding, for the CLI."""
    lines = []
    for f in findings.to_dict("records"):
        loc = f"{f['path']}: {f['location']}: " if f["location"] else f"{f['path']}: "
        example = f" (e.g. {f['example']!r})" if f["example"] else ""
        times = f" [{f['count']} probes]" if int(f["count"]) > 1 else ""
        lines.append(f"{f['severity']}: {loc}{f['check']}: {f['message']}{example}{times}")
    return lines
