"""Regression gates over a diff: `diff.*` metrics, CI-aware verdicts, CLI and pytest plugin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _diff_support import base, shifted

import biasprobe
from biasprobe import ThresholdFailure, UsageError
from biasprobe.checks._checked_diff import CheckedDiff
from biasprobe.checks._metrics import measure
from biasprobe.cli import main


def jain_lower(texts: list[str]) -> np.ndarray:
    return shifted(texts, "Jain", shift=-0.1, step=-0.02, modulo=3)


def _audit(model: object) -> biasprobe.AuditResult:
    return biasprobe.audit("religion", model=model, cache=None, progress=False, n_bootstrap=500)


@pytest.fixture(scope="module")
def diff_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = biasprobe.diff_audits(_audit(base), _audit(jain_lower), names=("old", "new"))
    return d.save(tmp_path_factory.mktemp("gates") / "diff")


@pytest.fixture(scope="module")
def diff(diff_dir: Path) -> biasprobe.DiffResult:
    return biasprobe.load_diff(diff_dir)


def test_group_measure_is_the_diff_row_with_its_interval(diff) -> None:
    m = measure(diff, "diff.group(religion=Jain)")
    row = diff.by_group("religion").set_index("value").loc["Jain"]
    assert (float(m), m.ci_low, m.ci_high) == (row["diff"], row["ci_low"], row["ci_high"])
    # worst examples: the Jain probes whose score dropped most, from the paired probes
    ex = m.examples(2, upper=False)
    assert ex["text_a"].str.contains("Jain").all()
    assert list(ex["difference"]) == sorted(ex["difference"])[:2]
    np.testing.assert_allclose(ex["score_b"] - ex["score_a"], ex["difference"])


def test_ci_aware_verdicts_over_a_diff(diff) -> None:
    gate = biasprobe.expect(diff)
    with pytest.raises(ThresholdFailure, match=r"diff.group\(religion=Jain\) > -0.05: FAIL"):
        gate.check("diff.group(religion=Jain) > -0.05")
    gate.check("diff.group(religion=Sikh) > -0.05")  # exactly 0, interval [0, 0]
    jain = diff.group("religion", "Jain")
    gate.check(f"diff.max_move(religion) <= {abs(float(jain)) + 1e-9}")
    assert measure(diff, "diff.contrast(religion=Jain)") < 0


def test_identical_models_pass_every_gate(tmp_path: Path) -> None:
    a = _audit(base)
    same = CheckedDiff(biasprobe.diff_audits(a, a))
    assert same.gap("religion") < 0.0001
    assert same.group("religion", "Jain") > -0.0001
    assert float(same.metric("diff.max_move(religion)")) == 0.0


def test_cli_check_on_a_diff_folder(diff_dir: Path, capsys) -> None:
    ok = ["check", str(diff_dir), "--check", "diff.group(religion=Sikh) > -0.05"]
    assert main(ok) == 0
    bad = ["check", str(diff_dir), "--check", "diff.group(religion=Jain) > -0.05"]
    assert main(bad) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "Jain: new minus old" in out


@pytest.mark.parametrize(
    ("expr", "said"),
    [
        ("diff.gap(religion, template=x) < 0.1", "unknown argument"),
        ("diff.group(religion=Jedi) > -0.05", "no group 'Jedi'"),
        ("diff.gap(country) < 0.1", "unknown slot 'country'"),
        ("gap(religion) < 0.1", "needs an audit directory"),
    ],
)
def test_bad_diff_checks_exit_2(diff_dir: Path, capsys, expr: str, said: str) -> None:
    assert main(["check", str(diff_dir), "--check", expr]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1


def test_diff_metric_on_an_audit_says_what_it_needs() -> None:
    with pytest.raises(UsageError, match="needs a diff folder"):
        measure(_audit(base), "diff.gap(religion)")


def test_plugin_fixture_gates_a_diff(pytester: pytest.Pytester, diff_dir: Path) -> None:
    pytester.makepyfile(
        """
        def test_no_regression(biasprobe_diff):
            assert biasprobe_diff.group("religion", "Sikh") > -0.05

        def test_jain_regressed(biasprobe_diff):
            assert biasprobe_diff.group("religion", "Jain") > -0.05
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", f"--biasprobe-diff-dir={diff_dir}")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*diff.group(religion=Jain) > -0.05*"])
