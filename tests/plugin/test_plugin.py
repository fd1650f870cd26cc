"""The pytest plugin, through real pytest sessions (``pytester``)."""

from __future__ import annotations

import json
import re
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pytest
from _checks_support import MEANS, make_audit, make_probes, near_limit, save_audit

import biasprobe.checks._expect  # noqa: F401 - imported before pytester snapshots sys.modules
from biasprobe import AuditResult, load_audit
from biasprobe.checks._metrics import measure
from biasprobe.checks._verdicts import save_baseline


@pytest.fixture(scope="module", autouse=True)
def _modules_loaded_once(tmp_path_factory: pytest.TempPathFactory) -> None:
    """pytester (in process) drops the modules first imported during a test, and some
    extension modules (pyarrow types, numpy.fft) cannot load twice: run every metric
    through a saved audit once before any test. Sessions that load a model run in a
    subprocess for the same reason (torch)."""
    folder = save_audit(tmp_path_factory.mktemp("warm") / "audit", MEANS)
    audit = load_audit(folder)
    for metric in ("gap(group)", "flip_rate", "max_pair_delta", "delta(group=A)"):
        measure(audit, metric).examples(3)


NEAR = near_limit(make_audit(MEANS))  # inside the gap's CI, above its estimate
NEAR_RE = re.escape(f"{NEAR:g}")


@pytest.fixture
def audit_dir(pytester: pytest.Pytester) -> Path:
    return save_audit(pytester.path / "audit", MEANS)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def escaped(lines: list[str], prefix: str = "") -> list[str]:
    return [prefix + re.escape(line) + "$" for line in lines]


def expected_gap_message(audit: AuditResult, check: str, verdict: str) -> list[str]:
    """The failure message, computed from the probe table (not from the plugin)."""
    scored = audit.probes[~audit.probes["is_baseline"]]
    means = scored.groupby("group")["score"].mean()
    top, bottom = means.idxmax(), means.idxmin()
    wide = scored.pivot(index="template_id", columns="group", values="score")
    texts = scored.pivot(index="template_id", columns="group", values="text")
    order = (wide[top] - wide[bottom]).sort_values(ascending=False).index[:3]
    row = audit.gaps().iloc[0]
    lines = [
        f"{check}: {verdict}",
        "metric:   gap(group)",
        f"groups:   {top} vs {bottom}",
        f"observed: {means[top] - means[bottom]:.4f} "
        f"(95% CI {row['gap_ci_low']:.4f} to {row['gap_ci_high']:.4f})",
        f"limit:    {check.split(' ', 1)[1]}",
        "worst examples:",
    ]
    for t in order:
        a, b = wide.loc[t, top], wide.loc[t, bottom]
        lines.append(
            f'  {a:.3f} "{texts.loc[t, top]}" vs {b:.3f} "{texts.loc[t, bottom]}" '
            f"(diff {a - b:+.3f})"
        )
    return lines


def test_entry_point_registers_the_plugin() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found.get("biasprobe") == "biasprobe.pytest_plugin"


def test_passing_check(pytester: pytest.Pytester, audit_dir: Path) -> None:
    pytester.makepyfile(
        test_ok="""
        def test_gap(biasprobe_audit):
            assert biasprobe_audit.gap("group") < 0.5
        """
    )
    result = run(pytester, f"--biasprobe-audit-dir={audit_dir}")
    result.assert_outcomes(passed=1)
    row = make_audit(MEANS).gaps().iloc[0]
    result.stdout.re_match_lines(
        [
            r"=+ biasprobe checks =+$",
            r"PASS +"
            + re.escape(
                f"gap(group) < 0.5  observed {row['gap']:.4f} "
                f"[{row['gap_ci_low']:.4f}, {row['gap_ci_high']:.4f}]  test_ok.py::test_gap"
            )
            + "$",
            r"1 check: 1 pass, 0 fail, 0 inconclusive$",
        ]
    )


