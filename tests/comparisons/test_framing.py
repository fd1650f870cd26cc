"""Benchmarks framed for a classifier: synthetic pairs of known truth, checked against numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from biasprobe.comparisons._framing import classifier_effects

RNG = np.random.default_rng(3)


def winobias(she: float, pro: float, n: int = 400) -> pd.DataFrame:
    """Pairs: text_a pro-stereotypical; its pronoun alternates female / male."""
    female = np.arange(n) % 2 == 0
    base = RNG.uniform(0.2, 0.8, n)
    noise = RNG.normal(0, 0.01, (2, n))
    # score = base + she * [pronoun is she] + pro * [text is pro-stereotypical]
    score_a = base + np.where(female, she, 0.0) + pro + noise[0]
    score_b = base + np.where(female, 0.0, she) + noise[1]
    return pd.DataFrame(
        {
            "benchmark": "winobias",
            "pronoun_gender": np.where(female, "female", "male"),
            "score_a": score_a,
            "score_b": score_b,
        }
    )


def effects(frame: pd.DataFrame) -> pd.DataFrame:
    return classifier_effects(frame).set_index("effect")


def test_a_pure_pronoun_effect_is_not_stereotype_consistency() -> None:
    got = effects(winobias(she=0.05, pro=0.0))
    assert got.loc["pronoun (she - he)", "estimate"] == pytest.approx(0.05, abs=0.005)
    consistency = got.filter(like="stereotype consistency", axis=0).iloc[0]
    assert consistency["ci_low"] <= 0 <= consistency["ci_high"]


def test_a_pure_consistency_effect_is_not_a_pronoun_effect() -> None:
    got = effects(winobias(she=0.0, pro=0.04))
    pronoun = got.loc["pronoun (she - he)"]
    assert pronoun["ci_low"] <= 0 <= pronoun["ci_high"]
    consistency = got.filter(like="stereotype consistency", axis=0).iloc[0]
    assert consistency["estimate"] == pytest.approx(0.04, abs=0.005)


def test_pronoun_effect_matches_scipy() -> None:
    frame = winobias(she=0.02, pro=0.01)
    female = frame["pronoun_gender"] == "female"
    diff = np.where(
        female, frame["score_a"] - frame["score_b"], frame["score_b"] - frame["score_a"]
    )
    res = stats.ttest_1samp(diff, 0)
    row = effects(frame).loc["pronoun (she - he)"]
    assert row["estimate"] == pytest.approx(diff.mean())
    assert row["ci_low"] == pytest.approx(res.confidence_interval().low)
    assert row["share_positive"] == pytest.approx((diff > 0).mean())


def test_crows_pairs_orients_by_the_disadvantaged_side() -> None:
    frame = pd.DataFrame(
        {
            "benchmark": "crows-pairs",
            "disadvantaged_side": ["a", "a", "b", "b"],
            "score_a": [0.2, 0.3, 0.9, 0.8],
            "score_b": [0.5, 0.6, 0.4, 0.3],
        }
    )
    row = effects(frame).loc["disadvantaged - advantaged mention"]
    assert row["estimate"] == pytest.approx(np.mean([-0.3, -0.3, -0.5, -0.5]))
    assert row["share_positive"] == 0.0


def test_stereoset_is_named_an_attribute_word_shift() -> None:
    frame = pd.DataFrame(
        {"benchmark": "stereoset", "score_a": [0.005, 0.2, 0.1], "score_b": [0.73, 0.5, 0.6]}
    )
    row = classifier_effects(frame).iloc[0]
    assert row["effect"].startswith("attribute-word shift")
    assert "not stereotyping" in row["note"]
    assert row["estimate"] == pytest.approx(np.mean([0.005 - 0.73, 0.2 - 0.5, 0.1 - 0.6]))
