"""Verdicts, metrics, baselines and the expect() API of the threshold checks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _checks_support import MEANS, make_audit, make_probes, near_limit
from scipy import stats

import biasprobe
from biasprobe import AuditResult, DataError, ThresholdFailure, UsageError
from biasprobe.checks._expect import Checked, CheckedAudit, expect
from biasprobe.checks._metrics import EXAMPLE_COLUMNS, Measure, Sources, measure
from biasprobe.checks._thresholds import MetricRef, parse
from biasprobe.checks._verdicts import (
    Settings,
    checking,
    evaluate,
    judge,
    load_baseline,
    save_baseline,
)
from biasprobe.stats._paired import paired_stats


@pytest.fixture(scope="module")
def audit() -> AuditResult:
    return make_audit(MEANS)


def fake_measure(value: float, low: float, high: float) -> Measure:
    empty = pd.DataFrame(columns=list(EXAMPLE_COLUMNS))
    return Measure.make(
        MetricRef("m"),
        value,
        (low, high),
        groups="x",
        confidence=0.95,
        examples=lambda n, upper: empty,
    )


# verdicts -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("check", "verdict"),
    [
        ("m < 0.3", "pass"),
        ("m < 0.1", "fail"),
        ("m < 0.2", "inconclusive"),
        ("m < 0.25", "inconclusive"),  # the CI touches the limit: not wholly below
        ("m <= 0.25", "pass"),
        ("m < 0.15", "fail"),  # lowest CI point equals the limit: nothing is below
        ("m <= 0.15", "inconclusive"),
        ("m > 0.1", "pass"),
        ("m > 0.3", "fail"),
        ("m >= 0.25", "inconclusive"),
        ("m >= 0.15", "pass"),
    ],
)
def test_ci_aware_verdicts(check: str, verdict: str) -> None:
    m = fake_measure(0.2, 0.15, 0.25)
    assert judge(parse(check), m, Settings()).verdict == verdict


@pytest.mark.parametrize(
    ("check", "verdict"),
    [("m < 0.21", "pass"), ("m < 0.2", "fail"), ("m <= 0.2", "pass"), ("m > 0.19", "pass")],
)
def test_strict_verdicts_use_the_point_estimate(check: str, verdict: str) -> None:
    m = fake_measure(0.2, 0.0, 1.0)
    assert judge(parse(check), m, Settings(strict=True)).verdict == verdict


def test_interval_is_used_as_given() -> None:
    # no widening: audit intervals contain their estimates by construction (tested in
    # tests/stats), so the verdict reads the interval as it is
    m = fake_measure(0.3, 0.1, 0.2)
    assert judge(parse("m < 0.25"), m, Settings()).verdict == "pass"


def test_a_limit_the_design_cannot_resolve_is_insufficient_evidence() -> None:
    result = judge(parse("m < 0.1"), fake_measure(0.05, -0.1, 0.2), Settings())
    assert result.verdict == "inconclusive"
    assert result.reason.startswith("insufficient evidence: the 95% CI is +/-0.15 wide")
    narrow = judge(parse("m < 0.1"), fake_measure(0.08, 0.05, 0.11), Settings())
    assert narrow.verdict == "inconclusive" and "straddles" in narrow.reason


def test_insufficient_evidence_names_the_design_mde() -> None:
    """A gap check the design cannot resolve reports the audit's MDE (from gaps.csv),
    which must exceed the limit (else the CI could resolve it)."""
    audit = make_audit({"A": 0.50, "B": 0.51, "C": 0.49}, n_templates=4, sd=0.15)
    m = measure(audit, "gap(group)")
    mde = float(audit.gaps().iloc[0]["mde"])
    assert m.mde == pytest.approx(mde)
    result = judge(parse("gap(group) < 0.02"), m, Settings())
    assert result.verdict == "inconclusive" and result.reason.startswith("insufficient")
    assert f"a two-group difference of {mde:.3g} with 80% power" in result.reason
    assert mde > 0.02


def test_missing_interval_or_value_is_inconclusive() -> None:
    no_ci = judge(parse("m < 0.5"), fake_measure(0.2, math.nan, math.nan), Settings())
    no_value = judge(parse("m < 0.5"), fake_measure(math.nan, 0.1, 0.2), Settings(strict=True))
    assert (no_ci.verdict, no_value.verdict) == ("inconclusive", "inconclusive")
    assert "no CI" in no_ci.reason


def test_inconclusive_policy() -> None:
    m, check = fake_measure(0.2, 0.15, 0.25), parse("m < 0.2")
    assert not judge(check, m, Settings()).passed
    assert not judge(check, m, Settings(inconclusive="fail")).passed
    warned = judge(check, m, Settings(inconclusive="warn"))
    assert warned.passed and warned.verdict == "inconclusive"
    assert "only a warning" in warned.reason
    base = Settings(baseline={"m": 0.18}, baseline_path="b.json")
    assert judge(parse("m < baseline + 0.02"), m, base).passed  # baseline limits warn
    assert not judge(parse("m < baseline + 0.02"), m, base.merged(inconclusive="fail")).passed
    with pytest.raises(UsageError, match="inconclusive must be one of fail, warn"):
        Settings(inconclusive="maybe")


@pytest.mark.slow  # 20 simulated re-runs, each with its bootstrap
def test_ci_aware_verdict_is_stable_where_strict_flips() -> None:
    """Twenty re-runs of one check whose point estimate sits on the limit.

    Each run draws a different 90% sample of the templates (as a sampled lexicon or
    template set would) and uses a different bootstrap seed. The point estimate lands
    on either side of the limit, so strict mode flips between pass and fail; the 95% CI
    always straddles the limit, so the CI-aware verdict is the same every time.
    """
    full = make_probes({"A": 0.6, "B": 0.5}, n_templates=100, sd=0.1, seed=7)
    scored = full[~full["is_baseline"]]
    means = scored.groupby("group")["score"].mean()
    limit = float(means["A"] - means["B"])  # the full-data gap: exactly on the limit
    check = parse(f"gap(group) < {limit!r}")
    aware, strict = [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        keep = rng.choice(100, size=90, replace=False)
        probes = full[full["template_id"].isin([f"t{i}" for i in keep])]
        run = AuditResult(probes=probes, slots=["group"], seed=seed, n_bootstrap=500)
        m = measure(run, check.metric)
        aware.append(judge(check, m, Settings()).verdict)
        strict.append(judge(check, m, Settings(strict=True)).verdict)
    assert set(aware) == {"inconclusive"}
    assert set(strict) == {"pass", "fail"}


# metrics, against independent computations --------------------------------------------
def test_gap_measure(audit: AuditResult) -> None:
    scored = audit.probes[~audit.probes["is_baseline"]]
    means = scored.groupby("group")["score"].mean()
    m = measure(audit, "gap(group)")
    assert float(m) == pytest.approx(means.max() - means.min())
    assert m.groups == f"{means.idxmax()} vs {means.idxmin()}"
    row = audit.gaps().iloc[0]
    assert (m.ci_low, m.ci_high) == (row["gap_ci_low"], row["gap_ci_high"])
    wide = scored.pivot(index="template_id", columns="group", values="score")
    diffs = (wide[means.idxmax()] - wide[means.idxmin()]).sort_values(ascending=False)
    examples = m.examples(3)
    assert list(examples.columns) == list(EXAMPLE_COLUMNS)
    assert examples["difference"].tolist() == pytest.approx(diffs.head(3).tolist())
    assert examples["text_a"][0] == f"Sentence {diffs.index[0][1:]} about {means.idxmax()}."


def test_flip_rate_and_wilson_interval(audit: AuditResult) -> None:
    scored = audit.probes[~audit.probes["is_baseline"]]
    flips = int(((scored["score"] >= 0.5) != (0.6 >= 0.5)).sum())  # baseline scores 0.6
    m = measure(audit, "flip_rate")
    ci = stats.binomtest(flips, len(scored)).proportion_ci(0.95, method="wilson")
    assert float(m) == flips / len(scored)
    assert (m.ci_low, m.ci_high) == pytest.approx((ci.low, ci.high))
    examples = m.examples(50)
    assert len(examples) == flips
    assert examples["text_b"].str.endswith("about a group.").all()


def test_flip_rate_interval_follows_wordings() -> None:
    """Flips concentrated in one wording: the interval is the t-interval over wordings
    (logit scale), far wider than Wilson's, which counts probes as independent."""
    from scipy import special

    probes = make_probes({f"g{i}": 0.7 for i in range(8)}, n_templates=6, sd=0.01)
    probes.loc[(probes["template_id"] == "t0") & ~probes["is_baseline"], "score"] = 0.2
    probes.loc[probes["template_id"] == "t1", "score"] = [
        0.6,
        0.3,
        0.3,
        0.8,
        0.8,
        0.8,
        0.8,
        0.8,
        0.8,
    ]
    probes["p_POSITIVE"], probes["p_NEGATIVE"] = probes["score"], 1 - probes["score"]
    res = AuditResult(probes=probes, slots=["group"], n_bootstrap=4000)
    m = measure(res, "flip_rate")
    scored = probes[~probes["is_baseline"]]
    rate = (scored["score"] < 0.5).groupby(scored["template_id"]).mean()
    mean, se = rate.mean(), stats.sem(rate)
    lo, hi = special.expit(
        stats.t.interval(0.95, 5, loc=special.logit(mean), scale=se / (mean * (1 - mean)))
    )
    assert float(m) == pytest.approx(mean)
    assert (m.ci_low, m.ci_high) == pytest.approx((lo, hi), rel=0.1)
    wilson = stats.binomtest(int(mean * 48), 48).proportion_ci(0.95, method="wilson")
    assert m.ci_high - m.ci_low > 1.5 * (wilson.high - wilson.low)


