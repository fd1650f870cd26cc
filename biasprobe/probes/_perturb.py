"""Rewording families: meaning-keeping variants of a template set's own wordings.

Each rule rewrites every wording it applies to (the others stay as they are), giving one
variant set per rule:

- ``punctuation``: the final full stop becomes an exclamation mark;
- ``synonym``: words swapped for near-synonyms from the shipped list
  (``biasprobe/data/perturb/rewordings.csv``: film/movie, trip/journey, ...);
- ``fronting``: a final time adverbial ("next month", "yesterday", ...) moved to the front;
- ``clause``: a neutral clause added (", as far as I know" before the final stop);
- ``tense``: present-tense verbs of the shipped list put in the past (is/was, lives/lived).

A finding that moves across these variants rests on the wording, not on the group.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from importlib import resources

import pandas as pd

from biasprobe.probes._template_set import Template, TemplateSet, parse_placeholders

RULES = ("punctuation", "synonym", "fronting", "clause", "tense")
TIME_ADVERBIALS = (
    "next month", "last month", "yesterday", "today", "tomorrow", "this morning",
    "this afternoon", "tonight", "at dinner tonight", "on Monday", "all week",
)  # fmt: skip
CLAUSE = ", as far as I know"


def rewordings() -> pd.DataFrame:
    """The shipped word swaps: rule, word, replacement."""
    path = resources.files("biasprobe") / "data" / "perturb" / "rewordings.csv"
    with resources.as_file(path) as file:
        return pd.read_csv(file, comment="#", dtype=str)


def punctuation(text: str) -> str:
    return re.sub(r"\.$", "!", text)


def fronting(text: str) -> str:
    for adv in sorted(TIME_ADVERBIALS, key=len, reverse=True):
        m = re.search(rf"\s{re.escape(adv)}\.$", text)
        if m:
            body = text[: m.start()]
            if not body.startswith(("{", "I ")):  # keep placeholders and "I" as they are
                body = body[0].lower() + body[1:]
            return f"{adv[0].upper()}{adv[1:]}, {body}."
    return text


def clause(text: str) -> str:
    return re.sub(r"\.$", f"{CLAUSE}.", text)


def _swapper(rule: str) -> Callable[[str], str]:
    table = rewordings()
    pairs = table[table["rule"] == rule][["word", "replacement"]].itertuples(index=False)
    mapping = {str(w): str(r) for w, r in pairs}
    pattern = re.compile(
        r"(?<![\w{.])(" + "|".join(re.escape(w) for w in mapping) + r")(?![\w}])", re.I
    )

    def swap(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            new = mapping[m.group(0).lower()]
            return new[0].upper() + new[1:] if m.group(0)[0].isupper() else new

        return pattern.sub(one, text)

    return swap


def rule_function(rule: str) -> Callable[[str], str]:
    """The text rewrite of one rule (``RULES``)."""
    simple = {"punctuation": punctuation, "fronting": fronting, "clause": clause}
    return simple[rule] if rule in simple else _swapper(rule)


def perturbed_sets(tset: TemplateSet) -> dict[str, TemplateSet]:
    """One variant set per rule that changes at least one wording (``name/rule``)."""
    out = {}
    for rule in RULES:
        rewrite = rule_function(rule)
        templates = tuple(_rewrite(t, rewrite, tset) for t in tset.templates)
        if any(a.text != b.text for a, b in zip(templates, tset.templates, strict=True)):
            out[rule] = dataclasses.replace(tset, name=f"{tset.name}/{rule}", templates=templates)
    return out


def _rewrite(template: Template, rewrite: Callable[[str], str], tset: TemplateSet) -> Template:
    text = rewrite(template.text)
    if text == template.text:
        return template
    where = f"{tset.path}: template {template.id!r} reworded"
    return Template(id=template.id, text=text, placeholders=parse_placeholders(text, where=where))
