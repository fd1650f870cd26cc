"""Token attributions of the extreme pairs, occlusion and integrated gradients side by side.

Reads what ``biasprobe scrutiny`` wrote into the audit folder: ``attributions.csv``
(occlusion, any scorer) and, with ``--integrated-gradients``, ``attributions_ig.csv``
(captum's integrated gradients per word piece). One row per explained text: the slot
value's own attribution under each method and the token that moves the score most, so
"why is X low" is read next to the confound sentences, not guessed.

The IG file has one ``text_id`` per explained text, in the order of the first appearance
of each (slot, side, pair) in ``attributions.csv`` (``biasprobe.scrutiny._scrutiny``). A
value's IG attribution is the sum over the word pieces that spell it; pieces are matched
by their text with the tokenizer's markers (``##``, ``▁``, ``Ġ``) removed, because the
report never loads a tokenizer.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from biasprobe.report._table import Column, Table, table

OCCLUSION_FILE = "attributions.csv"
IG_FILE = "attributions_ig.csv"
KEYS = ["slot", "side", "pair"]
PIECE_MARKS = ("##", "\u2581", "\u0120")
NOTE = (
    "Occlusion: the text's score minus its score with the token (or the whole value) "
    "removed. Integrated gradients (captum): each word piece's share of the score's change "
    "from a padding baseline; a value's number sums its pieces, and |delta| is how far the "
    "pieces' sum misses that change. Positive: the token raises the score."
)
BASE_COLUMNS = [
    Column("slot", "slot"),
    Column("side", "side"),
    Column("value", "value"),
    Column("text", "text"),
    Column("full_score", "score", "num"),
    Column("occlusion_value", "occlusion: value", "signed"),
    Column("occlusion_top", "occlusion: strongest word"),
]
IG_COLUMNS = [
    Column("ig_value", "integrated gradients: value", "signed"),
    Column("ig_top", "integrated gradients: strongest piece"),
    Column("ig_delta", "IG |delta|", "num"),
]


def attributions_table(path: Path) -> Table | None:
    """The attribution table of an audit folder, or ``None`` without ``attributions.csv``.

    The integrated-gradients columns are there only when ``attributions_ig.csv`` is.
    """
    file = path / OCCLUSION_FILE
    if not file.is_file():
        return None
    rows = occlusion_rows(pd.read_csv(file, keep_default_na=False))
    columns = list(BASE_COLUMNS)
    ig_file = path / IG_FILE
    if ig_file.is_file():
        rows = rows.join(ig_rows(pd.read_csv(ig_file, keep_default_na=False), rows))
        columns += IG_COLUMNS
    digest = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:10]
    return table(rows, columns, id=f"attr-{digest}", note=NOTE)


def occlusion_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per explained text: its value's occlusion and the strongest word."""
    out = []
    for key, rows in frame.groupby(KEYS, sort=False):
        words = rows[rows["kind"] == "word"]
        own = rows.loc[rows["kind"] == "value", "attribution"]
        top = _strongest(words)
        out.append(
            {
                **dict(zip(KEYS, key, strict=True)),
                "value": rows["value"].iloc[0],
                "text": rows["text"].iloc[0],
                "full_score": float(rows["full_score"].iloc[0]),
                "occlusion_value": float(own.iloc[0]) if len(own) else np.nan,
                "occlusion_top": _named(top),
            }
        )
    return pd.DataFrame(out)


def ig_rows(frame: pd.DataFrame, texts: pd.DataFrame) -> pd.DataFrame:
    """IG columns for ``texts`` (rows of ``occlusion_rows``, in the same order)."""
    out = []
    for i, value in enumerate(texts["value"].astype(str)):
        pieces = frame[frame["text_id"] == i]
        words = pieces[~pieces["token"].astype(str).str.fullmatch(r"\[\w+\]|<\/?s>|<\w+>")]
        top = _strongest(words)
        span = value_span(pieces["token"].astype(str).tolist(), value)
        own = pieces["attribution"].iloc[span[0] : span[1]].sum() if span else np.nan
        delta = abs(float(pieces["delta"].iloc[0])) if len(pieces) else np.nan
        out.append({"ig_value": own, "ig_top": _named(top), "ig_delta": delta})
    return pd.DataFrame(out, index=texts.index)


def value_span(pieces: list[str], value: str) -> tuple[int, int] | None:
    """``(start, stop)`` of the pieces that spell ``value`` (case and spaces ignored).

    Examples
    --------
    >>> value_span(["[CLS]", "ni", "##ger", "is", "[SEP]"], "Niger")
    (1, 3)
    >>> value_span(["[CLS]", "saint", "lucia", "[SEP]"], "Saint Lucia")
    (1, 3)
    """
    target = _plain(value)
    plain = [_plain(p) for p in pieces]
    for start in range(len(plain)):
        spelled = ""
        for stop in range(start, len(plain)):
            spelled += plain[stop]
            if spelled == target and plain[start]:
                return start, stop + 1
            if not target.startswith(spelled):
                break
    return None


def _plain(text: str) -> str:
    for mark in PIECE_MARKS:
        text = text.replace(mark, "")
    return "".join(text.casefold().split())


def _strongest(rows: pd.DataFrame) -> pd.Series | None:
    if rows.empty:
        return None
    return rows.iloc[int(np.argmax(rows["attribution"].abs().to_numpy(float)))]


def _named(row: pd.Series | None) -> str:
    return "" if row is None else f"{row['token']} ({float(row['attribution']):+.3f})"
