"""The design-aware inference layer, checked against scipy/statsmodels and by invariants."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from biasprobe import AuditResult, UsageError
from biasprobe.stats._contrasts import bh, default_contrasts, named_contrasts
from biasprobe.stats._design import Design, build_design, cluster_weights, group_replicates
from biasprobe.stats._intersections import omnibus_interaction
from biasprobe.stats._intervals import bootstrap_se, t_p_value
from biasprobe.stats._permutation import stratified_null


def crossed(
    effects: dict[str, float],
    *,
    n_wordings: int = 8,
    others: int = 1,
    seed: int = 0,
    noise: float = 0.05,
) -> pd.DataFrame:
    """Scored probes: group x wording (x other) with wording effects and noise."""
    rng = np.random.default_rng(seed)
    wording = rng.normal(0, 0.1, n_wordings)
    other = rng.normal(0, 0.1, others)
    rows = []
    for t in range(n_wordings):
        rows.append(
            {
                "template_id": f"t{t}",
                "group": None,
                "other": None,
                "score": 0.5,
                "is_baseline": True,
            }
        )
        for (g, e), o in itertools.product(effects.items(), range(others)):
            score = 0.5 + e + wording[t] + other[o] + rng.normal(0, noise)
            rows.append(
                {
                    "template_id": f"t{t}",
                    "group": g,
                    "other": f"o{o}",
                    "score": score,
                    "is_baseline": False,
                }
            )
    frame = pd.DataFrame(rows)
    return frame.assign(probe_id=range(len(frame)), template="{group}", text="x")


def test_replicates_match_an_explicit_two_way_resample() -> None:
    rows = crossed({"a": 0.0, "b": 0.1}, n_wordings=4, others=6)
    rows = rows[~rows.is_baseline]
    design = build_design(rows, "group", others=["other"])
    w = cluster_weights(4, 6, n_resamples=5, seed=1)
    got = group_replicates(design, w)
    for b in range(5):  # rebuild each replicate by repeating rows by their weights
        weight = rows["template_id"].map(
            dict(zip([f"t{i}" for i in range(4)], w.wordings[b], strict=True))
        ) * rows["other"].map(dict(zip([f"o{i}" for i in range(6)], w.others[b], strict=True)))
        expect = (rows["score"] * weight).groupby(rows["group"]).sum() / weight.groupby(
            rows["group"]
        ).sum()
        assert got[b] == pytest.approx(expect.loc[design.groups].to_numpy())


def test_contrast_p_value_agrees_with_a_paired_t_test() -> None:
    """One-way design: woman - man is the t test of the per-wording differences."""
    rows = crossed({"man": 0.0, "woman": 0.03}, n_wordings=10, noise=0.04, seed=3)
    audit = AuditResult(probes=rows.drop(columns="other"), slots=["group"], n_bootstrap=8000)
    row = audit.contrasts("group").iloc[0]
    assert row["contrast"] == "woman - man"
    scored = rows[~rows.is_baseline].pivot(index="template_id", columns="group", values="score")
    ref = stats.ttest_1samp(scored["woman"] - scored["man"], 0.0)
    assert row["estimate"] == pytest.approx((scored["woman"] - scored["man"]).mean())
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=0.15)
    lo, hi = ref.confidence_interval(0.95)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=0.08)


@pytest.mark.parametrize(("effect", "straddles"), [(0.004, True), (0.06, False)])
def test_two_group_gap_interval_is_the_absolute_contrast_interval(
    effect: float, straddles: bool
) -> None:
    """Two groups: the gap is |woman - man|; its interval is the t interval of the
    per-wording differences folded at zero (0 inside when that interval holds 0)."""
    rows = crossed({"man": 0.0, "woman": effect}, n_wordings=10, noise=0.04, seed=3)
    audit = AuditResult(probes=rows.drop(columns="other"), slots=["group"], n_bootstrap=8000)
    gaps = audit.gaps()
    gap = gaps[gaps["template_id"] == "all"].iloc[0]
    scored = rows[~rows.is_baseline].pivot(index="template_id", columns="group", values="score")
    diff = scored["woman"] - scored["man"]
    lo, hi = stats.ttest_1samp(diff, 0.0).confidence_interval(0.95)
    assert bool(lo < 0 < hi) is straddles
    assert gap["gap"] == pytest.approx(abs(diff.mean()))
    expect_lo = 0.0 if straddles else min(abs(lo), abs(hi))
    assert gap["gap_ci_low"] == pytest.approx(expect_lo, abs=0.004)
    assert gap["gap_ci_high"] == pytest.approx(max(abs(lo), abs(hi)), rel=0.08)
    assert gap["gap_ci_low"] <= gap["gap"] <= gap["gap_ci_high"]


def test_permutation_within_wordings_matches_scipy_paired_permutation() -> None:
    """Two groups: shuffling labels within each wording is scipy's 'samples' permutation."""
    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 1, 9), rng.normal(0.5, 1, 9)
    cells = np.stack([x, y])[:, :, None]
    design = Design(["x", "y"], [str(i) for i in range(9)], ["all"], cells, np.ones_like(cells))
    ours = stratified_null(design, n_permutations=20000, seed=0)

    def statistic(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.abs(a.mean(axis=axis) - b.mean(axis=axis))

    ref = stats.permutation_test(
        (x, y), statistic, permutation_type="samples", alternative="greater", vectorized=True
    )
    assert ours.p_value == pytest.approx(ref.pvalue, abs=0.01)


def test_permutation_null_gap_is_the_shuffled_max_minus_min() -> None:
    rows = crossed({f"g{i}": 0.0 for i in range(12)}, n_wordings=6, noise=0.1, seed=2)
    rows = rows[~rows.is_baseline]
    design = build_design(rows, "group", others=[])
    null = stratified_null(design, n_permutations=3000, seed=0)
    rng = np.random.default_rng(1)
    table = rows.pivot(index="template_id", columns="group", values="score").to_numpy()
    gaps = []
    for _ in range(3000):
        shuffled = np.array([rng.permutation(r) for r in table])
        means = shuffled.mean(axis=0)
        gaps.append(means.max() - means.min())
    assert null.null_gap == pytest.approx(np.mean(gaps), rel=0.02)
    assert 0.05 < null.p_value < 1


def test_bh_matches_statsmodels() -> None:
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.01, 0.04, 0.03, np.nan, 0.5, 0.002])
    got = bh(p)
    ok = np.isfinite(p)
    assert np.isnan(got[~ok]).all()
    assert got[ok] == pytest.approx(multipletests(p[ok], method="fdr_bh")[1])


