"""Plain-words ``finding`` of each summary row, named by what differs between the texts.

A summary row's number is the mean of ``score_a - score_b`` over its pairs. For a
sentiment classifier that measures whatever the two texts differ in, so the words follow
the benchmark (as ``effects.csv`` does, see ``biasprobe.comparisons._framing``):

- WinoBias: the texts differ only in the pronoun. A row whose pairs all put the same
  pronoun in ``text_a`` (a ``pronoun_gender`` group, an occupation) is a "she" vs "he"
  comparison and says which scored higher, with she - he. A row pooling both pronouns
  (overall, split, type) is pro- minus anti-stereotypical with the pronoun's main effect
  cancelled: stereotype consistency.
- StereoSet: the texts differ in the attribute word (or sentence): an attribute-word
  sentiment shift, explicitly not a measure of stereotyping.
- CrowS-Pairs: a row whose pairs all name the disadvantaged group on the same side is a
  disadvantaged vs advantaged mention and says which scored higher, with disadvantaged -
  advantaged. A row pooling both orientations compares the stereotype-consistent sentence
  (``sent_more``) with its edit, which mixes group mention and content.
- Anything else (your own pairs): ``text_a`` vs ``text_b``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

NO_DIFFERENCE = "no significant difference"
MIXED = "mixed: most pairs and the mean difference point different ways"
EFFECTS_HINT = "see effects.csv"


def verdict(row: Any) -> str:
    """``"a"``, ``"b"`` (the side that scores higher), ``"none"`` or ``"mixed"``."""
    if not row.significant:
        return "none"
    if np.sign(row.rank_biserial) != np.sign(row.mean_diff):
        return "mixed"
    return {"a higher": "a", "b higher": "b"}.get(row.direction, "none")


def finding(row: Any, pairs: pd.DataFrame | None = None, *, benchmark: str = "") -> str:
    """Plain words for one summary row.

    Parameters
    ----------
    row
        A summary row (``significant``, ``mean_diff``, ``rank_biserial``, ``direction``).
    pairs
        The row's pairs (the benchmark's columns); without them the words name the sides
        ``text_a`` and ``text_b``.
    benchmark
        ``winobias``, ``stereoset``, ``crows-pairs`` or the name of your own pair set.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> row = SimpleNamespace(significant=True, mean_diff=0.02, rank_biserial=0.5,
    ...                       direction="a higher")
    >>> finding(row, pd.DataFrame({"pronoun_gender": ["female"] * 3}), benchmark="winobias")
    "the 'she' text scores higher (she - he +0.020)"
    """
    side = verdict(row)
    if side == "mixed":
        return MIXED
    if benchmark == "winobias" and pairs is not None and "pronoun_gender" in pairs:
        return _winobias(side, float(row.mean_diff), pairs)
    if benchmark == "stereoset":
        return _stereoset(side)
    if benchmark == "crows-pairs" and pairs is not None and "disadvantaged_side" in pairs:
        return _crows_pairs(side, float(row.mean_diff), pairs)
    return {"a": "text_a scores higher", "b": "text_b scores higher"}.get(side, NO_DIFFERENCE)


def _one_value(column: pd.Series) -> str | None:
    values = set(column.dropna().astype(str))
    return values.pop() if len(values) == 1 else None


def _winobias(side: str, diff: float, pairs: pd.DataFrame) -> str:
    pronoun_a = _one_value(pairs["pronoun_gender"])
    if pronoun_a in ("female", "male"):
        she_minus_he = diff if pronoun_a == "female" else -diff
        if side == "none":
            return "no significant difference between the 'she' and 'he' texts"
        higher = "she" if she_minus_he > 0 else "he"
        return f"the '{higher}' text scores higher (she - he {she_minus_he:+.3f})"
    pooled = "pooled over both pronouns, so the pronoun's main effect cancels"
    if side == "none":
        return f"no significant stereotype consistency (pro - anti, {pooled}); she - he: " + (
            EFFECTS_HINT
        )
    higher = "pro" if side == "a" else "anti"
    return (
        f"the {higher}-stereotypical text scores higher (stereotype consistency, {pooled}); "
        f"she - he: {EFFECTS_HINT}"
    )


def _stereoset(side: str) -> str:
    what = "an attribute-word sentiment shift, not a measure of stereotyping"
    if side == "none":
        return f"no significant difference between the attribute words ({what})"
    higher = "stereotype" if side == "a" else "anti-stereotype"
    return f"the {higher} sentence's attribute word scores higher ({what})"


def _crows_pairs(side: str, diff: float, pairs: pd.DataFrame) -> str:
    dis = _one_value(pairs["disadvantaged_side"])
    if dis in ("a", "b"):
        dis_minus_adv = diff if dis == "a" else -diff
        if side == "none":
            return "no significant difference between the disadvantaged- and advantaged-group texts"
        word = "higher" if dis_minus_adv > 0 else "lower"
        return (
            f"the text naming the disadvantaged group scores {word} "
            f"(disadvantaged - advantaged {dis_minus_adv:+.3f})"
        )
    pooled = (
        "pooled over both orientations, it mixes group mention and content; disadvantaged - "
        f"advantaged: {EFFECTS_HINT}"
    )
    if side == "none":
        return f"no significant difference between sent_more and its edit ({pooled})"
    word = "higher" if side == "a" else "lower"
    return f"sent_more (the stereotype-consistent text) scores {word} than its edit ({pooled})"
