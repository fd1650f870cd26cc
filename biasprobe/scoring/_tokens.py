"""A model's own tokenizer, for lexical confound reports (word pieces, unknown tokens).

Only the tokenizer is loaded (fast: no weights), from the scorer when it already holds one
or from the model folder / Hub id otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from biasprobe._errors import ModelError


@dataclass(frozen=True)
class WordPieces:
    """Split a text into the model's word pieces (special tokens excluded).

    ``unk_token`` is the piece the tokenizer uses for what it cannot spell (``[UNK]``), or
    ``None``. ``source`` names where the tokenizer came from.

    Examples
    --------
    >>> pieces = WordPieces(tokenize=lambda t: t.lower().split(), unk_token=None, source="split")
    >>> pieces.count("Saint Lucia")
    (2, 0)
    """

    tokenize: Callable[[str], list[str]]
    unk_token: str | None
    source: str

    def count(self, text: str) -> tuple[int, int]:
        """Number of word pieces and of unknown pieces in ``text``."""
        pieces = self.tokenize(text)
        unk = sum(p == self.unk_token for p in pieces) if self.unk_token else 0
        return len(pieces), unk


def word_pieces(model: Any) -> WordPieces:
    """The word-piece splitter of a scorer, a model folder or a Hub id.

    Parameters
    ----------
    model
        A ``HFScorer`` (its tokenizer is reused), a scorer or callable with a ``tokenize``
        attribute, or a model folder / Hub id (only the tokenizer is loaded).
    """
    ref = getattr(model, "model_ref", None)
    if ref is not None:  # a transformers scorer: its tokenizer alone, no weights loaded
        model = str(ref)
    fn = getattr(model, "tokenize", None)
    if callable(fn):
        return WordPieces(tokenize=fn, unk_token=getattr(model, "unk_token", None), source="scorer")
    if isinstance(model, str | Path):
        fast = Path(model) / "tokenizer.json"
        if fast.is_file():  # the Rust tokenizer alone: no transformers, no torch
            return _from_rust(fast, source=str(model))
        return _from_hf(_load_tokenizer(str(model)), source=str(model))
    raise ModelError(
        f"cannot find a tokenizer for {type(model).__name__}: pass a transformers model "
        "(Hub id or folder) or give the callable a `tokenize(text) -> list[str]` attribute"
    )


def _from_rust(path: Path, *, source: str) -> WordPieces:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))

    def tokenize(text: str) -> list[str]:
        return list(tok.encode(text, add_special_tokens=False).tokens)

    unk = getattr(tok.model, "unk_token", None)
    return WordPieces(tokenize=tokenize, unk_token=unk, source=source)


def _from_hf(tokenizer: Any, *, source: str) -> WordPieces:
    return WordPieces(tokenize=tokenizer.tokenize, unk_token=tokenizer.unk_token, source=source)


def _load_tokenizer(model: str) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(model)
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"{model}: cannot load its tokenizer ({type(exc).__name__}: {exc}); give a model "
            "folder with tokenizer files or a reachable Hub id"
        ) from None
