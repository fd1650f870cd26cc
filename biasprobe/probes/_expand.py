"""Expansion: template sets x lexicons -> probe tables (one row per sentence)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._defaults import DEFAULT_MAX_PROBES
from biasprobe._errors import TemplateError
from biasprobe.probes._lexicon import Lexicon
from biasprobe.probes._lexicon_refs import load_lexicon
from biasprobe.probes._template_set import Placeholder, Template, TemplateSet

SENTENCE_END = (". ", "! ", "? ", '." ', "\n")


@dataclass(frozen=True)
class BoundSet:
    """A template set with each slot's lexicon loaded and filtered."""

    template_set: TemplateSet
    lexicons: dict[str, Lexicon]

    def size(self) -> int:
        """Number of probes the set expands to (baselines included)."""
        return sum(self._template_size(t) for t in self.template_set.templates)

    def _template_size(self, template: Template) -> int:
        n = math.prod(len(self.lexicons[s]) for s in template.slots)
        return n + self.n_baselines(template)

    def n_baselines(self, template: Template) -> int:
        """Baseline probes of ``template``: one per neutral filler (the longest list when
        several slots have lists; shorter lists repeat), 0 without a baseline."""
        if not self.has_baseline(template):
            return 0
        return max(len(self.template_set.slots[s].neutrals) for s in template.slots)

    def has_baseline(self, template: Template) -> bool:
        """True when every slot of ``template`` has a neutral filler."""
        return all(self.template_set.slots[s].neutral is not None for s in template.slots)


def bind(template_set: TemplateSet) -> BoundSet:
    """Load and filter the lexicon of every slot; check fields used by placeholders.

    Parameters
    ----------
    template_set
        The set to bind.

    Returns
    -------
    BoundSet
        The set with one ``Lexicon`` per slot, ready for ``expand`` / ``iter_probes``.

    Examples
    --------
    >>> from biasprobe.probes._template_set import load_template_set
    >>> bind(load_template_set("religion")).size()
    184
    """
    base = Path(template_set.path).parent if template_set.path else None
    lexicons = {}
    for slot in template_set.slots.values():
        lex = load_lexicon(slot.lexicon, relative_to=base)
        lexicons[slot.name] = _filter(
            lex, slot.where, label=f"{template_set.path}: slot {slot.name!r}"
        )
    for t in template_set.templates:
        for p in t.placeholders:
            _check_field(p, lexicons[p.slot], template_set, t)
    return BoundSet(template_set=template_set, lexicons=lexicons)


def iter_probes(
    bound: BoundSet | TemplateSet,
    *,
    chunk_size: int = 50_000,
    max_probes: int = DEFAULT_MAX_PROBES,
) -> Iterator[pd.DataFrame]:
    """Yield the probe table in chunks of at most ``chunk_size`` rows.

    Takes what ``expand`` takes (a ``TemplateSet`` or a bound one). Raises
    ``TemplateError`` before any work if the set expands past ``max_probes``.

    Examples
    --------
    >>> from biasprobe.probes._template_set import load_template_set
    >>> chunks = iter_probes(load_template_set("religion"), chunk_size=100)
    >>> [len(c) for c in chunks]
    [100, 84]
    """
    if isinstance(bound, TemplateSet):
        bound = bind(bound)
    total = bound.size()
    if total > max_probes:
        raise TemplateError(
            f"{bound.template_set.path}: expands to {total:,} probes, over the limit of "
            f"{max_probes:,}; filter a lexicon with `where:` or raise --max-probes"
        )
    rows: list[dict[str, Any]] = []
    next_id = 0
    # each slot's lexicon as records and its metadata columns, once per set, not per template
    # or per row (a pass over an arrow-backed frame is slow when repeated per row)
    records = {s: _records(lex) for s, lex in bound.lexicons.items()}
    columns = {s: lex.metadata_columns for s, lex in bound.lexicons.items()}
    for template in bound.template_set.templates:
        for row in _template_rows(bound, template, records, columns):
            row["probe_id"] = next_id
            next_id += 1
            rows.append(row)
            if len(rows) >= chunk_size:
                yield _frame(rows, bound)
                rows = []
    if rows:
        yield _frame(rows, bound)


def expand(bound: BoundSet | TemplateSet, *, max_probes: int = DEFAULT_MAX_PROBES) -> pd.DataFrame:
    """The whole probe table of a template set.

    Examples
    --------
    >>> from biasprobe.probes._template_set import load_template_set
    >>> probes = expand(load_template_set("country"))
    >>> probes.loc[probes.country == "Netherlands", "text"].iloc[0]
    'This film was filmed in the Netherlands.'
    """
    if isinstance(bound, TemplateSet):
        bound = bind(bound)
    chunks = list(iter_probes(bound, max_probes=max_probes))
    return pd.concat(chunks, ignore_index=True)


