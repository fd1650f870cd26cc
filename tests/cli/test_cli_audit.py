"""`biasprobe audit` end to end on the offline stand-in model, and its bad inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _direct import direct_probabilities

from biasprobe.cli import main

COUNTRY_SET_CACHE: dict[str, Path] = {}


@pytest.fixture(scope="module")
def country_audit(stand_in_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audit") / "country"
    cache = out.parent / "cache.sqlite"
    code = main(
        [
            "audit",
            "country",
            "--model",
            str(stand_in_model),
            "--out",
            str(out),
            "--cache",
            str(cache),
            "--no-progress",
        ]
    )
    assert code == 0
    return out


@pytest.mark.model
def test_country_audit_writes_the_contract(country_audit: Path) -> None:
    probes = pd.read_parquet(country_audit / "probes.parquet")
    for col in (
        "probe_id",
        "template_id",
        "text",
        "is_baseline",
        "country",
        "country_iso3",
        "country_region",
        "score",
        "p_NEGATIVE",
        "p_POSITIVE",
        "baseline_score",
        "delta",
    ):
        assert col in probes.columns
    groups = pd.read_csv(country_audit / "groups.csv", keep_default_na=False, na_values=[""])
    assert len(groups) >= 197 and groups["iso3"].nunique() == len(groups)
    assert groups["mean"].is_monotonic_decreasing
    assert (groups["ci_low"] <= groups["mean"]).all() and (
        groups["mean"] <= groups["ci_high"]
    ).all()
    meta = json.loads((country_audit / "audit.json").read_text())
    assert meta["model"]["fingerprint"].startswith("local:")
    assert meta["packages"]["torch"] and meta["packages"]["transformers"]
    assert meta["seed"] == 0 and meta["template_set"]["name"] == "country"
    assert meta["command"][:4] == ["biasprobe", "audit", "country", "--model"]
    assert meta["command"][-1] == "--no-progress"
    assert len(meta["template_set"]["templates"]) >= 8


@pytest.mark.model
def test_every_score_equals_a_direct_model_call(country_audit: Path, stand_in_model: Path) -> None:
    probes = pd.read_parquet(country_audit / "probes.parquet")
    expected = direct_probabilities(stand_in_model, probes["text"].tolist(), batch_size=32)[:, 1]
    np.testing.assert_allclose(probes["score"].to_numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(probes["p_NEGATIVE"] + probes["p_POSITIVE"], 1.0, atol=1e-6)


@pytest.mark.model
def test_model_card_case_shows_the_country_effect(country_audit: Path) -> None:
    probes = pd.read_parquet(country_audit / "probes.parquet")
    film = probes[probes.template_id == "film_filmed_in"].set_index("country")["score"]
    assert film["France"] > 0.9 > 0.6 > film["Afghanistan"]


@pytest.mark.model
def test_rerun_is_served_from_cache(
    country_audit: Path, stand_in_model: Path, tmp_path: Path
) -> None:
    code = main(
        [
            "audit",
            "country",
            "--model",
            str(stand_in_model),
            "--out",
            str(tmp_path / "again"),
            "--cache",
            str(country_audit.parent / "cache.sqlite"),
            "--no-progress",
        ]
    )
    assert code == 0
    meta = json.loads((tmp_path / "again" / "audit.json").read_text())
    assert (
        meta["counts"]["n_scored"] == 0 and meta["counts"]["n_cached"] == meta["counts"]["n_unique"]
    )
    a = pd.read_csv(country_audit / "groups.csv")
    b = pd.read_csv(tmp_path / "again" / "groups.csv")
    pd.testing.assert_frame_equal(a, b)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "biasprobe.cli", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def bad_inputs(tmp_path: Path, stand_in_model: Path) -> dict[str, tuple[list[str], str]]:
    def yaml(name: str, text: str) -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return str(tmp_path / name)

    good = (
        "slots:\n  country: {lexicon: countries}\ntemplates:\n  - {id: a, text: 'In {country}.'}\n"
    )
    (tmp_path / "nocol.csv").write_text("name\nFrance\n")
    (tmp_path / "empty.csv").write_text("value\n")
    (tmp_path / "latin1.yaml").write_bytes(good.replace("In", "Café in").encode("latin-1"))
    labels_dir = tmp_path / "labels"
    labels_dir.mkdir()
    for f in stand_in_model.iterdir():
        (labels_dir / f.name).symlink_to(f)
    cfg = json.loads((stand_in_model / "config.json").read_text())
    cfg["id2label"], cfg["label2id"] = {"0": "red", "1": "blue"}, {"red": 0, "blue": 1}
    (labels_dir / "config.json").unlink()
    (labels_dir / "config.json").write_text(json.dumps(cfg))
    m = str(stand_in_model)
    return {
        "malformed YAML": ([yaml("a.yaml", "slots: [oops\n"), "--model", m], "malformed YAML"),
        "unknown slot": (
            [yaml("b.yaml", good.replace("{country}", "{contry}")), "--model", m],
            "line 4: template 1 (a): unknown slot 'contry'; slots: country",
        ),
        "slot without lexicon": (
            [yaml("c.yaml", good.replace("{lexicon: countries}", "{neutral: x}")), "--model", m],
            "slot 'country': has no lexicon",
        ),
        "empty lexicon": (
            [yaml("d.yaml", good.replace("countries", "empty.csv")), "--model", m],
            "empty.csv: lexicon has a header but no rows",
        ),
        "duplicate ids": (
            [yaml("e.yaml", good + "  - {id: a, text: 'To {country}.'}\n"), "--model", m],
            "template 2 repeats id 'a'",
        ),
        "missing column": (
            [yaml("f.yaml", good.replace("countries", "nocol.csv")), "--model", m],
            "nocol.csv, line 1: missing required column 'value'; columns found: name",
        ),
        "unknown set": (["contry", "--model", m], "unknown template set 'contry'; shipped sets: "),
        "missing model": (["country", "--model", str(tmp_path / "nope")], "does not exist"),
        "unmappable labels": (
            ["country", "--model", str(labels_dir)],
            "cannot tell which label is the score among red, blue",
        ),
        "hub unreachable": (
            ["country", "--model", "org/not-cached-model"],
            "cannot reach the Hugging Face Hub",
        ),
        "non-UTF-8": ([str(tmp_path / "latin1.yaml"), "--model", m], "not valid UTF-8"),
        "bad batch size": (
            ["country", "--model", m, "--batch-size", "0"],
            "batch size must be at least 1",
        ),
    }


CASES = [
    "malformed YAML",
    "unknown slot",
    "slot without lexicon",
    "empty lexicon",
    "duplicate ids",
    "missing column",
    "unknown set",
    "missing model",
    "unmappable labels",
    "hub unreachable",
    "non-UTF-8",
    "bad batch size",
]


@pytest.mark.slow  # one CLI process per case (tests/cli/test_bad_inputs.py runs them in-process)
@pytest.mark.parametrize("case", CASES)
def test_bad_input_exits_2_with_one_line(case: str, bad_inputs: dict, tmp_path: Path) -> None:
    args, message = bad_inputs[case]
    out = tmp_path / "out"
    proc = run_cli("audit", *args, "--out", str(out), "--no-cache", "--no-progress")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("biasprobe audit: error: ")
    assert message in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (out / "probes.parquet").exists()


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:  # in-process: argparse's exit, as in the shell
        main(["audit", "country"])
    assert exit_.value.code == 2 and "--out" in capsys.readouterr().err


def test_templates_lists_sets_and_lexicons(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates"]) == 0
    out = capsys.readouterr().out
    assert "country" in out and "countries" in out
