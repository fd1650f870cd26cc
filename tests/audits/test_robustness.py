"""Wording robustness: synthetic scorers of known truth, and agreement statistics checked
against scipy."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from _scrutiny_support import VALUES, WORDINGS, noise, scored_audit
from scipy import stats

from biasprobe.audits._robustness import kendall_w, value_stability, wording_ranks


def test_wording_specific_effect_is_not_robust() -> None:
    # v07 is very low in one wording only: it is the overall minimum, but not a robust one
    result = scored_audit(lambda t, v: 0.02 if (t, v) == ("t0", "v07") else noise(t, v))
    row = result.robustness("group").set_index("extreme").loc["min"]
    assert row["value"] == "v07"
    assert row["share_in_k"] <= 0.5
    assert not row["robust"]
    assert row["claim"].startswith("not robust")


def test_consistent_effect_is_robust() -> None:
    result = scored_audit(lambda t, v: noise(t, v) - (0.2 if v == "v07" else 0.0))
    row = result.robustness("group").set_index("extreme").loc["min"]
    assert row["value"] == "v07"
    assert row["robust"]
    assert row["share_in_k"] == 1.0 and row["sign_agree"] == len(WORDINGS)
    assert row["rank_min"] == row["rank_max"] == 1.0


def test_sign_disagreement_in_two_wordings_breaks_robustness() -> None:
    # low in six wordings, clearly high in two: in the bottom-k of 75% < 80%
    def score(t: str, v: str) -> float:
        if v != "v07":
            return noise(t, v)
        return 0.9 if t in ("t1", "t2") else 0.1

    row = scored_audit(score).robustness("group").set_index("extreme").loc["min"]
    assert row["sign_agree"] == 6 and not row["robust"]


def test_ranks_and_shares_match_pandas() -> None:
    result = scored_audit(noise)
    ranks = wording_ranks(result, "group")
    assert len(ranks) == len(VALUES) * len(WORDINGS)
    probes = result.probes[~result.probes["is_baseline"]]
    t0 = probes[probes["template_id"] == "t0"].set_index("group")["score"]
    got = ranks[ranks["template_id"] == "t0"].set_index("value")["rank"]
    pd.testing.assert_series_equal(
        got.sort_index(), t0.rank().sort_index(), check_names=False, check_index_type=False
    )
    stab = value_stability(result, "group", k=3).set_index("value")
    table = probes.pivot(index="group", columns="template_id", values="score")
    expected = (table.rank() <= 3).mean(axis=1)
    assert np.allclose(stab.loc[expected.index, "share_bottom_k"], expected)


def test_agreement_matches_scipy() -> None:
    result = scored_audit(lambda t, v: noise(t, v) + 0.01 * int(v[1:]))
    table = result.per_template("group").pivot(index="value", columns="template_id", values="mean")
    taus = [stats.kendalltau(table[a], table[b]).statistic for a, b in combinations(table, 2)]
    agree = result.wording_agreement("group").iloc[0]
    assert agree["tau_mean"] == pytest.approx(np.mean(taus))
    # Kendall's W (no ties): mean pairwise Spearman = (m W - 1) / (m - 1)
    rhos = [stats.spearmanr(table[a], table[b]).statistic for a, b in combinations(table, 2)]
    m = table.shape[1]
    assert np.mean(rhos) == pytest.approx((m * agree["kendall_w"] - 1) / (m - 1))


def test_kendall_w_bounds() -> None:
    same = np.tile(np.arange(1.0, 11.0)[:, None], (1, 4))
    assert kendall_w(same) == pytest.approx(1.0)
    opposed = np.column_stack([np.arange(1.0, 11.0), np.arange(10.0, 0.0, -1)])
    assert kendall_w(opposed) == pytest.approx(0.0)


@pytest.mark.parametrize("ties", [False, True])
def test_kendall_tau_matches_scipy(ties: bool) -> None:
    from biasprobe.audits._robustness import pairwise_tau

    def kendall_tau(x: np.ndarray, y: np.ndarray) -> float:
        return pairwise_tau(np.column_stack([x, y]))[0]

    rng = np.random.default_rng(5)
    for n in (2, 3, 10, 197):
        x, y = rng.normal(size=n), rng.normal(size=n)
        if ties:  # tau-b's tie correction
            x, y = np.round(x), np.round(y * 2) / 2
        want = stats.kendalltau(x, y).statistic
        assert kendall_tau(x, y) == pytest.approx(want, rel=1e-12, nan_ok=True)
    assert np.isnan(kendall_tau(np.ones(5), np.arange(5.0)))  # constant: scipy gives NaN too
    assert np.isnan(kendall_tau(np.array([1.0, np.nan, 2.0]), np.arange(3.0)))


def test_pairwise_tau_of_every_wording_pair_matches_scipy() -> None:
    """All pairs at once (one matrix product) give scipy's tau-b pair by pair, with ties,
    a constant wording and a missing value (NaN)."""
    from biasprobe.audits._robustness import pairwise_tau

    rng = np.random.default_rng(2)
    table = pd.DataFrame(rng.integers(0, 15, size=(60, 6)).astype(float))
    table[4] = 3.0  # constant: scipy gives NaN
    table.iloc[7, 2] = np.nan
    got = pairwise_tau(table.to_numpy())
    pairs = list(combinations(table.columns, 2))
    assert len(got) == len(pairs) == 15
    for (a, b), tau in zip(pairs, got, strict=True):
        if 2 in (a, b):
            assert np.isnan(tau)
            continue
        want = stats.kendalltau(table[a], table[b]).statistic
        assert tau == pytest.approx(want, rel=1e-12, nan_ok=True)