def test_max_pair_delta(audit: AuditResult) -> None:
    scored = audit.probes[~audit.probes["is_baseline"]]
    spread = scored.groupby("template_id")["score"].agg(lambda s: s.max() - s.min())
    m = measure(audit, "max_pair_delta")
    assert float(m) == pytest.approx(spread.max())
    assert m.ci_low == m.ci_high == float(m)
    assert m.groups.endswith(f"in template {spread.idxmax()}")
    assert float(measure(audit, "max_pair_delta(group)")) == float(m)
    result = judge(parse("max_pair_delta < 0.01"), m, Settings())
    assert result.verdict == "fail" and result.reason == "the exact value is beyond the limit"


def test_delta_measure(audit: AuditResult) -> None:
    scored = audit.probes[~audit.probes["is_baseline"]]
    b = scored[scored["group"] == "B"]
    m = measure(audit, "delta(group=B)")
    assert float(m) == pytest.approx((b["score"] - 0.6).mean())
    assert m.examples(1, upper=False)["difference"][0] == pytest.approx((b["score"] - 0.6).min())
    with pytest.raises(UsageError, match="no group value 'Z'"):
        measure(audit, "delta(group=Z)")


def test_template_gap_has_no_interval(audit: AuditResult) -> None:
    m = measure(audit, "gap(group, template=t1)")
    scored = audit.probes[(~audit.probes["is_baseline"]) & (audit.probes["template_id"] == "t1")]
    assert float(m) == pytest.approx(scored["score"].max() - scored["score"].min())
    assert judge(parse("gap(group, template=t1) < 1"), m, Settings()).verdict == "inconclusive"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("gapp(group)", "unknown metric 'gapp'; metrics: gap(SLOT"),
        ("gap", "gap: wrong arguments; usage: gap(SLOT)"),
        ("gap(group, tmpl=x)", "unknown argument 'tmpl'; valid: template"),
        ("flip_rate(a, b)", "wrong arguments"),
        ("gap(contry)", "unknown slot 'contry'; slots of this audit: group"),
        ("stereoset.stereotype_share", "needs a comparison directory"),
        ("stereoset.bogus", "unknown metric 'stereoset.bogus'"),
        ("gap(group, template=nope)", "unknown template_id 'nope'"),
    ],
)
def test_bad_metrics_are_usage_errors(audit: AuditResult, expression: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        measure(audit, expression)


def test_sources_of_rejects_other_objects() -> None:
    with pytest.raises(UsageError, match="cannot check a int"):
        Sources.of(3)


# benchmark metrics from a comparison summary ---------------------------------------------
@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 120
    a = np.clip(rng.normal(0.6, 0.2, n), 0, 1)
    b = np.clip(a - rng.normal(0.05, 0.1, n), 0, 1)
    return pd.DataFrame(
        {
            "benchmark": "stereoset",
            "bias_type": np.where(np.arange(n) % 2, "gender", "race"),
            "text_a": [f"stereo {i}" for i in range(n)],
            "text_b": [f"anti {i}" for i in range(n)],
            "score_a": a,
            "score_b": b,
        }
    )


def test_benchmark_metrics(pairs: pd.DataFrame) -> None:
    summary = paired_stats(pairs, by=["bias_type"], n_bootstrap=200)
    src = Sources(benchmarks=summary, pairs=pairs)
    d = pairs["score_a"] - pairs["score_b"]
    share = ((d > 0).sum() + 0.5 * (d == 0).sum()) / len(d)
    m = measure(src, "stereoset.stereotype_share")
    assert float(m) == pytest.approx(share)
    flips = ((pairs["score_a"] >= 0.5) != (pairs["score_b"] >= 0.5)).mean()
    assert float(measure(src, "stereoset.flip_rate")) == pytest.approx(flips)
    gender = pairs["bias_type"] == "gender"
    by_kw = measure(src, "stereoset.mean_diff(bias_type=gender)")
    assert float(by_kw) == pytest.approx(d[gender].mean())
    assert float(measure(src, "stereoset.mean_diff(gender)")) == float(by_kw)
    worst = by_kw.examples(2)
    assert worst["difference"].tolist() == pytest.approx(d[gender].nlargest(2).tolist())
    with pytest.raises(UsageError, match="no benchmark 'winobias'"):
        measure(src, "winobias.flip_rate")
    with pytest.raises(UsageError, match="no such breakdown row"):
        measure(src, "stereoset.flip_rate(bias_type=age)")


def test_benchmark_metrics_pick_a_model(pairs: pd.DataFrame) -> None:
    summary = paired_stats(pairs, n_bootstrap=100)
    two = pd.concat([summary.assign(model="m1"), summary.assign(model="m2", mean_diff=0.9)])
    src = Sources(benchmarks=two)
    with pytest.raises(UsageError, match="several models; add model=NAME"):
        measure(src, "stereoset.mean_diff")
    assert float(measure(src, "stereoset.mean_diff(model=m2)")) == 0.9
    assert measure(src, "stereoset.mean_diff(model=m1)").examples(3).empty


# baselines ----------------------------------------------------------------------------------
def test_baseline_round_trip_and_regression(tmp_path: Path, audit: AuditResult) -> None:
    path = tmp_path / "baseline.json"
    save_baseline(path, audit)
    doc = json.loads(path.read_text())
    assert set(doc["metrics"]) == {"gap(group)", "flip_rate", "max_pair_delta"}
    assert doc["metrics"]["gap(group)"]["value"] == pytest.approx(float(audit.gap("group")))
    values = load_baseline(path)
    settings = Settings(baseline=values, baseline_path=str(path))
    same = evaluate("gap(group) <= baseline + 0.02", audit, settings)
    assert same.limit == pytest.approx(float(audit.gap("group")) + 0.02)
    assert same.passed
    worse = make_audit({"A": 0.9, "B": 0.3, "C": 0.55})
    regressed = evaluate("gap(group) <= baseline + 0.02", worse, settings)
    assert regressed.verdict == "fail"
    assert f"baseline {values['gap(group)']:.4g} from {path}" in regressed.message()


def test_baseline_errors(tmp_path: Path, audit: AuditResult) -> None:
    with pytest.raises(UsageError, match="compares with a baseline; give one"):
        evaluate("gap(group) <= baseline", audit, Settings())
    path = tmp_path / "b.json"
    save_baseline(path, audit)
    settings = Settings(baseline=load_baseline(path), baseline_path=str(path))
    with pytest.raises(DataError, match=r"baseline has no metric 'delta\(group=A\)'; it has: "):
        evaluate("delta(group=A) <= baseline", audit, settings)
    path.write_text('{"metrics": {"gap(x)": {"value": "high"}}}')
    with pytest.raises(DataError, match=r"metric 'gap\(x\)' has no numeric 'value'"):
        load_baseline(path)
    path.write_text('{"metrics":\n oops}')
    with pytest.raises(DataError, match="line 2: not valid JSON"):
        load_baseline(path)
    path.write_text("[]")
    with pytest.raises(DataError, match="not a biasprobe baseline"):
        load_baseline(path)


# expect() and CI-aware comparisons ------------------------------------------------------------
def test_expect_chain_and_failure(audit: AuditResult) -> None:
    ok = expect(audit).max_gap("group", 0.5).max_flip_rate("70%").max_pair_delta(0.6)
    assert [r.verdict for r in ok.results] == ["pass", "pass", "pass"]
    with pytest.raises(ThresholdFailure) as info:
        biasprobe.expect(audit).max_gap("group", 0.1)
    lines = str(info.value).split("\n")
    assert lines[0] == "gap(group) <= 0.1: FAIL (the whole 95% CI is beyond the limit)"
    assert [line.split(":")[0] for line in lines[1:6]] == [
        "metric",
        "groups",
        "observed",
        "limit",
        "worst examples",
    ]
    assert lines[3] == (
        f"observed: {float(audit.gap('group')):.4f} "
        f"(95% CI {audit.gap('group').ci_low:.4f} to {audit.gap('group').ci_high:.4f})"
    )
    cases = info.value.failure_cases
    assert list(cases.columns) == list(EXAMPLE_COLUMNS) and len(cases) == 3
    assert len(lines) == 6 + 3
    assert isinstance(info.value, AssertionError)


def test_expect_settings(audit: AuditResult, tmp_path: Path) -> None:
    near = near_limit(audit)
    with pytest.raises(ThresholdFailure, match="INCONCLUSIVE"):
        expect(audit).max_gap("group", near)
    assert expect(audit, strict=True).max_gap("group", near).results[0].verdict == "pass"
    assert expect(audit, inconclusive="warn").max_gap("group", near).results[0].passed
    path = tmp_path / "b.json"
    save_baseline(path, audit)
    assert expect(audit, baseline=path).max_gap("group", "baseline + 0.01").results[0].passed


def test_checked_comparisons(audit: AuditResult) -> None:
    checked = CheckedAudit(audit)
    gap = checked.gap("group")
    assert isinstance(gap, Checked) and float(gap) == float(audit.gap("group"))
    assert gap < 0.5
    assert not gap < 0.1
    near = near_limit(audit)
    assert not gap < near and not gap >= near  # inconclusive: neither side holds
    assert not near > gap  # the reflected comparison is a check too
    assert gap.results[("<", near)].verdict == "inconclusive"
    assert (gap < audit.gap("group")) is False  # estimate vs estimate: plain floats
    assert checked.by_group("group").equals(audit.by_group("group"))
    assert "synthetic: 18 probes, slots group" in repr(checked)
    assert checked.check("max_pair_delta < 0.5").passed
    assert float(checked.delta("group", "B")) == float(measure(audit, "delta(group=B)"))


def test_context_sets_defaults_and_collects_results(audit: AuditResult) -> None:
    seen = []
    gap = CheckedAudit(audit).gap("group")
    near = near_limit(audit)
    with checking(Settings(strict=True), seen.append):
        assert gap < near
        expect(audit).max_flip_rate(0.9)
    assert [str(r.check) for r in seen] == [f"gap(group) < {near:g}", "flip_rate <= 0.9"]
    assert all(r.settings.strict for r in seen)
    assert not gap < near  # outside the context: CI-aware again
