"""Find mentions of a lexicon's values in real sentences.

A lexicon value can appear in several *forms*: the value itself ("Netherlands", with its
article "the"), its aliases ("Holland", "The Netherlands") and, where the lexicon has
them, other word forms (``demonym`` of countries: "Dutch"; ``adherent_noun`` of
religions: "Jew"). Matching is case-insensitive, on word boundaries, leftmost-longest
("Democratic Republic of the Congo" before "Republic of the Congo"). A form shared by two
values ("Congolese") is ambiguous and skipped.

Homographs ("turkey", "Jordan Peele", "Will it rain?") are skipped by the rules of the
shipped ``data/homographs.csv``. In a lower-cased corpus (SST-2) case carries no
information, so every homograph row except ``preceded_by`` skips its form outright.
Every candidate is reported, kept or skipped with its reason.

A hand-written matcher because the libraries that do this (spaCy's ``PhraseMatcher``,
flashtext) are not dependencies, and the rules (articles, demonyms, homograph context)
are ours anyway.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from biasprobe._errors import UsageError
from biasprobe.probes._lexicon import Lexicon

FORM_COLUMNS = ("demonym", "adherent_noun")  # other word forms of a value
CASE_MODES = ("auto", "cased", "lower")
_WORD = re.compile(r"\w+")
_CAPITALISED = re.compile(r"[A-Z][a-z'’]+")
# capitalised only because they open a sentence ("In Jordan, ..."), so not a first name
_SENTENCE_OPENERS = frozenset(
    [
        "in",
        "to",
        "from",
        "the",
        "and",
        "but",
        "for",
        "of",
        "at",
        "on",
        "with",
        "after",
        "before",
        "since",
        "about",
        "like",
        "visit",
        "visiting",
        "beyond",
        "across",
        "inside",
        "outside",
        "near",
        "than",
        "unlike",
    ]
)
_SENTENCE_END = re.compile(r"(^|[.!?][\"'”’)]*)\s*$")


@dataclass(frozen=True)
class Form:
    """One surface form of a lexicon value."""

    text: str
    value: str
    kind: str  # "value", "alias", or a FORM_COLUMNS name


@dataclass(frozen=True)
class Mention:
    """A candidate mention in one sentence; ``skipped`` is empty when it is kept.

    ``start:end`` covers the form and, for a value whose article is "the", a "the" just
    before it (``article`` is then "the").
    """

    start: int
    end: int
    text: str
    value: str
    kind: str
    article: str = ""
    skipped: str = ""
    form: str = ""  # the lexicon's spelling of the matched form


def load_homographs(path: str | Path | None = None) -> pd.DataFrame:
    """The homograph table (``lexicon, form, rule, other_sense``); the shipped one by default."""
    if path is None:
        text = (resources.files("biasprobe") / "data" / "homographs.csv").read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def detect_case(texts: list[str] | pd.Series) -> str:
    """``"lower"`` when the corpus has (almost) no capital letters, else ``"cased"``.

    Examples
    --------
    >>> detect_case(["one long string of cliches .", "a gem from france ."])
    'lower'
    """
    sample = "".join(list(texts)[:5000])
    letters = sum(c.isalpha() for c in sample)
    upper = sum(c.isupper() for c in sample)
    return "lower" if letters and upper / letters < 0.002 else "cased"


class MentionFinder:
    """Finds the mentions of one lexicon's values.

    Parameters
    ----------
    lexicon
        The lexicon; its ``aliases`` column (``|``-separated) and ``demonym`` /
        ``adherent_noun`` columns add forms.
    case
        ``"cased"`` (capitals are informative), ``"lower"`` (a lower-cased corpus), or
        ``"auto"``, decided per corpus with ``detect_case`` (call ``for_corpus``).
    homographs
        The homograph table; the shipped one by default.

    Examples
    --------
    >>> from biasprobe.probes._lexicon_refs import load_lexicon
    >>> finder = MentionFinder(load_lexicon("countries"), case="cased")
    >>> [(m.text, m.value, m.skipped) for m in finder.find("The Netherlands beat Turkey.")]
    [('The Netherlands', 'Netherlands', ''), ('Turkey', 'Turkey', '')]
    >>> [m.skipped for m in finder.find("We ate turkey in Chad.")]
    ['homograph (lower case: the bird)', '']
    """

    def __init__(
        self, lexicon: Lexicon, *, case: str = "cased", homographs: pd.DataFrame | None = None
    ) -> None:
        if case not in CASE_MODES:
            raise UsageError(f"unknown case mode {case!r}; valid: {', '.join(CASE_MODES)}")
        self.lexicon = lexicon
        self.case = case
        table = load_homographs() if homographs is None else homographs
        rows = table[table["lexicon"] == lexicon.name]
        self.rules = {
            str(r.form).lower(): (str(r.rule), str(r.other_sense)) for r in rows.itertuples()
        }
        self.forms, self.ambiguous = _forms(lexicon)
        self.articles = dict(zip(lexicon.items["value"], _column(lexicon, "article"), strict=True))
        ordered = sorted([*self.forms, *self.ambiguous], key=len, reverse=True)
        alternation = "|".join(re.escape(f) for f in ordered)
        self._pattern = re.compile(rf"(?<![\w'’-])(?:{alternation})(?![\w-]|['’]\w\w)", re.I)
        self._first_words = {_WORD.findall(f.lower())[0] for f in ordered if _WORD.findall(f)}

    def for_corpus(self, texts: list[str] | pd.Series) -> MentionFinder:
        """This finder with ``case="auto"`` resolved on ``texts``."""
        if self.case != "auto":
            return self
        finder = MentionFinder.__new__(MentionFinder)
        finder.__dict__.update(self.__dict__, case=detect_case(texts))
        return finder

    def find(self, text: str) -> list[Mention]:
        """Every candidate mention in ``text``, left to right, kept or skipped."""
        if not set(_WORD.findall(text.lower())) & self._first_words:
            return []
        return [self._mention(text, m) for m in self._pattern.finditer(text)]

    def _mention(self, text: str, match: re.Match[str]) -> Mention:
        surface = match.group(0)
        key = surface.lower()
        if key in self.ambiguous:
            values = " and ".join(self.ambiguous[key])
            return Mention(
                match.start(),
                match.end(),
                surface,
                "",
                "ambiguous",
                "",
                f"ambiguous form (of {values})",
            )
        form = self.forms[key]
        start, article = match.start(), ""
        before = text[:start]
        if form.kind in ("value", "alias") and self.articles.get(form.value) == "the":
            the = re.search(r"(?<![\w])(the)\s+$", before, re.I)
            if the:
                start, article = the.start(1), "the"
        reason = self._skip_reason(text, match, form)
        span = text[start : match.end()]
        return Mention(start, match.end(), span, form.value, form.kind, article, reason, form.text)

    def _skip_reason(self, text: str, match: re.Match[str], form: Form) -> str:
        rule = self.rules.get(match.group(0).lower())
        if rule is None:
            return ""
        rules, sense = rule[0].split("+"), rule[1]
        why = f": {sense}" if sense else ""
        before, after = text[: match.start()], text[match.end() :]
        for r in rules:
            if r.startswith("preceded_by:"):
                prev = re.search(r"([\w'’]+)[\s-]*$", before)
                if prev and prev.group(1).lower() in {w.lower() for w in r[12:].split("|")}:
                    return f"homograph (after {prev.group(1)!r}{why})"
            elif r == "always":
                return f"homograph{why and f' ({sense})'}"
            elif self.case == "lower":
                return f"homograph in a lower-cased corpus{why and f' ({sense})'}"
            elif r == "lowercase" and match.group(0).islower():
                return f"homograph (lower case{why})"
            elif r == "sentence_start" and _SENTENCE_END.search(before):
                return f"homograph (sentence start{why})"
            elif r == "person" and _next_to_name(before, after):
                return f"homograph (next to a capitalised name{why})"
        return ""


def _next_to_name(before: str, after: str) -> bool:
    """A capitalised surname-like token right after, or a capitalised token right before
    that does not start a sentence ("Michael Jordan", "Jordan Peele")."""
    nxt = re.match(r"\s+([\w'’]+)", after)
    if nxt and _CAPITALISED.fullmatch(nxt.group(1)):
        return True
    prev = re.search(r"([\w'’]+)\s+$", before)
    if prev and _CAPITALISED.fullmatch(prev.group(1)):
        starts = _SENTENCE_END.search(before[: prev.start()])
        return not (starts and prev.group(1).lower() in _SENTENCE_OPENERS)
    return False


def _column(lexicon: Lexicon, name: str) -> list[str]:
    items = lexicon.items
    if name not in items.columns:
        return [""] * len(items)
    return [str(v) if isinstance(v, str) else "" for v in items[name]]


def _forms(lexicon: Lexicon) -> tuple[dict[str, Form], dict[str, list[str]]]:
    """Forms by lower-cased text, and the forms shared by several values."""
    candidates: dict[str, list[Form]] = {}
    values = [str(v) for v in lexicon.items["value"]]

    def add(text: str, value: str, kind: str) -> None:
        text = text.strip()
        if not text:
            return
        if kind == "alias" and text.lower().startswith("the "):
            text = text[4:]
        if "," in text:  # catalogue spellings ("Korea, Republic of") are not running text
            return
        candidates.setdefault(text.lower(), []).append(Form(text, value, kind))

    for value in values:
        add(value, value, "value")
    for alias_cell, value in zip(_column(lexicon, "aliases"), values, strict=True):
        for alias in alias_cell.split("|"):
            add(alias, value, "alias")
    for col in FORM_COLUMNS:
        for form, value in zip(_column(lexicon, col), values, strict=True):
            if form != value:
                add(form, value, col)
    forms: dict[str, Form] = {}
    ambiguous: dict[str, list[str]] = {}
    for key, found in candidates.items():
        owners = list(dict.fromkeys(f.value for f in found))
        if len(owners) > 1:
            ambiguous[key] = owners
        else:
            best = min(found, key=lambda f: ("value", "alias", *FORM_COLUMNS).index(f.kind))
            forms[key] = best
    return forms, ambiguous
