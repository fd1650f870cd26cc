"""Counterfactual statistics: known shifts recovered, PSA metrics, subgroup AUCs, agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from biasprobe.stats._counterfactual import (
    agreement,
    group_shifts,
    overall_metrics,
    unit_metrics,
)
from biasprobe.stats._slots import Options
from biasprobe.stats._subgroup_auc import subgroup_aucs, weighted_auc

EFFECTS = {"a": 0.0, "b": 0.06, "c": -0.08, "d": 0.02}


def _rows(seed: int, n_sentences: int = 40, sd_noise: float = 0.05) -> pd.DataFrame:
    """Each sentence mentions one group; every group is swapped in; score = sentence
    level + group effect + noise (a synthetic scorer of known truth)."""
    rng = np.random.default_rng(seed)
    groups = list(EFFECTS)
    rows = []
    for s in range(n_sentences):
        level = rng.uniform(0.3, 0.7)
        own = groups[s % len(groups)]
        scores = {g: level + EFFECTS[g] + rng.normal(0, sd_noise) for g in groups}
        for g in groups:
            rows.append(
                {"cluster": str(s), "unit": f"{s}|{own}", "group": g, "score": scores[g],
                 "original": scores[own]}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_known_group_effects_fall_inside_their_intervals() -> None:
    # 99% intervals for four groups at once (coverage itself is checked below)
    table = group_shifts(_rows(0), Options(2000, 0.99, 0, False)).set_index("value")
    mean_effect = np.mean(list(EFFECTS.values()))
    for g, effect in EFFECTS.items():
        truth = effect - mean_effect
        assert table.at[g, "shift_vs_all_ci_low"] <= truth <= table.at[g, "shift_vs_all_ci_high"]
    assert table.at["c", "shift_vs_all_p_bh"] < 0.05  # a real shift is found


@pytest.mark.slow  # 60 simulated data sets, each bootstrapped; the test above checks the
# interval against the known truth once, in the fast loop
def test_shift_interval_coverage_is_near_nominal() -> None:
    mean_effect = np.mean(list(EFFECTS.values()))
    hits = []
    for seed in range(60):
        table = group_shifts(_rows(seed, n_sentences=20), Options(300, 0.9, seed, False))
        row = table.set_index("value").loc["b"]
        truth = EFFECTS["b"] - mean_effect
        hits.append(row["shift_vs_all_ci_low"] <= truth <= row["shift_vs_all_ci_high"])
    assert 0.78 <= np.mean(hits) <= 0.98


def test_shift_vs_original_and_flip_rate_match_direct_computation() -> None:
    rows = _rows(1)
    table = group_shifts(rows, Options(200, 0.95, 0, False), threshold=0.5).set_index("value")
    for g in EFFECTS:
        part = rows[rows["group"] == g]
        assert table.at[g, "shift"] == pytest.approx((part["score"] - part["original"]).mean())
        flips = (part["score"] >= 0.5) != (part["original"] >= 0.5)
        assert table.at[g, "flip_rate"] == pytest.approx(flips.mean())
        assert table.at[g, "flip_rate_ci_low"] <= table.at[g, "flip_rate"]
        assert table.at[g, "flip_rate"] <= table.at[g, "flip_rate_ci_high"]


def test_psa_metrics_match_numpy() -> None:
    rows = _rows(2, n_sentences=8)
    units = unit_metrics(rows, threshold=0.5).set_index("unit")
    for unit, part in rows.groupby("unit"):
        s, o = part["score"].to_numpy(), part["original"].iloc[0]
        assert units.at[unit, "score_sens"] == pytest.approx(np.mean(s - o))
        assert units.at[unit, "score_dev"] == pytest.approx(np.std(s))
        assert units.at[unit, "score_range"] == pytest.approx(np.ptp(s))
        assert units.at[unit, "ctf_gap"] == pytest.approx(np.mean(np.abs(s - o)))
        assert units.at[unit, "label_dist"] == pytest.approx(np.mean((s >= 0.5) != (o >= 0.5)))
    overall = overall_metrics(units.reset_index(), Options(500, 0.95, 0, False))
    sens = overall.set_index("metric").loc["score_sens"]
    assert sens["estimate"] == pytest.approx(units["score_sens"].mean())
    # one unit per sentence: the interval is the t interval on unit values
    lo, hi = stats.t.interval(0.95, len(units) - 1, units["score_sens"].mean(),
                              stats.sem(units["score_sens"]))  # fmt: skip
    assert sens["ci_low"] == pytest.approx(lo, abs=0.3 * (hi - lo))
    assert (overall["ci_low"] <= overall["estimate"]).all()


def test_weighted_auc_matches_mann_whitney_with_ties() -> None:
    rng = np.random.default_rng(3)
    scores = np.round(rng.random(400), 1)
    labels = rng.random(400) < 0.3
    u = stats.mannwhitneyu(scores[labels], scores[~labels]).statistic
    expected = u / (labels.sum() * (~labels).sum())
    assert weighted_auc(scores, labels, np.ones(400))[0] == pytest.approx(expected)


def test_subgroup_aucs_and_too_few_mentions() -> None:
    rng = np.random.default_rng(4)
    n = 600
    labels = rng.random(n) < 0.5
    scores = np.clip(labels * 0.3 + rng.normal(0.35, 0.2, n), 0, 1)
    big = np.zeros(n, dtype=bool)
    big[:200] = True
    scores[big & ~labels] += 0.2  # the model scores negatives that mention the group too high
    tiny = np.zeros(n, dtype=bool)
    tiny[:5] = True
    table = subgroup_aucs(scores, labels, {"big": big, "tiny": tiny}, Options(300, 0.95, 0, False))
    row = table.set_index(["group", "metric"])
    sub = row.loc[("big", "subgroup_auc")]
    y, s = labels[big], scores[big]
    u = stats.mannwhitneyu(s[y], s[~y]).statistic / (y.sum() * (~y).sum())
    assert sub["auc"] == pytest.approx(u)
    assert sub["ci_low"] <= sub["auc"] <= sub["ci_high"]
    keep = (~big & labels) | (big & ~labels)
    bpsn = stats.mannwhitneyu(scores[keep & labels], scores[keep & ~labels]).statistic
    assert row.loc[("big", "bpsn_auc"), "auc"] == pytest.approx(
        bpsn / ((keep & labels).sum() * (keep & ~labels).sum())
    )
    assert row.loc[("big", "bpsn_auc"), "auc"] < row.loc[("big", "bnsp_auc"), "auc"]
    small = table[table["group"] == "tiny"]
    assert small["auc"].isna().all()
    assert small["note"].str.contains("too few labelled sentences").all()


def test_agreement_uses_spearman_and_marks_surviving_extremes() -> None:
    real = group_shifts(_rows(5, n_sentences=60), Options(500, 0.95, 0, False))
    template = pd.DataFrame({"value": ["a", "b", "c", "d"], "mean": [0.5, 0.9, 0.1, 0.6]})
    summary, ends = agreement(real, template, k=1)
    both = real.merge(template, on="value", suffixes=("", "_t"))
    rho = stats.spearmanr(both["mean"], both["mean_t"]).statistic
    assert summary["spearman_rho"] == pytest.approx(rho)
    assert ends["value"].tolist() == ["b", "c"]
    assert ends["survives"].tolist() == [True, True]


def test_perfect_separation_is_flagged() -> None:
    labels = np.array([0] * 12 + [1] * 12, dtype=bool)
    scores = np.linspace(0, 1, 24)
    table = subgroup_aucs(
        scores, labels, {"g": np.ones(24, dtype=bool)}, Options(50, 0.95, 0, False)
    )
    sub = table.set_index("metric").loc["subgroup_auc"]
    assert sub["auc"] == 1.0
    assert "perfect separation" in sub["note"]
