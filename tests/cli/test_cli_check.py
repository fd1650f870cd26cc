"""``biasprobe check``: exit codes, config files, baselines, JUnit XML and JSON output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _checks_support import MEANS, make_audit, near_limit, save_audit

from biasprobe.cli import main
from biasprobe.report._checks_view import read_checks
from biasprobe.stats._paired import paired_stats

NEAR = near_limit(make_audit(MEANS))


@pytest.fixture
def audit_dir(tmp_path: Path) -> Path:
    return save_audit(tmp_path / "audit", MEANS)


def check(*args: str | Path) -> int:
    return main(["check", *map(str, args)])


def test_exit_codes(audit_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(audit_dir, "--check", "gap(group) < 0.5", "--check", "flip_rate < 90%") == 0
    assert check(audit_dir, "--check", "gap(group) < 0.5", "--check", "gap(group) < 0.1") == 1
    assert check(audit_dir, "--check", f"gap(group) < {NEAR}") == 1  # inconclusive fails
    assert check(audit_dir, "--check", f"gap(group) < {NEAR}", "--inconclusive", "warn") == 0
    assert check(audit_dir, "--check", f"gap(group) < {NEAR}", "--strict") == 0
    capsys.readouterr()


def test_table_and_messages(audit_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    audit = make_audit(MEANS)
    row = audit.gaps().iloc[0]
    code = check(audit_dir, "--check", "gap(group) < 0.5", "--check", "gap(group) < 0.1")
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    ci = f"[{row['gap_ci_low']:.4f}, {row['gap_ci_high']:.4f}]"
    assert out[0].split() == ["verdict", "check", "observed", "CI", "limit"]
    assert out[1].split() == [
        "PASS",
        "gap(group)",
        "<",
        "0.5",
        f"{row['gap']:.4f}",
        *ci.split(),
        "0.5",
    ]
    assert out[2].split()[0] == "FAIL"
    assert out[4] == "gap(group) < 0.1: FAIL (the whole 95% CI is beyond the limit)"
    assert out[5:9] == [
        "metric:   gap(group)",
        "groups:   A vs B",
        f"observed: {row['gap']:.4f} (95% CI {row['gap_ci_low']:.4f} to {row['gap_ci_high']:.4f})",
        "limit:    < 0.1",
    ]
    assert out[-1] == "2 checks: 1 pass, 1 fail, 0 inconclusive (1 not passed)"


@pytest.mark.parametrize(
    ("args", "code", "last"),
    [
        (
            ["--check", "gap(group) < 0.5", "--check", f"gap(group) < {NEAR}"],
            1,
            "2 checks: 1 pass, 0 fail, 1 inconclusive (1 not passed)",
        ),
        (
            [
                "--check",
                "gap(group) < 0.5",
                "--check",
                f"gap(group) < {NEAR}",
                "--inconclusive",
                "warn",
            ],
            0,
            "2 checks: 1 pass, 0 fail, 1 inconclusive "
            "(none failed; 1 inconclusive, reported as a warning)",
        ),
        (
            ["--check", "gap(group) < 0.5"],
            0,
            "1 check: 1 pass, 0 fail, 0 inconclusive (all passed)",
        ),
    ],
)
def test_summary_counts_every_verdict_honestly(
    audit_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, last: str
) -> None:
    # the counts are those of the table's verdict column, read back independently
    assert check(audit_dir, *args) == code
    out = capsys.readouterr().out.splitlines()
    verdicts = [line.split()[0] for line in out[1 : out.index("")]]
    assert out[-1] == last
    assert "all passed" not in last or set(verdicts) == {"PASS"}
    for word in ("pass", "fail", "inconclusive"):
        assert f"{verdicts.count(word.upper())} {word}" in last


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--check", "gap(group) <"], "cannot parse check 'gap(group) <^': expected a number"),
        (["--check", "gap(grp) < 0.1"], "unknown slot 'grp'; slots of this audit: group"),
        (["--check", "gapp(group) < 0.1"], "unknown metric 'gapp'"),
        (["--check", "gap(group) <= baseline"], "compares with a baseline; give one"),
        (["--check", "stereoset.flip_rate < 0.1"], "needs a comparison directory"),
        ([], "no checks: give --check EXPR or a config with a 'checks:' list"),
        (["--check", "flip_rate < 5%", "--baseline", "nope.json"], "nope.json: file not found"),
    ],
)
def test_usage_errors_exit_2(
    audit_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(audit_dir.parent)
    assert check(audit_dir, *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("biasprobe check: error: ")
    assert message in err


def test_bad_directories_exit_2(
    tmp_path: Path, audit_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(tmp_path / "missing", "--check", "flip_rate < 5%") == 2
    assert "neither an audit directory (audit.json" in capsys.readouterr().err
    other = save_audit(tmp_path / "other", MEANS)
    assert check(audit_dir, other, "--check", "flip_rate < 5%") == 2
    assert "only one audit directory" in capsys.readouterr().err


def test_yaml_config_and_relative_baseline(
    tmp_path: Path, audit_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    assert check(audit_dir, "--save-baseline", conf_dir / "base.json") == 0
    assert "wrote baseline" in capsys.readouterr().out
    config = conf_dir / "biasprobe.yaml"
    config.write_text(
        "checks:\n  - gap(group) < 0.5\n  - gap(group) <= baseline + 0.02\n"
        "baseline: base.json\ninconclusive: fail\n"
    )
    # the same audit: CI straddles baseline + 0.02, and inconclusive is set to fail
    assert check(audit_dir, "--config", config) == 1
    assert check(audit_dir, "--config", config, "--inconclusive", "warn") == 0
    worse = save_audit(tmp_path / "worse", {"A": 0.9, "B": 0.3, "C": 0.55})
    assert check(worse, "--config", config, "--inconclusive", "warn") == 1
    out = capsys.readouterr().out
    assert "gap(group) <= baseline + 0.02: FAIL (the whole 95% CI is beyond the limit)" in out
    assert "baseline 0.266 from " in out and "base.json" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("chekcs: [gap(group) < 0.1]\n", "unknown key 'chekcs'; valid: baseline, checks"),
        ("checks: gap(group) < 0.1\n", "'checks' must be a list of expressions"),
        ("checks: []\nstrict: yes please\n", "'strict' must be true or false"),
        ("checks: []\ninconclusive: skip\n", "'inconclusive' must be fail or warn"),
        ("checks: [\n", "line 2: not valid YAML"),
        ("- a\n- b\n", "expected a mapping with keys baseline, checks"),
    ],
)
def test_bad_config_exit_2(
    tmp_path: Path,
    audit_dir: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str,
) -> None:
    config = tmp_path / "biasprobe.yaml"
    config.write_text(text)
    assert check(audit_dir, "--config", config, "--check", "flip_rate < 90%") == 2
    err = capsys.readouterr().err
    assert message in err and str(config) in err


def test_config_discovery(
    tmp_path: Path,
    audit_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.biasprobe]\nchecks = ["gap(group) < 0.1"]\n'
    )
    assert check(audit_dir) == 1  # [tool.biasprobe] is read
    assert "gap(group) < 0.1: FAIL" in capsys.readouterr().out
    Path("biasprobe.yaml").write_text("checks: ['gap(group) < 0.5']\n")
    assert check(audit_dir) == 0  # biasprobe.yaml wins over pyproject.toml
    Path("pyproject.toml").write_text("[tool.biasprobe]\nstrict = 'no'\n")
    Path("biasprobe.yaml").unlink()
    assert check(audit_dir) == 2
    assert "pyproject.toml [tool.biasprobe]: 'strict' must be true or false" in (
        capsys.readouterr().err
    )


def test_junit_xml_and_json(tmp_path: Path, audit_dir: Path) -> None:
    junit, report = tmp_path / "out" / "checks.xml", tmp_path / "out" / "checks.json"
    checks = ["gap(group) < 0.5", "gap(group) < 0.1", f"gap(group) < {NEAR}", "flip_rate < 90%"]
    args = [a for c in checks for a in ("--check", c)]
    assert check(audit_dir, *args, "--junit-xml", junit, "--json", report) == 1
    root = ET.parse(junit).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("biasprobe", "4", "2")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == checks
    failures = {c.get("name"): c.find("failure") for c in cases}
    assert failures["gap(group) < 0.5"] is None and failures["flip_rate < 90%"] is None
    failed = failures["gap(group) < 0.1"]
    assert failed is not None and failed.get("type") == "fail"
    assert failed.get("message") == "gap(group) < 0.1: FAIL (the whole 95% CI is beyond the limit)"
    assert failed.text is not None and "worst examples:" in failed.text
    inconclusive = failures[f"gap(group) < {NEAR}"]
    assert inconclusive is not None and inconclusive.get("type") == "inconclusive"
    props = {p.get("name"): p.get("value") for p in cases[0].iter("property")}
    assert float(props["value"]) == pytest.approx(float(make_audit(MEANS).gap("group")))
    records = json.loads(report.read_text())["checks"]
    assert [r["verdict"] for r in records] == ["pass", "fail", "inconclusive", "pass"]
    table = read_checks(report)  # the report's reader accepts the file
    assert table["verdict"].tolist()[:2] == ["pass", "fail"]


def test_comparison_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(5)
    a = rng.uniform(0.2, 0.9, 80)
    b = np.clip(a - rng.normal(0.1, 0.05, 80), 0, 1)
    pairs = pd.DataFrame(
        {
            "model": "m",
            "benchmark": "crows-pairs",
            "bias_type": "gender",
            "text_a": [f"a{i}" for i in range(80)],
            "text_b": [f"b{i}" for i in range(80)],
            "score_a": a,
            "score_b": b,
        }
    )
    folder = tmp_path / "cmp"
    folder.mkdir()
    paired_stats(pairs, by=["bias_type"], n_bootstrap=200).assign(model="m").to_csv(
        folder / "summary.csv", index=False
    )
    pairs.to_parquet(folder / "pairs.parquet")
    share = float(((a - b) > 0).mean())  # no ties here
    assert share > 0.9
    assert check(folder, "--check", "crows-pairs.stereotype_share < 0.75") == 1
    out = capsys.readouterr().out
    assert f"crows-pairs.stereotype_share < 0.75  {share:>9.4f}" in out
    assert check(folder, "--check", "crows-pairs.mean_diff(bias_type=gender) > 0.05") == 0
    assert check(folder, "--check", "crows-pairs.stereotype_share(model=x) < 1") == 2
    assert "no model 'x'; add model=NAME, one of ['m']" in capsys.readouterr().err