def fill(template: Template, values: dict[str, dict[str, Any]]) -> str:
    """Render ``template`` with one item per slot (``{"value": ..., "article": ...}``)."""
    out: list[str] = []
    pos = 0
    raw = template.text
    for p in template.placeholders:
        out.append(_unescape(raw[pos : p.start]))
        text = _filler(p, values[p.slot])
        if _at_sentence_start("".join(out)):
            text = text[:1].upper() + text[1:]
        out.append(text)
        pos = p.end
    out.append(_unescape(raw[pos:]))
    return "".join(out)


def _filler(p: Placeholder, item: dict[str, Any]) -> str:
    if p.field is not None:
        return str(item.get(p.field, ""))
    article = str(item.get("article") or "")
    value = str(item["value"])
    return f"{article} {value}" if article else value


def _at_sentence_start(prefix: str) -> bool:
    stripped = prefix.rstrip(" \"'“‘(")
    return stripped == "" or prefix.endswith(SENTENCE_END) or stripped.endswith((".", "!", "?"))


def _unescape(text: str) -> str:
    return text.replace("{{", "{").replace("}}", "}")


def _template_rows(
    bound: BoundSet,
    template: Template,
    records: dict[str, list[dict[str, Any]]],
    columns: dict[str, list[str]],
) -> Iterator[dict[str, Any]]:
    slots = template.slots
    for k in range(bound.n_baselines(template)):
        fillers = {s: bound.template_set.slots[s].neutrals for s in slots}
        neutral = {s: dict(f[k % len(f)]) for s, f in fillers.items()}
        yield _row(template, neutral, slots, columns, is_baseline=True)
    for combo in itertools.product(*(records[s] for s in slots)):
        values = dict(zip(slots, combo, strict=True))
        yield _row(template, values, slots, columns, is_baseline=False)


def _records(lex: Lexicon) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in lex.items.to_dict("records")]


def _row(
    template: Template,
    values: dict[str, dict[str, Any]],
    slots: list[str],
    columns: dict[str, list[str]],
    *,
    is_baseline: bool,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "template_id": template.id,
        "template": template.text,
        "text": fill(template, values),
        "is_baseline": is_baseline,
    }
    for s in slots:
        item = values[s]
        row[s] = item.get("value")
        for col in columns[s]:
            row[f"{s}_{col}"] = item.get(col)
    return row


def _frame(rows: list[dict[str, Any]], bound: BoundSet) -> pd.DataFrame:
    columns = ["probe_id", "template_id", "template", "text", "is_baseline"]
    for s, lex in bound.lexicons.items():
        columns.append(s)
        columns.extend(f"{s}_{c}" for c in lex.metadata_columns)
    frame = pd.DataFrame(rows).reindex(columns=columns)
    frame["probe_id"] = frame["probe_id"].astype("int64")
    frame["is_baseline"] = frame["is_baseline"].astype(bool)
    for s, lex in bound.lexicons.items():
        frame[s] = frame[s].astype(object)
        for c in lex.metadata_columns:
            target = lex.items[c].dtype
            frame[f"{s}_{c}"] = frame[f"{s}_{c}"].astype(
                float if pd.api.types.is_float_dtype(target) else object
            )
    return frame


def _filter(lex: Lexicon, where: dict[str, list[str]], *, label: str) -> Lexicon:
    items = lex.items
    for col, allowed in where.items():
        if col not in items.columns:
            cols = ", ".join(items.columns)
            raise TemplateError(f"{label}: 'where' names unknown column {col!r}; columns: {cols}")
        items = items[items[col].astype(str).isin(allowed)]
    if items.empty:
        raise TemplateError(f"{label}: no lexicon rows left after 'where' filter {where}")
    return Lexicon(name=lex.name, items=items.reset_index(drop=True), meta=lex.meta, path=lex.path)


def _check_field(p: Placeholder, lex: Lexicon, ts: TemplateSet, t: Template) -> None:
    if p.field is None:
        return
    if p.field not in lex.items.columns:
        cols = ", ".join(lex.items.columns)
        raise TemplateError(
            f"{ts.path}: template {t.id!r}: {{{p.slot}.{p.field}}} names no column of lexicon "
            f"{lex.name!r}; columns: {cols}"
        )
    missing = [n for n in ts.slots[p.slot].neutrals if p.field not in n]
    if missing:
        raise TemplateError(
            f"{ts.path}: template {t.id!r} uses {{{p.slot}.{p.field}}} but slot {p.slot!r} "
            f"has no neutral {p.field!r}; give `neutral: {{value: ..., {p.field}: ...}}`"
        )
