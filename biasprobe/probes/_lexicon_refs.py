"""Where lexicons come from: shipped names, CSV paths and run-time refs (HolisticBias).

Kept apart from the parser (``_lexicon``) so that the HolisticBias loader, which builds a
``Lexicon``, and this resolver, which dispatches to it, do not import each other.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from biasprobe._errors import LexiconError
from biasprobe._io import read_text
from biasprobe.probes._holistic import is_holistic_ref, load_holistic_lexicon
from biasprobe.probes._lexicon import Lexicon, parse_lexicon


def lexicon_dir() -> Path:
    """The folder of shipped lexicons."""
    return Path(str(resources.files("biasprobe") / "data" / "lexicons"))


def shipped_lexicons() -> list[str]:
    """Names of the lexicons shipped with biasprobe.

    Examples
    --------
    >>> "countries" in shipped_lexicons()
    True
    """
    return sorted(p.stem for p in lexicon_dir().glob("*.csv"))


def resolve_lexicon_path(ref: str, *, relative_to: Path | None = None) -> Path:
    """Turn a shipped name or a file path into a path, or raise ``LexiconError``."""
    looks_like_path = ref.endswith(".csv") or "/" in ref or "\\" in ref
    if looks_like_path:
        path = Path(ref)
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
        return path
    shipped = lexicon_dir() / f"{ref}.csv"
    if shipped.is_file():
        return shipped
    valid = ", ".join(shipped_lexicons()) or "(none)"
    raise LexiconError(f"unknown lexicon {ref!r}; shipped lexicons: {valid}; or give a .csv path")


def load_lexicon(ref: str, *, relative_to: Path | None = None) -> Lexicon:
    """Load a shipped lexicon by name, or a lexicon CSV by path.

    Examples
    --------
    >>> lex = load_lexicon("countries")
    >>> lex.items.set_index("value").loc["Netherlands", "article"]
    'the'
    """
    if is_holistic_ref(ref):  # run-time lexicon (licence forbids shipping): holistic_bias:v1.1
        return load_holistic_lexicon(ref)
    path = resolve_lexicon_path(ref, relative_to=relative_to)
    text = read_text(path, error=LexiconError)
    return parse_lexicon(text, source=str(path), name=path.stem)
