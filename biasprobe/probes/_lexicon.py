"""Lexicons: attribute lists with per-item metadata, stored as annotated CSV files.

A lexicon file starts with ``# key: value`` metadata lines (name, description, source,
licence, version), then a CSV header. The ``value`` column is required: the filler as it
appears in a sentence, without article. An optional ``article`` column ("the", "a", "an")
is put before the value when a slot is filled. Other columns are metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pandas as pd

from biasprobe._errors import LexiconError

REQUIRED_COLUMNS = ("value",)
ARTICLES = frozenset({"", "the", "a", "an"})


@dataclass(frozen=True)
class Lexicon:
    """One attribute list: ``items`` (a DataFrame with a ``value`` column) plus metadata.

    Attributes
    ----------
    name
        The lexicon's name (its ``# name:`` header, else the file name).
    items
        One row per value: ``value``, optional ``article``, and metadata columns.
    meta
        The ``# key: value`` header (source, licence, version, ...).
    path
        Where it was read from.
    """

    name: str
    items: pd.DataFrame
    meta: dict[str, str] = field(default_factory=dict)
    path: str = ""

    @property
    def metadata_columns(self) -> list[str]:
        """Columns other than ``value`` and ``article``."""
        return [c for c in self.items.columns if c not in ("value", "article")]

    def __len__(self) -> int:
        return len(self.items)


def parse_lexicon(text: str, *, source: str, name: str) -> Lexicon:
    """Parse the text of a lexicon file; ``source`` names it in error messages."""
    lines = text.split("\n")
    meta: dict[str, str] = {}
    n_meta = 0
    for line in lines:
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("#").partition(":")
        if sep:
            meta[key.strip()] = value.strip()
        n_meta += 1
    body = "\n".join(lines[n_meta:])
    if not body.strip():
        raise LexiconError(
            f"{source}: lexicon is empty; expected a CSV header with a 'value' column"
        )
    try:
        items = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first = str(exc).splitlines()[0]
        raise LexiconError(f"{source}: malformed CSV ({first})") from None
    _validate(items, source=source, header_line=n_meta + 1)
    items = _coerce_numbers(items)
    return Lexicon(name=meta.get("name", name), items=items, meta=meta, path=source)


def _validate(items: pd.DataFrame, *, source: str, header_line: int) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in items.columns]
    if missing:
        found = ", ".join(items.columns)
        raise LexiconError(
            f"{source}, line {header_line}: missing required column {missing[0]!r}; "
            f"columns found: {found}"
        )
    if items.empty:
        raise LexiconError(f"{source}: lexicon has a header but no rows")
    values = items["value"].str.strip()
    for idx in values.index[values == ""]:
        raise LexiconError(f"{source}, line {header_line + 1 + int(idx)}: empty 'value'")
    dup = values.duplicated()
    for idx in values.index[dup]:
        raise LexiconError(
            f"{source}, line {header_line + 1 + int(idx)}: duplicate value {values[idx]!r}"
        )
    if "article" in items.columns:
        bad = ~items["article"].isin(ARTICLES)
        for idx in items.index[bad]:
            raise LexiconError(
                f"{source}, line {header_line + 1 + int(idx)}: article "
                f"{items.at[idx, 'article']!r} is not one of 'the', 'a', 'an' or empty"
            )


def _coerce_numbers(items: pd.DataFrame) -> pd.DataFrame:
    """Turn columns that are entirely numeric (lat, lon, shares) into floats."""
    out = items.copy()
    for col in out.columns:
        if col in ("value", "article"):
            continue
        converted = pd.to_numeric(out[col].replace("", None), errors="coerce")
        non_empty = out[col] != ""
        if non_empty.any() and converted[non_empty].notna().all():
            out[col] = converted.astype(float)
    return out