def test_failing_check_fails_its_own_test(pytester: pytest.Pytester, audit_dir: Path) -> None:
    pytester.makepyfile(
        test_two="""
        def test_fails(biasprobe_audit):
            assert biasprobe_audit.gap("group") < 0.1

        def test_passes(biasprobe_audit):
            assert biasprobe_audit.gap("group") < 0.5
        """
    )
    result = run(pytester, f"--biasprobe-audit-dir={audit_dir}")
    result.assert_outcomes(passed=1, failed=1)
    lines = expected_gap_message(
        make_audit(MEANS),
        "gap(group) < 0.1",
        "FAIL (the whole 95% CI is beyond the limit)",
    )
    result.stdout.re_match_lines(
        [r"E +assert " + re.escape(lines[0]) + "$", *escaped(lines[1:], r"E +")]
    )
    result.stdout.re_match_lines(
        [r"FAIL +gap\(group\) < 0\.1 .*test_two\.py::test_fails$", r"2 checks: 1 pass, 1 fail"]
    )
    result.stdout.no_fnmatch_line("*Full output truncated*")


def test_inconclusive_fails_by_default_and_warns_on_request(
    pytester: pytest.Pytester, audit_dir: Path
) -> None:
    pytester.makepyfile(
        test_near=f"""
        def test_near(biasprobe_audit):
            assert biasprobe_audit.gap("group") < {NEAR}
        """
    )
    result = run(pytester, f"--biasprobe-audit-dir={audit_dir}")
    result.assert_outcomes(failed=1)
    verdict = "INCONCLUSIVE (the 95% CI straddles the limit; counted as a failure)"
    lines = expected_gap_message(make_audit(MEANS), f"gap(group) < {NEAR}", verdict)
    result.stdout.re_match_lines(
        [r"E +assert " + re.escape(lines[0]) + "$", *escaped(lines[1:], r"E +")]
    )
    result.stdout.re_match_lines([rf"INCONCLUSIVE \(fail\) +gap\(group\) < {NEAR_RE} .*test_near"])

    warned = run(pytester, f"--biasprobe-audit-dir={audit_dir}", "--biasprobe-inconclusive=warn")
    warned.assert_outcomes(passed=1)
    warned.stdout.re_match_lines(
        [
            rf"INCONCLUSIVE \(warn\) +gap\(group\) < {NEAR_RE} .*test_near",
            r"1 check: 0 pass, 0 fail, 1",
        ]
    )


def test_marker_overrides_options(pytester: pytest.Pytester, audit_dir: Path) -> None:
    pytester.makepyfile(
        test_marked=f"""
        import pytest
        import biasprobe

        @pytest.mark.biasprobe(strict=True)
        def test_strict(biasprobe_audit):
            assert biasprobe_audit.gap("group") < {NEAR}  # the point estimate is below {NEAR}

        @pytest.mark.biasprobe(inconclusive="warn")
        def test_warn(biasprobe_audit):
            biasprobe.expect(biasprobe_audit).max_gap("group", {NEAR})

        @pytest.mark.biasprobe(strict=False)
        def test_not_strict(biasprobe_audit):
            assert biasprobe_audit.gap("group") < {NEAR}

        def test_session_default(biasprobe_audit):
            assert biasprobe_audit.gap("group") < {NEAR}
        """
    )
    result = run(pytester, f"--biasprobe-audit-dir={audit_dir}")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.re_match_lines(
        [
            rf"PASS +gap\(group\) < {NEAR_RE} .*::test_strict$",
            rf"INCONCLUSIVE \(warn\) +gap\(group\) <= {NEAR_RE} .*::test_warn$",
            rf"INCONCLUSIVE \(fail\) +gap\(group\) < {NEAR_RE} .*::test_not_strict$",
            rf"INCONCLUSIVE \(fail\) +gap\(group\) < {NEAR_RE} .*::test_session_default$",
        ]
    )
    strict = run(pytester, f"--biasprobe-audit-dir={audit_dir}", "--biasprobe-strict")
    strict.assert_outcomes(passed=3, failed=1)
    strict.stdout.re_match_lines([r"FAILED test_marked\.py::test_not_strict - assert gap"])


FAKE_CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def biasprobe_model():
    calls = []
    def score(texts):
        calls.append(len(texts))
        return [[0.1, 0.9] if "Alpha" in t else [0.5, 0.5] for t in texts]
    score.calls = calls
    return score
"""
LEXICON = "# name: {name}\nvalue\n{values}\n"
TEMPLATES = """
name: {name}
slots:
  thing: {{lexicon: {name}.csv, neutral: something}}