def test_omnibus_interaction_matches_statsmodels_anova() -> None:
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    rng = np.random.default_rng(0)
    a, t, b = 2, 4, 5
    cells = rng.normal(size=(a, t, b)) + np.arange(b)[None, None, :] * 0.3
    cells[1, :, 0] += 1.0  # an interaction
    frame = pd.DataFrame(
        [(i, j, k, cells[i, j, k]) for i in range(a) for j in range(t) for k in range(b)],
        columns=["a", "t", "b", "y"],
    )
    model = smf.ols("y ~ C(a) * C(b) + C(a):C(t) + C(b):C(t) + C(t)", data=frame).fit()
    table = anova_lm(model)
    f, df1, df2, p = omnibus_interaction(cells)
    assert (df1, df2) == (4, 12)
    assert f == pytest.approx(table.loc["C(a):C(b)", "F"])
    assert p == pytest.approx(table.loc["C(a):C(b)", "PR(>F)"])


def test_named_contrasts_select_groups_by_metadata() -> None:
    meta = pd.DataFrame({"value": ["A", "B", "C"], "income": ["low", "high", "low"]})
    w = named_contrasts({"low - high": ("income=low", "income=high")}, ["A", "B", "C"], meta)
    assert w["low - high"] == pytest.approx([0.5, -1.0, 0.5])
    # a side with no group in this audit (a filtered lexicon): the contrast is left out
    assert named_contrasts({"x": ("income=mid", "B")}, ["A", "B", "C"], meta) == {}
    with pytest.raises(UsageError, match="no group column 'region'"):
        named_contrasts({"x": ("region=Asia", "B")}, ["A", "B", "C"], meta)
    with pytest.raises(UsageError, match="'Z' is neither a group"):
        named_contrasts({"x": ("Z", "B")}, ["A", "B", "C"], meta)


def test_default_contrasts_are_signed_and_sum_to_zero() -> None:
    two = default_contrasts(["woman", "man"])
    assert list(two) == ["woman - man"] and two["woman - man"] == pytest.approx([1, -1])
    many = default_contrasts(["a", "b", "c", "d"])
    assert all(abs(w.sum()) < 1e-12 for w in many.values())


