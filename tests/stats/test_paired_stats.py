"""Paired statistics, each number checked against numpy/scipy on the raw arrays."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from biasprobe._errors import DataError
from biasprobe.stats._paired import (
    STAT_COLUMNS,
    benjamini_hochberg,
    paired_stats,
    paired_summary,
    wilson_interval,
)


def wilson(k: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval by its textbook formula."""
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def scores(n: int, shift: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    b = rng.uniform(0.05, 0.95, n)
    a = np.clip(b + shift + rng.normal(0, 0.15, n), 0, 1)
    return a, b


def test_summary_matches_numpy_and_scipy() -> None:
    a, b = scores(300, 0.03, seed=1)
    a[:7] = b[:7]  # some exact ties
    s = paired_summary(a, b, n_bootstrap=500, seed=3)
    d = a - b
    assert s["n"] == 300
    assert s["mean_a"] == pytest.approx(a.mean())
    assert s["mean_b"] == pytest.approx(b.mean())
    assert s["mean_diff"] == pytest.approx(d.mean())
    share = (np.sum(a > b) + 0.5 * np.sum(a == b)) / 300
    assert s["n_ties"] == 7
    assert s["share_a_higher"] == pytest.approx(share)
    assert (s["share_ci_low"], s["share_ci_high"]) == pytest.approx(wilson(share * 300, 300))
    flips = np.sum((a >= 0.5) != (b >= 0.5))
    assert s["flip_rate"] == pytest.approx(flips / 300)
    assert (s["flip_ci_low"], s["flip_ci_high"]) == pytest.approx(wilson(flips, 300))
    ref = stats.wilcoxon(a, b, zero_method="wilcox")
    assert s["p_value"] == pytest.approx(ref.pvalue)
    assert s["wilcoxon_w"] == pytest.approx(ref.statistic)
    assert s["cohens_dz"] == pytest.approx(d.mean() / d.std(ddof=1))
    # matched-pairs rank-biserial from scipy's one-sided statistic W+
    n_nonzero = np.sum(d != 0)
    w_plus = stats.wilcoxon(a, b, zero_method="wilcox", alternative="greater").statistic
    assert s["rank_biserial"] == pytest.approx(4 * w_plus / (n_nonzero * (n_nonzero + 1)) - 1)


def test_bootstrap_ci_is_the_percentile_interval() -> None:
    a, b = scores(200, 0.02, seed=2)
    s = paired_summary(a, b, n_bootstrap=1000, seed=11)
    d = a - b
    rng = np.random.default_rng(11)
    means = d[rng.integers(0, 200, size=(1000, 200))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    assert (s["diff_ci_low"], s["diff_ci_high"]) == pytest.approx((low, high))
    assert s["diff_ci_low"] < d.mean() < s["diff_ci_high"]


def test_bootstrap_ci_shrinks_with_n_and_is_seeded() -> None:
    widths = []
    for n in (40, 400, 4000):
        s = paired_summary(*scores(n, 0.02, seed=5), n_bootstrap=800)
        assert s["diff_ci_low"] <= s["mean_diff"] <= s["diff_ci_high"]
        widths.append(s["diff_ci_high"] - s["diff_ci_low"])
    assert widths[0] > 2 * widths[1] > 4 * widths[2]
    a, b = scores(100, 0.0, seed=6)
    first = paired_summary(a, b, seed=4)
    assert paired_summary(a, b, seed=4) == first
    assert paired_summary(a, b, seed=5)["diff_ci_low"] != first["diff_ci_low"]


def test_given_labels_override_the_threshold() -> None:
    a, b = np.array([0.9, 0.6, 0.2]), np.array([0.1, 0.7, 0.3])
    assert paired_summary(a, b, n_bootstrap=10)["flip_rate"] == pytest.approx(1 / 3)
    assert paired_summary(a, b, n_bootstrap=10, threshold=0.65)["flip_rate"] == pytest.approx(2 / 3)
    s = paired_summary(a, b, label_a=["x", "y", "y"], label_b=["x", "y", "z"], n_bootstrap=10)
    assert s["flip_rate"] == pytest.approx(1 / 3)


def test_degenerate_inputs_are_nan_not_errors() -> None:
    same = paired_summary([0.3, 0.4, 0.5], [0.3, 0.4, 0.5], n_bootstrap=50)
    assert same["mean_diff"] == 0
    assert (same["diff_ci_low"], same["diff_ci_high"]) == (0, 0)
    assert same["share_a_higher"] == 0.5 and same["n_ties"] == 3
    assert math.isnan(same["p_value"]) and math.isnan(same["cohens_dz"])
    assert math.isnan(same["rank_biserial"])
    one = paired_summary([0.9], [0.2], n_bootstrap=50)
    assert one["mean_diff"] == pytest.approx(0.7) and math.isnan(one["cohens_dz"])
    assert one["p_value"] == pytest.approx(stats.wilcoxon([0.7]).pvalue)


def test_bad_scores_raise() -> None:
    with pytest.raises(DataError, match="score_a has 1 missing values"):
        paired_summary([0.1, float("nan")], [0.2, 0.3])
    with pytest.raises(DataError, match="score_a has 2 values but score_b has 3"):
        paired_summary([0.1, 0.2], [0.2, 0.3, 0.4])
    with pytest.raises(DataError, match="no column 'score_b'"):
        paired_stats(pd.DataFrame({"score_a": [0.1]}))


def test_benjamini_hochberg_matches_scipy() -> None:
    p = np.random.default_rng(0).uniform(0, 0.2, 40) ** 2
    assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p))
    with_nan = np.array([0.01, np.nan, 0.04, 0.03, np.nan, 0.5])
    out = benjamini_hochberg(with_nan)
    finite = ~np.isnan(with_nan)
    assert np.isnan(out[~finite]).all()
    assert out[finite] == pytest.approx(stats.false_discovery_control(with_nan[finite]))
    assert np.isnan(benjamini_hochberg([np.nan])).all()