templates:
  - {{id: one, text: "I like {{thing}}."}}
  - {{id: two, text: "We talked about {{thing}} today."}}
"""


def test_marker_picks_the_template_set(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(FAKE_CONFTEST)
    for name, values in (("letters", "Alpha\nBeta"), ("colours", "red\ngreen\nblue")):
        pytester.path.joinpath(f"{name}.csv").write_text(LEXICON.format(name=name, values=values))
        pytester.path.joinpath(f"{name}.yaml").write_text(TEMPLATES.format(name=name))
    pytester.makepyfile(
        test_sets="""
        import pytest

        def test_default(biasprobe_audit, biasprobe_model):
            assert biasprobe_audit.metadata["template_set"]["name"] == "letters"
            assert biasprobe_audit.gap("thing") > 0.3  # Alpha 0.9 vs Beta 0.5

        @pytest.mark.biasprobe(templates="colours.yaml")
        def test_other_set(biasprobe_audit):
            assert biasprobe_audit.metadata["template_set"]["name"] == "colours"
            assert biasprobe_audit.max_pair_delta() < 0.01

        def test_cached(biasprobe_audit, biasprobe_model):
            assert biasprobe_model.calls == [6, 8]  # each set scored once: 2x(2+1), 2x(3+1)
        """
    )
    result = run(pytester, "--biasprobe-templates=letters.yaml", "--biasprobe-cache=none")
    result.assert_outcomes(passed=3)
    result.stdout.re_match_lines([r"2 checks: 2 pass, 0 fail, 0 inconclusive$"])


def test_bad_expression_is_a_usage_error(pytester: pytest.Pytester, audit_dir: Path) -> None:
    pytester.makepyfile(
        test_expr="""
        def test_expr(biasprobe_audit):
            biasprobe_audit.check("gap(group) <")

        def test_slot(biasprobe_audit):
            assert biasprobe_audit.gap("grup") < 0.1
        """
    )
    result = run(pytester, f"--biasprobe-audit-dir={audit_dir}")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_expr _*",
            "biasprobe: cannot parse check 'gap(group) <^': expected a number (0.1, 5%)"
            " or 'baseline' at column 13, found the end",
            "*_ test_slot _*",
            "biasprobe: unknown slot 'grup'; slots of this audit: group",
        ]
    )
    result.stdout.fnmatch_lines(["FAILED test_expr.py::test_expr - Failed: biasprobe: cannot*"])
    assert "Traceback" not in result.stdout.str()
    assert "_thresholds.py" not in result.stdout.str()


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("strcit=True", "unknown keyword 'strcit'; valid: inconclusive, strict, templates"),
        ("'country'", "takes keywords only (inconclusive, strict, templates)"),
        ("strict='yes'", "strict must be True or False, got 'yes'"),
        ("inconclusive='skip'", "inconclusive must be 'fail' or 'warn'"),
    ],
)
def test_bad_marker_is_rejected(
    pytester: pytest.Pytester, audit_dir: Path, marker: str, message: str
) -> None:
    pytester.makepyfile(
        test_marker=f"""
        import pytest

        @pytest.mark.biasprobe({marker})
        def test_marked(biasprobe_audit):
            assert biasprobe_audit.gap("group") < 0.5

        def test_unmarked(biasprobe_audit):
            assert biasprobe_audit.gap("group") < 0.5
        """
    )
    result = run(pytester, f"--biasprobe-audit-dir={audit_dir}")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*_ ERROR at setup of test_marked _*",
            f"biasprobe: @pytest.mark.biasprobe on test_marked: {message}",
        ]
    )
    assert "Traceback" not in result.stdout.str()


@pytest.mark.slow  # a pytest session in a subprocess
def test_missing_model_is_a_clear_error(pytester: pytest.Pytester) -> None:
    missing = pytester.path / "no-such-model"
    pytester.makepyfile(
        test_model="""
        def test_a(biasprobe_audit):
            assert biasprobe_audit.gap("country") < 0.1

        def test_b(biasprobe_audit):
            assert biasprobe_audit.gap("country") < 0.1

        def test_unrelated():
            assert True
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--biasprobe-model={missing}", "--biasprobe-cache=none"
    )
    result.assert_outcomes(passed=1, errors=2)
    line = (
        f"biasprobe: model path '{missing}' does not exist (or is not a folder); give a folder"
        " with config.json and weights, or a Hub id such as"
        " distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    )
    result.stdout.fnmatch_lines(["*_ ERROR at setup of test_a _*", line])
    result.stdout.fnmatch_lines(["*_ ERROR at setup of test_b _*", line])
    assert "Traceback" not in result.stdout.str()


def test_plain_estimate_and_unrelated_asserts(pytester: pytest.Pytester, audit_dir: Path) -> None:
    pytester.makepyfile(
        test_plain="""
        def test_plain(biasprobe_audit):
            assert biasprobe_audit.audit.gap("group") < 0.1

        def test_float():
            assert 0.5 < 0.1
        """
    )
    result = run(pytester, f"--biasprobe-audit-dir={audit_dir}")
    result.assert_outcomes(failed=2)
    gap = make_audit(MEANS).gap("group")
    result.stdout.re_match_lines(
        [
            r"E +assert "
            + re.escape("gap(group) < 0.1: FAIL (plain Estimate: the point estimate is compared)"),
            r"E +metric:   gap\(group\)$",
            r"E +observed: "
            + re.escape(f"{float(gap):.4f} (CI {gap.ci_low:.4f} to {gap.ci_high:.4f})")
            + "$",
        ]
    )
    result.stdout.re_match_lines([r"E +assert 0\.5 < 0\.1$"])
    assert "biasprobe checks" not in result.stdout.str()


def test_report_and_baseline(pytester: pytest.Pytester, audit_dir: Path) -> None:
    baseline = pytester.path / "baseline.json"
    save_baseline(baseline, make_audit(MEANS))
    worse_dir = save_audit(pytester.path / "worse", {"A": 0.9, "B": 0.3, "C": 0.55})
    pytester.makepyfile(
        test_base="""
        def test_no_regression(biasprobe_audit):
            biasprobe_audit.check("gap(group) <= baseline + 0.02")
        """
    )
    report = pytester.path / "checks.json"
    same = run(
        pytester,
        f"--biasprobe-audit-dir={audit_dir}",
        f"--biasprobe-baseline={baseline}",
        f"--biasprobe-report={report}",
    )
    same.assert_outcomes(passed=1)
    records = json.loads(report.read_text())["checks"]
    assert [(r["test"], r["verdict"], r["passed"]) for r in records] == [
        ("test_base.py::test_no_regression", "inconclusive", True)
    ]
    base_gap = json.loads(baseline.read_text())["metrics"]["gap(group)"]["value"]
    assert records[0]["limit"] == pytest.approx(base_gap + 0.02)
    worse = run(pytester, f"--biasprobe-audit-dir={worse_dir}", f"--biasprobe-baseline={baseline}")
    worse.assert_outcomes(failed=1)
    worse.stdout.re_match_lines(
        [r"E +biasprobe\._errors\.ThresholdFailure: gap\(group\) <= baseline \+ 0\.02: FAIL"]
    )


def test_bad_baseline_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x():\n    assert True\n")
    missing = pytester.path / "missing.json"
    result = run(pytester, f"--biasprobe-baseline={missing}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: biasprobe: {missing}: file not found"])


