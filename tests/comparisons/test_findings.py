"""Summary ``finding`` words name what differs between the texts, with the right sign.

Synthetic scores of known truth on the real benchmark pair tables; expected differences
come from numpy on the pairs, not from the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasprobe.comparisons._comparison import summarise
from biasprobe.comparisons._pairs import load_pairs

RNG = np.random.default_rng(11)


def scored(pairs: pd.DataFrame, effect_a: np.ndarray) -> pd.DataFrame:
    """Pairs with score_b ~ 0.5 and score_a = score_b-level + ``effect_a`` + noise."""
    n = len(pairs)
    base = RNG.uniform(0.3, 0.6, n)
    out = pairs.assign(
        model="m",
        score_a=base + effect_a + RNG.normal(0, 0.01, n),
        score_b=base + RNG.normal(0, 0.01, n),
    )
    return out.assign(
        label_a=np.where(out["score_a"] > 0.5, "POS", "NEG"),
        label_b=np.where(out["score_b"] > 0.5, "POS", "NEG"),
    )


def summary(pairs: pd.DataFrame) -> pd.DataFrame:
    table = summarise(pairs, seed=0, n_bootstrap=200, confidence=0.95)
    return table.set_index(["breakdown", "group"])


def signed(text: str, label: str) -> float:
    """The number after ``label`` in a finding ("she - he +0.050" -> 0.05)."""
    found = re.search(rf"{re.escape(label)} ([+-]\d\.\d+)", text)
    assert found, text
    return float(found.group(1))


@pytest.fixture(scope="module")
def wino(datasets_dir: Path) -> pd.DataFrame:
    return load_pairs("winobias", data_dir=datasets_dir)


def test_winobias_she_higher_is_said_with_its_sign(wino: pd.DataFrame) -> None:
    female_a = (wino["pronoun_gender"] == "female").to_numpy()
    # the "she" text scores 0.05 higher whatever the stereotype
    pairs = scored(wino, np.where(female_a, 0.05, -0.05))
    got = summary(pairs)
    she_minus_he = np.where(female_a, 1, -1) * (pairs["score_a"] - pairs["score_b"])
    for group in ("female", "male"):
        text = got.loc[("pronoun_gender", group), "finding"]
        assert text.startswith("the 'she' text scores higher"), text
        want = she_minus_he[pairs["pronoun_gender"] == group].mean()
        assert signed(text, "she - he") == pytest.approx(want, abs=5e-4)
    overall = got.loc[("overall", "all"), "finding"]
    assert overall.startswith("no significant stereotype consistency"), overall
    assert "stereotyp" not in got.loc[("pronoun_gender", "female"), "finding"]


def test_winobias_stereotype_consistency_is_separated_from_the_pronoun(wino) -> None:
    pairs = scored(wino, np.full(len(wino), 0.05))  # pro-stereotypical +0.05 for both pronouns
    got = summary(pairs)
    assert got.loc[("overall", "all"), "finding"].startswith(
        "the pro-stereotypical text scores higher (stereotype consistency"
    )
    assert got.loc[("pronoun_gender", "female"), "finding"].startswith("the 'she' text")
    male = got.loc[("pronoun_gender", "male"), "finding"]
    assert male.startswith("the 'he' text scores higher") and signed(male, "she - he") < 0


def test_stereoset_is_an_attribute_word_shift_not_stereotyping(datasets_dir: Path) -> None:
    pairs = scored(load_pairs("stereoset", data_dir=datasets_dir, split="dev"), np.array(-0.1))
    text = summary(pairs).loc[("overall", "all"), "finding"]
    assert text == (
        "the anti-stereotype sentence's attribute word scores higher (an attribute-word "
        "sentiment shift, not a measure of stereotyping)"
    )


def test_crows_pairs_disadvantaged_mention_lower_in_both_orientations(datasets_dir) -> None:
    crows = load_pairs("crows-pairs", data_dir=datasets_dir)
    dis_a = (crows["disadvantaged_side"] == "a").to_numpy()
    # naming the disadvantaged group costs 0.04, in stereo and antistereo rows alike
    pairs = scored(crows, np.where(dis_a, -0.04, 0.04))
    got = summary(pairs)
    dis_minus_adv = np.where(dis_a, 1, -1) * (pairs["score_a"] - pairs["score_b"])
    for group in ("stereo", "antistereo"):
        text = got.loc[("stereo_antistereo", group), "finding"]
        assert text.startswith("the text naming the disadvantaged group scores lower"), text
        want = dis_minus_adv[pairs["stereo_antistereo"] == group].mean()
        assert signed(text, "disadvantaged - advantaged") == pytest.approx(want, abs=5e-4)
    overall = got.loc[("overall", "all"), "finding"]
    assert "pooled over both orientations" in overall and "anti-stereotypical" not in overall


def test_own_pairs_name_the_sides() -> None:
    pairs = pd.DataFrame({"pair_group": ["x"] * 60, "benchmark": "mine"})
    got = summary(scored(pairs, np.array(0.05)))
    assert got.loc[("overall", "all"), "finding"] == "text_a scores higher"
