"""Benchmark pairs re-framed for a classifier: name what differs between the two texts.

For a sentiment classifier a pair difference measures whatever the texts differ in, not the
benchmark's original construct. Estimands (score = the model's score, per pair):

- WinoBias, ``pronoun (she - he)``: the score of the "she" text minus the "he" text (the
  two texts differ only in the pronoun); and ``stereotype consistency (pro - anti)``:
  the pro-stereotypical minus the anti-stereotypical text, averaged with equal weight over
  the two pronouns, i.e. the pronoun x occupation-gender interaction with the pronoun's
  main effect removed.
- StereoSet, ``attribute-word shift (stereotype - anti-stereotype)``: the texts differ only
  in the attribute word ("...were boring" vs "...were funny"), so this is the sentiment of
  those words, not a measure of stereotyping.
- CrowS-Pairs, ``disadvantaged - advantaged mention``: the text naming the historically
  disadvantaged group minus the one naming the advantaged group (``disadvantaged_side``).

Intervals: t intervals over pairs (``scipy.stats``); for the balanced WinoBias interaction
the standard error combines the two pronoun strata. Pairs built from shared templates are
not independent, so these intervals are on the narrow side; the ``note`` column says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = [
    "benchmark", "effect", "n", "estimate", "ci_low", "ci_high", "p_value", "share_positive",
    "note",
]  # fmt: skip
PAIR_NOTE = "t interval over pairs; pairs share templates, so it is on the narrow side"


def classifier_effects(pairs: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """The classifier-framed effect of each benchmark present in ``pairs``.

    Parameters
    ----------
    pairs
        The scored pair table of a comparison (``score_a``, ``score_b``, ``benchmark`` and
        the benchmark's columns).
    confidence
        Interval level.

    Returns
    -------
    pandas.DataFrame
        Columns benchmark, effect, n, estimate, ci_low, ci_high, p_value, share_positive
        (share of pairs with a positive difference), note.
    """
    rows: list[dict[str, Any]] = []
    for key, frame in pairs.groupby("benchmark", sort=False):
        bench = str(key)
        if bench == "winobias":
            rows += _winobias(frame, confidence)
        elif bench == "stereoset":
            diff = frame["score_a"] - frame["score_b"]
            name = "attribute-word shift (stereotype - anti-stereotype)"
            note = "the attribute words' sentiment, not stereotyping; " + PAIR_NOTE
            rows.append(_one(bench, name, diff, confidence, note=note))
        elif bench == "crows-pairs":
            a_dis = frame["disadvantaged_side"].astype(str) == "a"
            diff = (frame["score_a"] - frame["score_b"]).where(
                a_dis, frame["score_b"] - frame["score_a"]
            )
            name = "disadvantaged - advantaged mention"
            rows.append(_one(bench, name, diff, confidence, note=PAIR_NOTE))
    return pd.DataFrame(rows, columns=COLUMNS)


def _winobias(frame: pd.DataFrame, confidence: float) -> list[dict[str, Any]]:
    female_pro = frame["pronoun_gender"].astype(str) == "female"
    pro_minus_anti = frame["score_a"] - frame["score_b"]
    she_minus_he = pro_minus_anti.where(female_pro, -pro_minus_anti)
    rows = [_one("winobias", "pronoun (she - he)", she_minus_he, confidence, note=PAIR_NOTE)]
    strata = [pro_minus_anti[female_pro], pro_minus_anti[~female_pro]]
    if min(len(s) for s in strata) >= 2:
        est = float(np.mean([s.mean() for s in strata]))
        se = float(np.sqrt(sum(s.var(ddof=1) / len(s) for s in strata)) / 2)
        df = sum(len(s) for s in strata) - 2
        half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
        p = float(2 * stats.t.sf(abs(est) / se, df)) if se > 0 else float("nan")
        rows.append(
            {
                "benchmark": "winobias",
                "effect": "stereotype consistency (pro - anti, balanced over pronouns)",
                "n": len(frame),
                "estimate": est,
                "ci_low": est - half,
                "ci_high": est + half,
                "p_value": p,
                "share_positive": float((pro_minus_anti > 0).mean()),
                "note": "pronoun main effect removed; " + PAIR_NOTE,
            }
        )
    return rows


def _one(bench: str, name: str, diff: pd.Series, confidence: float, *, note: str) -> dict[str, Any]:
    diff = diff.dropna().astype(float)
    res = stats.ttest_1samp(diff, 0.0)
    ci = res.confidence_interval(confidence_level=confidence)
    return {
        "benchmark": bench,
        "effect": name,
        "n": len(diff),
        "estimate": float(diff.mean()),
        "ci_low": float(ci.low),
        "ci_high": float(ci.high),
        "p_value": float(res.pvalue),
        "share_positive": float((diff > 0).mean()),
        "note": note,
    }
