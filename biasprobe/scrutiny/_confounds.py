"""Lexical confounds of an audit: what about the *word* could explain a group's score.

A slot value is a string before it is an identity. Per value this module measures:

- ``n_pieces`` / ``n_unk``: word pieces and unknown pieces from the model's own tokenizer
  (a rare or split name is read differently from a one-piece name);
- ``bare_score``: the model's score of the value alone, and ``frame_score`` in a neutral
  frame ("The word is {value}.") -- if the bare word already scores low, the template adds
  nothing and the finding is about the word;
- ``homograph``: the value is in the shipped list of identity terms that are also ordinary
  words (Turkey, Chad, Grace, Will, ...), ``biasprobe/data/confounds/homographs.csv``;
- ``corpus_n`` / ``corpus_positive_share``: how often the value occurs (whole word,
  case-insensitive) in a labelled reference corpus, e.g. the classifier's training data
  (SST-2 train: ``../shared/datasets/sst2/train.tsv``), and the share of those lines
  labelled positive.

``_confound_effects`` turns the table into adjusted group effects and per-finding flags.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from biasprobe._errors import DataError
from biasprobe.scoring._tokens import WordPieces

if TYPE_CHECKING:
    from biasprobe.audits._result import AuditResult

NEUTRAL_FRAME = "The word is {value}."
TEXT_COLUMNS = ("text", "sentence", "content")
ScoreFn = Callable[[list[str]], np.ndarray]


def load_homographs() -> pd.DataFrame:
    """The shipped homograph list: value, kind, other_sense."""
    path = resources.files("biasprobe") / "data" / "confounds" / "homographs.csv"
    with resources.as_file(path) as file:
        return pd.read_csv(file, comment="#", dtype=str)


def score_function(scorer: Any, *, cache: Any = None) -> ScoreFn:
    """``texts -> score`` (the scorer's ``score_label`` column) for a loaded scorer.

    With a ``cache`` (a ``ScoreCache`` or path) the texts go through the score cache like an
    audit's, so cached texts never load the model.
    """
    if cache is not None:
        from biasprobe.scoring._score_texts import score_texts

        def cached(texts: list[str]) -> np.ndarray:
            table = score_texts(list(texts), scorer=scorer, cache=cache, progress=False)
            return table["score"].to_numpy(dtype=float)

        return cached

    def score(texts: list[str]) -> np.ndarray:
        probs = np.asarray(scorer(list(texts)), dtype=float)
        return probs[:, scorer.labels.index(scorer.score_label)]

    return score


def read_reference_corpus(path: str | Path) -> pd.DataFrame:
    """A labelled corpus (``label`` + ``text``/``sentence``/``content``), from a TSV/CSV file
    or a folder holding ``train.tsv`` (the GLUE SST-2 layout).

    Returns
    -------
    pandas.DataFrame
        Columns ``text`` (lower-cased) and ``label``.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "train.tsv"
    if not p.is_file():
        raise DataError(
            f"{path}: no reference corpus there; give a TSV/CSV file or a folder "
            "with train.tsv (e.g. ../shared/datasets/sst2)"
        )
    frame = pd.read_csv(p, sep="\t" if p.suffix == ".tsv" else ",", quoting=3, dtype=str)
    text_col = next((c for c in TEXT_COLUMNS if c in frame.columns), None)
    if text_col is None or "label" not in frame.columns:
        raise DataError(
            f"{p}: a reference corpus needs a 'label' column and one of "
            f"{', '.join(TEXT_COLUMNS)}; columns: {', '.join(frame.columns)}"
        )
    return pd.DataFrame({"text": frame[text_col].str.lower(), "label": frame["label"]})


def corpus_counts(values: list[str], corpus: pd.DataFrame, *, positive: str = "1") -> pd.DataFrame:
    """Per value: lines of ``corpus`` containing it as a whole word, and their positive share."""
    rows = []
    for value in values:
        pattern = r"(?<![\w'])" + re.escape(value.lower()) + r"(?![\w'])"
        hit = corpus["text"].str.contains(pattern, regex=True)
        n = int(hit.sum())
        share = float((corpus.loc[hit, "label"] == positive).mean()) if n else float("nan")
        rows.append({"value": value, "corpus_n": n, "corpus_positive_share": share})
    return pd.DataFrame(rows)


def term_table(
    result: AuditResult,
    slot: str,
    *,
    pieces: WordPieces,
    score: ScoreFn | None = None,
    corpus: pd.DataFrame | None = None,
    group: str | None = None,
) -> pd.DataFrame:
    """One row per value of ``slot``: its audit mean and the lexical facts about the word.

    Columns: slot, value, group (the grouping metadata, when any), mean, n_pieces, n_unk,
    pieces, bare_score, frame_score, homograph, other_sense, corpus_n,
    corpus_positive_share (NaN where not measured).
    """
    groups = result.by_group(slot)
    values = groups["value"].astype(str).tolist()
    counts = [pieces.count(v) for v in values]
    out = pd.DataFrame(
        {
            "slot": slot,
            "value": values,
            "group": _levels(groups[group]) if group else None,
            "mean": groups["mean"].to_numpy(),
            "n_pieces": [c[0] for c in counts],
            "n_unk": [c[1] for c in counts],
            "pieces": [" ".join(pieces.tokenize(v)) for v in values],
        }
    )
    out["bare_score"], out["frame_score"] = _bare_scores(values, score)
    homo = load_homographs().drop_duplicates("value").set_index("value")["other_sense"]
    out["homograph"] = out["value"].isin(homo.index)
    out["other_sense"] = out["value"].map(homo)
    if corpus is not None:
        out = out.merge(corpus_counts(values, corpus), on="value", how="left")
    else:
        out["corpus_n"], out["corpus_positive_share"] = np.nan, np.nan
    return out


def _levels(column: pd.Series) -> np.ndarray:
    # a value without a level (an empty metadata cell) is left out of group comparisons
    text = column.astype("string").str.strip()
    return text.where(text.notna() & (text != ""), None).to_numpy(dtype=object)


def _bare_scores(values: list[str], score: ScoreFn | None) -> tuple[Any, Any]:
    if score is None:
        return np.nan, np.nan
    framed = [NEUTRAL_FRAME.format(value=v) for v in values]
    both = np.asarray(score(values + framed), dtype=float)
    return both[: len(values)], both[len(values) :]
