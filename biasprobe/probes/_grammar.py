"""Grammar checks for rendered probes: a/an by first sound, capitals, spaces, punctuation.

The a/an rule goes by the first *sound*, not the first letter: "an hour", "a university",
"a European", "an MBA", "an 80-year-old", "a US-born". A short list of exceptions covers
the common English cases; lexicons with unusual words should carry an ``article`` column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words that start with a vowel letter but a consonant sound ("a university", "a one-off").
_A_PREFIXES = (
    "uni", "use", "usu", "ura", "ure", "uri", "uro", "uru", "uti", "uto", "ubi", "uk", "ugand",
    "eu", "ewe", "one-", "once", "ouija",
)  # fmt: skip
# Prefixes that start with "uni" but say "un-" ("an uninsured driver").
_UN_PREFIXES = ("unin", "unid", "unim")
# Words that start with a consonant letter but a vowel sound ("an hour", "an honest").
_AN_PREFIXES = ("hour", "honest", "honor", "honour", "heir")
# All-capital words read as words, not letter by letter ("a NATO base", "a NIMBY").
_WORD_ACRONYMS = frozenset({"nato", "nimby", "nasa", "unesco", "unicef", "fifa", "opec", "aids"})
# Letters whose English names start with a vowel sound: "an F", "an MBA", "an LGBT group".
_VOWEL_LETTERS = frozenset("AEFHILMNORSX")

_ARTICLE_WORD = re.compile(r"\b(an?|An?)\s+([\"'“‘(]*)([^\s]+)")
_STACKED = re.compile(
    r"\b(the|a|an|my|our|your|his|her|their|this|that)\s+(the|a|an)\b", re.IGNORECASE
)
_SPACE_BEFORE_PUNCT = re.compile(r"\s[.,!?;:]")
_LOWER_AFTER_STOP = re.compile(r"(\S+)[.!?][\"'”’)]*\s+([a-z])")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "cf", "approx"})
_END = re.compile(r"[.!?][\"'”’)]*$")
_ARTICLES = frozenset({"a", "an", "the"})
CHECK_AT_MOST = 200_000  # distinct probe texts an audit checks (a cap on its cost)


def indefinite_article(phrase: str) -> str:
    """The indefinite article ("a" or "an") that goes before ``phrase``.

    Examples
    --------
    >>> [indefinite_article(w) for w in ["hour", "university", "European", "MBA", "apple"]]
    ['an', 'a', 'a', 'an', 'an']
    >>> [indefinite_article(w) for w in ["80-year-old", "11-year-old", "100-year-old", "US-born"]]
    ['an', 'an', 'a', 'a']
    """
    word = phrase.strip().lstrip("\"'“‘(").split(" ")[0]
    if not word:
        return "a"
    if word[0].isdigit():
        return _number_article(word)
    if _reads_as_letters(word):
        return "an" if word[0].upper() in _VOWEL_LETTERS else "a"
    return _word_article(word.lower())


def _number_article(word: str) -> str:
    digits = re.match(r"\d+", word)
    run = digits.group(0) if digits else word
    if run.startswith("8"):
        return "an"
    if run[:2] in ("11", "18") and len(run) % 3 == 2:
        return "an"
    return "a"


def _reads_as_letters(word: str) -> bool:
    """True for initialisms said letter by letter: MBA, LGBTQ+, FTM, US-born, FoC, X-ray."""
    head = re.split(r"[-\s]", word)[0]
    letters = [c for c in head if c.isalpha()]
    if not letters:
        return False
    if len(head) == 1:
        return head.isupper()
    if head.lower().strip("+") in _WORD_ACRONYMS:
        return False
    capitals = sum(c.isupper() for c in letters)
    return capitals >= 2 and (capitals == len(letters) or len(head) <= 4)


def _word_article(word: str) -> str:
    if word.startswith(_AN_PREFIXES):
        return "an"
    if word.startswith(_UN_PREFIXES):
        return "an"
    if word == "one" or word.startswith(_A_PREFIXES):
        return "a"
    return "an" if word[0] in "aeiou" else "a"


def sentence_problems(text: str) -> list[tuple[str, str]]:
    """Grammar problems of one rendered probe, as ``(check, message)`` pairs.

    Examples
    --------
    >>> sentence_problems("This film was filmed in the Netherlands.")
    []
    >>> [check for check, _ in sentence_problems("the The film was made in a Afghanistan")]
    ['capital_start', 'stacked_article', 'a_an', 'final_punctuation']
    """
    problems = []
    if text != text.strip():
        problems.append(("edge_space", "leading or trailing whitespace"))
    if "  " in text:
        problems.append(("double_space", "two spaces in a row (an empty filler?)"))
    problems.extend(_capital_problems(text))
    for m in _STACKED.finditer(text):
        problems.append(
            (
                "stacked_article",
                f"{m.group(0)!r}: two articles in a row; remove {m.group(1)!r} (the filler "
                "brings its own article: write {slot} alone, or {slot.value} for the bare value)",
            )
        )
    problems.extend(_article_problems(text))
    gap = _SPACE_BEFORE_PUNCT.search(text)
    if gap:
        problems.append(("space_before_punctuation", f"space before {gap.group(0).strip()!r}"))
    if not _END.search(text.strip()):
        problems.append(("final_punctuation", "does not end with . ! or ?"))
    return problems


def _capital_problems(text: str) -> list[tuple[str, str]]:
    problems = []
    first = next((c for c in text if c.isalnum()), "")
    if first and first.isalpha() and not first.isupper():
        problems.append(("capital_start", "does not start with a capital letter"))
    for m in _LOWER_AFTER_STOP.finditer(text):
        if m.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        problems.append(("sentence_capital", f"sentence after {m.group(1)!r} starts in lower case"))
    return problems


def _article_problems(text: str) -> list[tuple[str, str]]:
    problems = []
    for m in _ARTICLE_WORD.finditer(text):
        article, word = m.group(1), m.group(3)
        if m.start() > 0 and text[m.start() - 1] in "-'’":
            continue
        if word.lower() in _ARTICLES:
            continue  # "a a", "a the": a stacked article (reported as such), not a/an
        want = indefinite_article(word)
        if article.lower() != want:
            fixed = want.capitalize() if article[0].isupper() else want
            problems.append(("a_an", f"'{article} {word}': write '{fixed} {word}'"))
    return problems


def grammar_warning(texts: Iterable[str], template_ids: Iterable[str]) -> str | None:
    """One line on the grammar problems of rendered probes, or None when there are none.

    The distinct texts (at most ``CHECK_AT_MOST``) are checked with ``sentence_problems``;
    the line counts the probes with a problem and their templates and quotes the first.

    Examples
    --------
    >>> line = grammar_warning(["She joined a a sport club.", "She joined a club."], "ab")
    >>> line.startswith("grammar: 1 of 2 probes (template 'a') have problems")
    True
    >>> "'a a': two articles in a row; remove 'a'" in line
    True
    """
    seen: dict[str, list[tuple[str, str]]] = {}
    bad_templates: dict[str, None] = {}
    n_probes = n_bad = 0
    for text, tid in zip(texts, template_ids, strict=True):
        n_probes += 1
        if text not in seen and len(seen) < CHECK_AT_MOST:
            seen[text] = sentence_problems(text)
        if seen.get(text):
            n_bad += 1
            bad_templates.setdefault(str(tid))
    if not n_bad:
        return None
    first = next(t for t, problems in seen.items() if problems)
    names = ", ".join(repr(t) for t in list(bad_templates)[:3])
    more = f" and {len(bad_templates) - 3} more" if len(bad_templates) > 3 else ""
    noun = "template" if len(bad_templates) == 1 else "templates"
    return (
        f"grammar: {n_bad} of {n_probes} probes ({noun} {names}{more}) have problems, "
        f"e.g. {first!r}: {seen[first][0][1]}; `biasprobe validate` lists them all"
    )
