"""Audit results: statistics checked against independent computations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from biasprobe import AuditResult, DataError, UsageError, load_audit


def synthetic(
    scores: dict[str, list[float]], *, baseline: float = 0.5, n_templates: int = 1
) -> pd.DataFrame:
    """A probe table: groups x values spread over ``n_templates`` templates, one baseline each."""
    rows = []
    for t in range(n_templates):
        rows.append(
            {"template_id": f"t{t}", "group": "a thing", "score": baseline, "is_baseline": True}
        )
    for group, values in scores.items():
        for i, v in enumerate(values):
            rows.append(
                {
                    "template_id": f"t{i % n_templates}",
                    "group": group,
                    "score": v,
                    "is_baseline": False,
                }
            )
    frame = pd.DataFrame(rows)
    frame.insert(0, "probe_id", range(len(frame)))
    frame["template"] = "{group} is here."
    frame["text"] = [f"{g} {i}" for i, g in enumerate(frame["group"])]
    return frame


RNG = np.random.default_rng(7)
GROUPS = {g: list(RNG.beta(a, 2, size=40)) for g, a in [("x", 2.0), ("y", 5.0), ("z", 3.0)]}


@pytest.fixture(scope="module")
def result() -> AuditResult:
    return AuditResult(
        probes=synthetic(GROUPS, n_templates=4), slots=["group"], seed=1, n_bootstrap=4000
    )


def test_group_means_and_ns_match_pandas(result: AuditResult) -> None:
    got = result.by_group("group").set_index("value")
    for g, values in GROUPS.items():
        assert got.loc[g, "n"] == len(values)
        assert got.loc[g, "mean"] == pytest.approx(np.mean(values), abs=1e-12)
        assert got.loc[g, "std"] == pytest.approx(np.std(values, ddof=1), abs=1e-12)
        assert got.loc[g, "delta"] == pytest.approx(np.mean(values) - 0.5, abs=1e-12)
    assert got["mean"].is_monotonic_decreasing


def test_group_ci_is_the_logit_normal_pivot_over_wordings(result: AuditResult) -> None:
    """Wordings are the resampled clusters and the scores probabilities: the interval is
    the generalized pivotal interval of a logit-normal mean of the group's per-wording
    means, shifted to the sample mean. Recomputed here with scipy draws and a grid
    integral, up to Monte Carlo noise."""
    got = result.by_group("group").set_index("value")
    probes = synthetic(GROUPS, n_templates=4)
    scored = probes[~probes.is_baseline]
    z = np.linspace(-8, 8, 161)  # step 0.1: the rule is exact to ~1e-14 on this smooth integrand
    density = stats.norm.pdf(z) * (z[1] - z[0])
    for i, g in enumerate(GROUPS):
        per_wording = scored[scored.group == g].groupby("template_id")["score"].mean()
        n, m = len(per_wording), per_wording.mean()
        logits = special.logit(per_wording.to_numpy())
        theta, s = logits.mean(), logits.std(ddof=1)
        tau = s * np.sqrt((n - 1) / stats.chi2.rvs(n - 1, size=20000, random_state=i))
        theta_star = theta - stats.norm.rvs(size=20000, random_state=100 + i) * tau / np.sqrt(n)
        draws = special.expit(theta_star[:, None] + tau[:, None] * z) @ density
        centre = special.expit(theta + s * z) @ density
        q_lo, q_hi = np.quantile(draws, [0.025, 0.975])
        lo, hi = m - (centre - q_lo), m + (q_hi - centre)
        assert got.loc[g, "ci_low"] < got.loc[g, "mean"] < got.loc[g, "ci_high"]
        half = (hi - lo) / 2
        assert got.loc[g, "ci_low"] == pytest.approx(lo, abs=0.1 * half)
        assert got.loc[g, "ci_high"] == pytest.approx(hi, abs=0.1 * half)


def test_gap_is_max_minus_min_of_group_means(result: AuditResult) -> None:
    means = {g: np.mean(v) for g, v in GROUPS.items()}
    gap = result.gap("group")
    assert float(gap) == pytest.approx(max(means.values()) - min(means.values()), abs=1e-12)
    assert gap.ci_low <= float(gap) <= gap.ci_high
    row = result.gaps().query("template_id == 'all'").iloc[0]
    assert row["max_group"] == max(means, key=lambda g: means[g])
    assert row["min_group"] == min(means, key=lambda g: means[g])
    assert row["spread"] == pytest.approx(np.std(list(means.values()), ddof=1), abs=1e-12)
    assert set(result.gaps()["template_id"]) == {"all", "t0", "t1", "t2", "t3"}


def test_per_template_means_match_pandas(result: AuditResult) -> None:
    table = result.per_template("group").set_index(["template_id", "value"])
    probes = synthetic(GROUPS, n_templates=4)
    ref = probes[~probes.is_baseline].groupby(["template_id", "group"])["score"].mean()
    for key, value in ref.items():
        assert table.loc[key, "mean"] == pytest.approx(value, abs=1e-12)


def test_same_seed_same_intervals_and_different_seed_differs() -> None:
    probes = synthetic(GROUPS)
    a = AuditResult(probes=probes, slots=["group"], seed=3).by_group()
    b = AuditResult(probes=probes, slots=["group"], seed=3).by_group()
    c = AuditResult(probes=probes, slots=["group"], seed=4).by_group()
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["ci_low"], c["ci_low"])


@settings(max_examples=25, deadline=None)
@given(st.permutations(["x", "y", "z"]))
def test_relabelling_groups_keeps_gap_magnitude(perm: list[str]) -> None:
    renamed = dict(zip(["x", "y", "z"], perm, strict=True))
    probes = synthetic({renamed[g]: v for g, v in GROUPS.items()})
    base = AuditResult(probes=synthetic(GROUPS), slots=["group"], n_bootstrap=200)
    other = AuditResult(probes=probes, slots=["group"], n_bootstrap=200)
    assert float(other.gap("group")) == pytest.approx(float(base.gap("group")), abs=1e-12)


def test_single_value_groups_have_no_interval() -> None:
    res = AuditResult(probes=synthetic({"x": [0.9], "y": [0.2]}), slots=["group"], n_bootstrap=100)
    assert res.by_group()["ci_low"].isna().all()
    assert float(res.gap("group")) == pytest.approx(0.7)


def test_extreme_pairs_are_template_matched() -> None:
    res = AuditResult(
        probes=synthetic({"x": [0.9, 0.8], "y": [0.1, 0.5]}, n_templates=2), slots=["group"]
    )
    pairs = res.extreme_pairs("group")
    assert pairs["difference"].tolist() == pytest.approx([0.8, 0.3])
    assert pairs["template_id"].tolist() == ["t0", "t1"]


def test_save_and_load_round_trip(tmp_path: Path, result: AuditResult) -> None:
    result.metadata["model"] = {"model": "fake"}
    result.save(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "audit.json",
        "contrasts.csv",
        "gaps.csv",
        "groups.csv",
        "probes.parquet",
        "templates.csv",
    ]
    result.metadata["slots"] = ["group"]
    result.save(tmp_path / "out")
    again = load_audit(tmp_path / "out")
    pd.testing.assert_frame_equal(again.by_group(), result.by_group())
    csv = pd.read_csv(tmp_path / "out" / "groups.csv")
    assert csv["mean"].tolist() == pytest.approx(result.by_group()["mean"].tolist())
    assert "<strong>biasprobe audit</strong>" in again._repr_html_()


def test_bad_inputs() -> None:
    with pytest.raises(DataError, match="lacks column 'group'"):
        AuditResult(probes=synthetic(GROUPS).drop(columns="group"), slots=["group"])
    with pytest.raises(UsageError, match=r"unknown slot 'grop'; slots of this audit: group"):
        AuditResult(probes=synthetic(GROUPS), slots=["group"], n_bootstrap=50).by_group("grop")
    with pytest.raises(UsageError, match="confidence must be between 0 and 1"):
        AuditResult(probes=synthetic(GROUPS), slots=["group"], confidence=95)


def test_load_audit_of_a_non_audit_dir(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"probes.parquet: not found; is .* an audit directory"):
        load_audit(tmp_path)


def test_gap_ci_is_paired_by_template() -> None:
    """Shared wording effects cancel: the gap CI brackets the gap and stays narrow."""
    rng = np.random.default_rng(11)
    template_effect = np.linspace(0.1, 0.9, 8)
    rows = [
        {"template_id": f"t{t}", "group": "neutral", "score": 0.5, "is_baseline": True}
        for t in range(8)
    ]
    for g in range(30):
        for t in range(8):
            score = template_effect[t] + (0.05 if g == 0 else 0.0) + rng.normal(0, 0.005)
            rows.append(
                {"template_id": f"t{t}", "group": f"g{g}", "score": score, "is_baseline": False}
            )
    probes = pd.DataFrame(rows).assign(probe_id=range(len(rows)), template="{group}", text="x")
    res = AuditResult(probes=probes, slots=["group"], n_bootstrap=1000)
    gap = res.gap("group")
    means = probes[~probes.is_baseline].groupby("group")["score"].mean()
    assert float(gap) == pytest.approx(means.max() - means.min())
    assert gap.ci_low <= float(gap) <= gap.ci_high
    assert gap.ci_high < 0.1  # independent per-group resampling would give about 0.5