def test_se_is_corrected_for_few_clusters() -> None:
    reps = np.array([[0.0], [1.0], [2.0]])
    assert bootstrap_se(reps, 4)[0] == pytest.approx(np.sqrt(1.0 * 4 / 3))
    assert t_p_value(0.0, 0.0, 5) == 1.0


def test_two_slot_audit_has_cells_and_interactions(tmp_path: object) -> None:
    rows = crossed({"man": 0.0, "woman": -0.02}, n_wordings=6, others=8, seed=4)
    audit = AuditResult(probes=rows, slots=["group", "other"], n_bootstrap=500)
    cells = audit.cells("group", "other")
    assert len(cells) == 16 and (cells["n"] == 6).all()
    scored = rows[~rows.is_baseline]
    ref = scored.groupby(["group", "other"])["score"].mean()
    got = cells.set_index(["value_a", "value_b"])["mean"]
    assert got.loc[ref.index].to_numpy() == pytest.approx(ref.to_numpy())
    inter = audit.interaction("group", "other")
    assert inter.attrs["df1"] == 7 and inter.iloc[-1]["value_b"] == "all"
    gap = audit.gaps().query("slot == 'group' and template_id == 'all'").iloc[0]
    assert gap["n_wordings"] == 6 and 0 < gap["p_value"] <= 1
    with pytest.raises(UsageError, match="two different slots"):
        audit.cells("group", "group")


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.floats(-0.3, 0.3), min_size=2, max_size=6),
    st.integers(2, 6),
    st.integers(0, 10_000),
)
def test_every_interval_contains_its_estimate(
    effects: list[float], wordings: int, seed: int
) -> None:
    rows = crossed({f"g{i}": e for i, e in enumerate(effects)}, n_wordings=wordings, seed=seed)
    audit = AuditResult(probes=rows.drop(columns="other"), slots=["group"], n_bootstrap=100)
    groups, gaps, contrasts = audit.by_group(), audit.gaps(), audit.contrasts()
    ok = groups["ci_low"].notna()
    assert (groups.loc[ok, "ci_low"] <= groups.loc[ok, "mean"]).all()
    assert (groups.loc[ok, "mean"] <= groups.loc[ok, "ci_high"]).all()
    ok = gaps["gap_ci_low"].notna()
    assert (gaps.loc[ok, "gap_ci_low"] <= gaps.loc[ok, "gap"] + 1e-12).all()
    assert (gaps.loc[ok, "gap"] <= gaps.loc[ok, "gap_ci_high"] + 1e-12).all()
    assert (contrasts["ci_low"] <= contrasts["estimate"] + 1e-12).all()
    assert (contrasts["estimate"] <= contrasts["ci_high"] + 1e-12).all()
    # significance and interval agree: p < 0.05 exactly when the CI excludes 0
    excludes = (contrasts["ci_low"] > 0) | (contrasts["ci_high"] < 0)
    assert ((contrasts["p_value"] < 0.05) == excludes).all()


def test_named_contrast_resamples_the_groups_of_each_side() -> None:
    """No wording effect, noise only between groups: the SE of "mean of side A minus mean
    of side B" is the two-sample standard error of the group means (Welch, independent)."""
    rng = np.random.default_rng(9)
    effects = {f"a{i}": rng.normal(0.1, 0.1) for i in range(30)}
    effects |= {f"b{i}": rng.normal(0.0, 0.1) for i in range(40)}
    rows = crossed(effects, n_wordings=6, noise=0.0, seed=1)
    rows.loc[~rows.is_baseline, "score"] = rows.loc[~rows.is_baseline, "group"].map(effects) + 0.5
    spec = {"group": {"a - b": ([f"a{i}" for i in range(30)], [f"b{i}" for i in range(40)])}}
    audit = AuditResult(
        probes=rows.drop(columns="other"), slots=["group"], n_bootstrap=4000, contrasts=spec
    )
    row = audit.contrasts("group").set_index("contrast").loc["a - b"]
    a = np.array([effects[f"a{i}"] for i in range(30)])
    b = np.array([effects[f"b{i}"] for i in range(40)])
    se = np.sqrt(a.var(ddof=1) / 30 + b.var(ddof=1) / 40)
    assert row["estimate"] == pytest.approx(a.mean() - b.mean())
    # the bootstrap SE of a mean of n groups is sqrt((n - 1) / n) of the unbiased one, and
    # the wording factor n/(n - 1) = 6/5 inflates it back: within 10%
    assert row["se"] == pytest.approx(se * np.sqrt(6 / 5), rel=0.1)
