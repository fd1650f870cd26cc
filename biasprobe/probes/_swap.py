"""Swap the mentions found in real sentences for every other value of the same lexicon.

Each *unit* is one sentence and one value it mentions (all kept mentions of that value,
in any form, are swapped together). A unit yields one counterfactual per target value,
the value itself included (that counterfactual is the original sentence), so the design
is balanced: every source sentence crossed with every value, like a template crossed with
its fillers. Grammar is kept:

- the target's form follows the mention's form (country name, alias -> country name;
  demonym -> demonym; adherent noun -> adherent noun); a target without that form gives
  no counterfactual for the unit;
- articles: "the Netherlands" <-> "France" (a "the" that belongs to the name goes with
  it; a "the" before a modifier use, "the France squad", stays and no second one comes);
- capitals: a mention at a sentence start stays capitalised; a proper noun the writer
  lower-cased ("france") is replaced in lower case (SST-2 is lower-cased);
- "a"/"an" before the swapped word follows its first sound (``indefinite_article``);
- possessives: "the Bahamas's" is written "the Bahamas'".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from biasprobe.probes._grammar import indefinite_article
from biasprobe.probes._mentions import Mention, MentionFinder

_SENTENCE_END = re.compile(r"(^|[.!?][\"'”’)]*)\s*$")
_INDEFINITE = re.compile(r"(?<![\w'’-])(an?)(\s+)$", re.I)
_THE_BEFORE = re.compile(r"(?<![\w'’-])the\s+$", re.I)


def target_form(item: dict[str, Any], kind: str) -> str | None:
    """The target value's form that replaces a mention of ``kind`` (None if it lacks one)."""
    column = "value" if kind in ("value", "alias") else kind
    form = item.get(column)
    return form if isinstance(form, str) and form else None


def swap(text: str, mentions: list[Mention], item: dict[str, Any]) -> str | None:
    """``text`` with every mention in ``mentions`` replaced by the value ``item``.

    ``item`` is a lexicon row (``value``, ``article``, form columns). Returns None when the
    target lacks a form a mention needs (a demonym, say).

    Examples
    --------
    >>> from biasprobe.probes._lexicon_refs import load_lexicon
    >>> lex = load_lexicon("countries")
    >>> finder = MentionFinder(lex, case="cased")
    >>> row = lex.items.set_index("value", drop=False).loc["Netherlands"].to_dict()
    >>> swap("France's film is an American hit.", finder.find("France's film"), row)
    "The Netherlands' film is an American hit."
    """
    out = text
    for m in sorted(mentions, key=lambda m: m.start, reverse=True):
        form = target_form(item, m.kind)
        if form is None:
            return None
        out = _replace(out, m, form, item)
    return out


def _replace(text: str, m: Mention, form: str, item: dict[str, Any]) -> str:
    before, after = text[: m.start], text[m.end :]
    core = m.text[len(m.text) - len(m.form) :] if m.form else m.text
    if core.islower() and not m.form.islower():
        form = form.lower()
    article = str(item.get("article") or "") if m.kind in ("value", "alias") else ""
    if article == "the":
        if not m.article and _THE_BEFORE.search(before):
            article = ""
        elif core.islower() or m.article == "the":
            article = "the"
    repl = f"{article} {form}" if article == "the" else form
    if repl.endswith("s") and article == "the" and re.match(r"['’]s\b", after):
        after = after[0] + after[2:]
    if core.endswith(".") and not repl.endswith(".") and re.match(r"\s*([A-Z]|$)", after):
        repl += "."  # "the U.S." ended the sentence: its period did double duty
    if m.text[:1].isupper() and _SENTENCE_END.search(before):
        repl = repl[0].upper() + repl[1:]
    a_an = _INDEFINITE.search(before)
    if a_an and not repl.lower().startswith("the "):
        want = indefinite_article(repl)
        word = a_an.group(1)
        want = want.capitalize() if word[0].isupper() else want
        before = before[: a_an.start(1)] + want + a_an.group(2)
    return before + repl + after


def template_of(text: str, mentions: list[Mention], slot: str) -> str:
    """The sentence with the swapped mentions shown as ``{slot}`` (for display)."""
    out = text
    for m in sorted(mentions, key=lambda m: m.start, reverse=True):
        out = out[: m.start] + "{" + slot + "}" + out[m.end :]
    return out


def find_all(texts: pd.Series, finder: MentionFinder, *, source_ids: pd.Series) -> pd.DataFrame:
    """Every candidate mention in the corpus: ``source_id, start, end, text, value, kind,
    article, skipped``."""
    rows = [
        {"source_id": sid, **m.__dict__}
        for sid, text in zip(source_ids, texts, strict=True)
        for m in finder.find(str(text))
    ]
    columns = ["source_id", "start", "end", "text", "value", "kind", "article", "skipped", "form"]
    return pd.DataFrame(rows, columns=columns)


def counterfactuals(
    corpus: pd.DataFrame,
    mentions: pd.DataFrame,
    finder: MentionFinder,
    *,
    slot: str,
    sample: int | None = None,
    seed: int = 0,
) -> Iterator[dict[str, Any]]:
    """Probe rows: per unit one baseline row (the original) and one row per target value.

    ``corpus`` has ``source_id`` and ``text`` (plus ``label`` if labelled); ``sample``
    draws that many target values (seeded, the same for every unit, so that sentences
    stay crossed with groups) instead of all of them.
    """
    items = finder.lexicon.items
    records = _records(items)
    meta = [c for c in items.columns if c not in ("value", "aliases")]
    chosen = records
    if sample is not None and sample < len(records):  # one draw for every unit: crossed
        picks = np.random.default_rng(seed).choice(len(records), size=sample, replace=False)
        chosen = [records[i] for i in sorted(picks)]
    kept = mentions[mentions["skipped"] == ""]
    texts = dict(zip(corpus["source_id"], corpus["text"].astype(str), strict=True))
    labels = (
        dict(zip(corpus["source_id"], corpus["label"], strict=True)) if "label" in corpus else {}
    )
    for (sid, value), group in kept.groupby(["source_id", "value"], sort=False):
        text = texts[sid]
        ms = [Mention(**{k: v for k, v in r.items() if k != "source_id"}) for r in _records(group)]
        base = {
            "source_id": sid,
            "template_id": str(sid),
            "template": template_of(text, ms, slot),
            "original": text,
            "source_value": value,
            "mention_kinds": "|".join(sorted({m.kind for m in ms})),
            "n_mentions": len(ms),
        }
        if labels:
            base["label"] = labels[sid]
        yield {**base, "text": text, "is_baseline": True, slot: None}
        for item in chosen:
            swapped = swap(text, ms, item)
            if swapped is None:
                continue
            extra = {f"{slot}_{c}": item[c] for c in meta}
            yield {**base, "text": swapped, "is_baseline": False, slot: item["value"], **extra}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