def test_ini_options(pytester: pytest.Pytester, audit_dir: Path) -> None:
    pytester.makeini(
        "[pytest]\nbiasprobe_audit_dir = audit\nbiasprobe_inconclusive = warn\n"
        "biasprobe_strict = false\n"
    )
    pytester.makepyfile(
        test_ini=f"""
        def test_near(biasprobe_audit):
            assert biasprobe_audit.gap("group") < {NEAR}
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.re_match_lines([rf"INCONCLUSIVE \(warn\) +gap\(group\) < {NEAR_RE}"])


def test_audit_dir_with_another_template_set(pytester: pytest.Pytester, audit_dir: Path) -> None:
    meta = json.loads((audit_dir / "audit.json").read_text())
    meta["template_set"] = {"name": "country"}
    (audit_dir / "audit.json").write_text(json.dumps(meta))
    pytester.makepyfile(
        test_set="""
        import pytest

        @pytest.mark.biasprobe(templates="religion")
        def test_religion(biasprobe_audit):
            pass
        """
    )
    result = run(pytester, f"--biasprobe-audit-dir={audit_dir}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            f"biasprobe: --biasprobe-audit-dir {audit_dir} holds template set 'country',"
            " but the test asks for 'religion'"
        ]
    )


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "test_model_bias.py"


def test_example_user_test_file(pytester: pytest.Pytester) -> None:
    """examples/test_model_bias.py against a synthetic country audit with known outcomes."""
    probes = make_probes(
        {"France": 0.9, "Japan": 0.85, "Afghanistan": 0.3},
        slot="country",
        n_templates=30,
        sd=0.02,
        seed=1,
    )
    probes["template_id"] = probes["template_id"].replace("t0", "film_filmed_in")
    meta = {"slots": ["country"], "model": {"model": "synthetic"}}
    AuditResult(probes=probes, slots=["country"], metadata=meta).save(pytester.path / "a")
    pytester.path.joinpath("test_model_bias.py").write_text(EXAMPLE.read_text())
    result = run(pytester, f"--biasprobe-audit-dir={pytester.path / 'a'}")
    scored = probes[~probes["is_baseline"]]
    afghan = scored[scored["country"] == "Afghanistan"]
    assert (afghan["score"] - 0.6).mean() < -0.2  # delta check fails
    flips = ((scored["score"] >= 0.5) != True).mean()  # noqa: E712 - baseline 0.6 is positive
    assert flips == pytest.approx(1 / 3)  # flip-rate check (<= 25%): its CI reaches 0.245
    result.assert_outcomes(failed=4)
    result.stdout.re_match_lines(
        [
            r"FAIL +gap\(country\) < 0\.1 .*::test_country_gap$",
            r"INCONCLUSIVE \(fail\) +flip_rate <= 25% .*::test_few_label_flips$",
            r"FAIL +delta\(country=Afghanistan\) > -0\.2 .*::test_afghanistan_near_neutral$",
            r"FAIL +gap\(country, template=film_filmed_in\) < 0\.5 .*::test_model_card_sentence$",
        ]
    )


COUNTRIES = ["France", "Japan", "Niger", "Syria"]
WORDINGS = [
    "This film was filmed in {}.",
    "We are planning a trip to {} next month.",
    "This product was made in {}.",
]


@pytest.fixture(scope="module")
def direct_gap(stand_in_model: Path) -> float:
    """The country gap from a direct transformers call (module scope: torch is imported
    before pytester snapshots sys.modules)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(stand_in_model)
    model = AutoModelForSequenceClassification.from_pretrained(stand_in_model).eval()
    positive = {v: k for k, v in model.config.id2label.items()}["POSITIVE"]
    means = []
    for country in COUNTRIES:
        batch = tok([w.format(country) for w in WORDINGS], return_tensors="pt", padding=True)
        with torch.no_grad():
            probs = torch.softmax(model(**batch).logits, dim=-1)[:, positive].numpy()
        means.append(float(np.mean(probs)))
    return max(means) - min(means)


@pytest.mark.model
def test_real_model_through_the_plugin(
    pytester: pytest.Pytester, stand_in_model: Path, direct_gap: float
) -> None:
    countries = COUNTRIES
    pytester.path.joinpath("few.csv").write_text(
        "# name: few\nvalue\n" + "\n".join(countries) + "\n"
    )
    pytester.path.joinpath("few.yaml").write_text(
        "name: few\nslots:\n  country: {lexicon: few.csv, neutral: a country}\ntemplates:\n"
        '  - {id: film, text: "This film was filmed in {country}."}\n'
        '  - {id: trip, text: "We are planning a trip to {country} next month."}\n'
        '  - {id: made, text: "This product was made in {country}."}\n'
    )
    expected = direct_gap
    pytester.makepyfile(
        test_real=f"""
        import pytest

        def test_gap_matches_a_direct_model_call(biasprobe_audit):
            assert float(biasprobe_audit.gap("country")) == pytest.approx({expected!r}, abs=1e-4)

        @pytest.mark.biasprobe(strict=True)
        def test_check(biasprobe_audit):
            assert biasprobe_audit.gap("country") < {expected + 0.01!r}
        """
    )
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        f"--biasprobe-model={stand_in_model}",
        "--biasprobe-templates=few.yaml",
        "--biasprobe-cache=none",
    )
    result.assert_outcomes(passed=2)