def make_pairs() -> pd.DataFrame:
    rows = []
    for bench, shift in (("winobias", 0.05), ("crows-pairs", -0.01)):
        a, b = scores(240, shift, seed=len(bench))
        rows.append(
            pd.DataFrame(
                {
                    "benchmark": bench,
                    "score_a": a,
                    "score_b": b,
                    "bias_type": np.repeat(["x", "y", "z"], 80),
                    "wb_type": np.tile([1, 2], 120) if bench == "winobias" else np.nan,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_table_rows_match_per_group_summaries() -> None:
    pairs = make_pairs()
    table = paired_stats(pairs, by=["bias_type", "wb_type", "missing"], n_bootstrap=200)
    assert list(table.columns) == list(STAT_COLUMNS)
    keys = list(zip(table["benchmark"], table["breakdown"], table["group"], strict=True))
    assert keys == [
        ("crows-pairs", "overall", "all"),
        ("crows-pairs", "bias_type", "x"),
        ("crows-pairs", "bias_type", "y"),
        ("crows-pairs", "bias_type", "z"),
        ("winobias", "overall", "all"),
        ("winobias", "bias_type", "x"),
        ("winobias", "bias_type", "y"),
        ("winobias", "bias_type", "z"),
        ("winobias", "wb_type", "1.0"),
        ("winobias", "wb_type", "2.0"),
    ]
    for _, row in table.iterrows():
        part = pairs[pairs["benchmark"] == row["benchmark"]]
        if row["breakdown"] != "overall":
            part = part[part[row["breakdown"]].astype(str) == row["group"]]
        assert row["n"] == len(part)
        assert row["mean_diff"] == pytest.approx((part["score_a"] - part["score_b"]).mean())
        ref = stats.wilcoxon(part["score_a"], part["score_b"])
        assert row["p_value"] == pytest.approx(ref.pvalue)
    for bench, part in table.groupby("benchmark"):
        rows = part[part["breakdown"] != "overall"]
        expected = stats.false_discovery_control(rows["p_value"].to_numpy())
        assert rows["p_adjusted"].to_numpy() == pytest.approx(expected), bench
        top = part[part["breakdown"] == "overall"].iloc[0]
        assert top["p_adjusted"] == top["p_value"]
    assert (table["significant"] == (table["p_adjusted"] < 0.05)).all()
    sign = np.sign(table["mean_diff"])
    assert (table["direction"] == np.where(sign > 0, "a higher", "b higher")).all()


def test_table_without_family_column() -> None:
    pairs = make_pairs().drop(columns=["benchmark"])
    table = paired_stats(pairs, n_bootstrap=100)
    assert table[["benchmark", "breakdown", "group", "n"]].values.tolist() == [
        ["", "overall", "all", 480]
    ]
    assert table["p_adjusted"].iloc[0] == pytest.approx(table["p_value"].iloc[0])


probabilities = st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=60)


@pytest.mark.slow  # 60 hypothesis examples, each with a bootstrap
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_swapping_sides_mirrors_the_statistics(data: st.DataObject) -> None:
    a = np.array(data.draw(probabilities))
    b = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(a), max_size=len(a))))
    ab = paired_summary(a, b, n_bootstrap=200)
    ba = paired_summary(b, a, n_bootstrap=200)
    assert ba["mean_diff"] == pytest.approx(-ab["mean_diff"], abs=1e-12)
    assert ba["share_a_higher"] == pytest.approx(1 - ab["share_a_higher"])
    assert (ba["share_ci_low"], ba["share_ci_high"]) == pytest.approx(
        (1 - ab["share_ci_high"], 1 - ab["share_ci_low"])
    )
    assert (ba["diff_ci_low"], ba["diff_ci_high"]) == pytest.approx(
        (-ab["diff_ci_high"], -ab["diff_ci_low"]), abs=1e-12
    )
    assert ba["flip_rate"] == ab["flip_rate"]
    assert ba["p_value"] == pytest.approx(ab["p_value"], nan_ok=True)
    assert ba["rank_biserial"] == pytest.approx(-ab["rank_biserial"], nan_ok=True)
    assert ab["diff_ci_low"] - 1e-12 <= ab["mean_diff"] <= ab["diff_ci_high"] + 1e-12
    assert 0 <= ab["share_ci_low"] <= ab["share_a_higher"] <= ab["share_ci_high"] <= 1


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 500), st.integers(1, 500), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_interval(k: int, n: int, confidence: float) -> None:
    k = min(k, n)
    low, high = wilson_interval(k, n, confidence=confidence)
    ref_low, ref_high = wilson(k, n, confidence)
    assert (low, high) == pytest.approx((max(0, ref_low), min(1, ref_high)), abs=1e-12)
    assert low <= k / n <= high
