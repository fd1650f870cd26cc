"""Hodges-Lehmann shift and its Wilcoxon interval: checked against scipy's test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from biasprobe.stats._paired import paired_stats
from biasprobe.stats._shift import fcr_level, hodges_lehmann


@pytest.mark.parametrize("n", [8, 30, 120])
def test_interval_ends_are_where_scipy_stops_rejecting(n: int) -> None:
    rng = np.random.default_rng(n)
    d = rng.normal(0.3, 1.0, n)
    shift, lo, hi = hodges_lehmann(d, confidence=0.95)
    walsh = [(d[i] + d[j]) / 2 for i in range(n) for j in range(i, n)]
    assert shift == pytest.approx(np.median(walsh))
    eps = 1e-9
    assert stats.wilcoxon(d - (lo - eps)).pvalue < 0.05  # just outside: rejected
    assert stats.wilcoxon(d - (lo + eps)).pvalue >= 0.05  # just inside: not rejected
    assert stats.wilcoxon(d - (hi + eps)).pvalue < 0.05
    assert stats.wilcoxon(d - (hi - eps)).pvalue >= 0.05


def test_too_few_pairs_give_an_unbounded_interval() -> None:
    shift, lo, hi = hodges_lehmann(np.array([0.1, 0.2, 0.3]), confidence=0.95)
    assert (lo, hi) == (-np.inf, np.inf) and shift == pytest.approx(0.2)


def test_fcr_level() -> None:
    sig = np.array([True, False, True, False])
    assert fcr_level(sig, np.ones(4, bool), alpha=0.05) == pytest.approx(1 - 2 * 0.05 / 4)
    assert fcr_level(~np.ones(4, bool), np.ones(4, bool), alpha=0.05) == pytest.approx(0.9875)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.floats(-0.3, 0.3))
def test_shift_interval_and_significance_never_disagree(seed: int, effect: float) -> None:
    rng = np.random.default_rng(seed)
    n = 240
    pairs = pd.DataFrame(
        {
            "score_a": rng.uniform(0, 1, n),
            "kind": rng.choice(["x", "y", "z", "w"], n),
        }
    )
    pairs["score_b"] = np.clip(
        pairs["score_a"] - effect * (pairs["kind"] == "x") + rng.normal(0, 0.2, n), 0, 1
    )
    table = paired_stats(pairs, by=["kind"], n_bootstrap=50)
    excludes = (table["shift_ci_low"] > 0) | (table["shift_ci_high"] < 0)
    assert (excludes == table["significant"]).all()
    assert (table["shift_ci_low"] <= table["shift"]).all()
    assert (table["shift"] <= table["shift_ci_high"]).all()
