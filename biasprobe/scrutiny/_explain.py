"""Token attributions of an audit's extreme pairs: why does X score low, with evidence.

Occlusion (model-agnostic, any scorer): a token's attribution is the score of the full
text minus the score with that token removed; the slot value is also removed as a whole
(one row with ``kind = "value"``), so a multi-word value gets one number. Positive: the
token raises the score. Occlusion is written here because it must work for any callable
scorer; captum's ``Occlusion`` works on tensors of a differentiable model.

Integrated gradients (transformers models only) go through captum in
``biasprobe.scoring._attributions``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from biasprobe.scrutiny._confounds import ScoreFn

if TYPE_CHECKING:
    from biasprobe.audits._result import AuditResult

TOKEN = re.compile(r"\w+(?:'\w+)?|[^\w\s]")
COLUMNS = ["text_id", "text", "kind", "token_index", "token", "full_score", "attribution"]


def occlusion(texts: list[str], score: ScoreFn, *, values: list[str] | None = None) -> pd.DataFrame:
    """Occlusion attributions of every word (and, when given, of each text's slot value).

    Parameters
    ----------
    texts
        The texts to explain.
    score
        ``texts -> scores``.
    values
        The slot value inside each text (removed as one span), or ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns text_id, text, kind (``word`` or ``value``), token_index, token,
        full_score, attribution (full score minus the score without the token).

    Examples
    --------
    >>> def score(texts):
    ...     return np.array([0.1 if "bad" in t else 0.9 for t in texts])
    >>> frame = occlusion(["a bad film"], score)
    >>> frame.set_index("token")["attribution"].round(2).to_dict()
    {'a': 0.0, 'bad': -0.8, 'film': 0.0}
    """
    rows, variants = [], []
    for i, text in enumerate(texts):
        spans = [(m.start(), m.end(), m.group(), "word") for m in TOKEN.finditer(text)]
        value = values[i] if values is not None else None
        if value and value in text:
            start = text.index(value)
            spans.append((start, start + len(value), value, "value"))
        for j, (a, b, token, kind) in enumerate(spans):
            rows.append(
                {"text_id": i, "text": text, "kind": kind, "token_index": j, "token": token}
            )
            variants.append(_remove(text, a, b))
    scores = np.asarray(score(list(texts) + variants), dtype=float)
    full, occluded = scores[: len(texts)], scores[len(texts) :]
    frame = pd.DataFrame(rows, columns=COLUMNS[:5])
    frame["full_score"] = full[frame["text_id"].to_numpy()] if len(frame) else []
    frame["attribution"] = frame["full_score"] - occluded
    return frame[COLUMNS]


def _remove(text: str, start: int, end: int) -> str:
    return re.sub(r"\s{2,}", " ", (text[:start] + text[end:])).strip()


def explain_extremes(
    result: AuditResult, slot: str | None = None, *, score: ScoreFn, n: int = 5
) -> pd.DataFrame:
    """Occlusion attributions of the ``n`` most different extreme pairs of each slot
    (``AuditResult.extreme_pairs``: the highest vs the lowest group in the same wording).

    Columns: slot, pair, side (``high``/``low``), value, then the ``occlusion`` columns.
    """
    frames = []
    for s in result.slots if slot is None else [slot]:
        head = result.summary().set_index("slot").loc[s]
        pairs = result.extreme_pairs(s, n=n)
        for side, col, value in (
            ("high", "text_a", head["max_group"]),
            ("low", "text_b", head["min_group"]),
        ):
            texts = pairs[col].astype(str).tolist()
            frame = occlusion(texts, score, values=[str(value)] * len(texts))
            frame.insert(0, "value", str(value))
            frame.insert(0, "side", side)
            frame.insert(0, "pair", frame.pop("text_id"))
            frame.insert(0, "slot", s)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
