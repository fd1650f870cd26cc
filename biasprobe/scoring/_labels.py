"""Choosing which label's probability is a probe's score."""

from __future__ import annotations

import re
from collections.abc import Sequence

from biasprobe._errors import ModelError

POSITIVE = re.compile(r"^(pos|positive|label_pos)$", re.IGNORECASE)


def pick_score_label(labels: Sequence[str], requested: str | int | None, *, model: str) -> str:
    """The label whose probability is the score.

    ``requested`` may be a label name (case-insensitive) or an index. Without it, a label
    named POSITIVE/POS is taken; a two-label model with generic names (LABEL_0/LABEL_1)
    takes LABEL_1; anything else is ambiguous and raises ``ModelError``.

    Examples
    --------
    >>> pick_score_label(["NEGATIVE", "POSITIVE"], None, model="m")
    'POSITIVE'
    >>> pick_score_label(["LABEL_0", "LABEL_1"], None, model="m")
    'LABEL_1'
    """
    labels = list(labels)
    valid = ", ".join(labels)
    if requested is not None:
        return _requested(labels, requested, model=model, valid=valid)
    positive = [lab for lab in labels if POSITIVE.match(lab)]
    if len(positive) == 1:
        return positive[0]
    if labels == ["LABEL_0", "LABEL_1"]:
        return "LABEL_1"
    if len(labels) == 1:
        return labels[0]
    raise ModelError(
        f"{model}: cannot tell which label is the score among {valid}; "
        "pass --score-label NAME (or score_label=...)"
    )


def _requested(labels: list[str], requested: str | int, *, model: str, valid: str) -> str:
    text = str(requested)
    if text.lstrip("-").isdigit():
        idx = int(text)
        if 0 <= idx < len(labels):
            return labels[idx]
    for lab in labels:
        if lab.lower() == text.lower():
            return lab
    raise ModelError(f"{model}: score label {text!r} is not a label of the model; labels: {valid}")
