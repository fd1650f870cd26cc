"""`biasprobe diff` and `biasprobe audit --model A --model B`: folders, errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _diff_support import base, shifted

import biasprobe
from biasprobe.cli import main

REPO = Path(__file__).resolve().parents[2]


def jain_lower(texts: list[str]) -> np.ndarray:
    return shifted(texts, "Jain", shift=-0.1, step=-0.01, modulo=3)


def _save(model: object, out: Path, templates: object = "religion") -> Path:
    result = biasprobe.audit(templates, model=model, cache=None, progress=False, n_bootstrap=500)
    return result.save(out)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("diff")
    return _save(base, root / "a"), _save(jain_lower, root / "b")


def test_diff_of_two_audit_folders(folders, tmp_path: Path, capsys) -> None:
    assert main(["diff", *map(str, folders), "--out", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "verdict: changed" in out and "moved (BH): 1 of 18 groups: Jain" in out
    groups = pd.read_csv(tmp_path / "d" / "diff_groups.csv")
    assert groups.loc[groups["verdict"] == "down", "value"].tolist() == ["Jain"]
    meta = json.loads((tmp_path / "d" / "diff.json").read_text())
    assert meta["verdict"] == "changed" and meta["command"][:2] == ["biasprobe", "diff"]
    back = biasprobe.load_diff(tmp_path / "d")
    assert back.group("religion", "Jain") < -0.05


def test_diff_of_a_folder_with_itself_is_no_change(folders, tmp_path: Path, capsys) -> None:
    a = str(folders[0])
    assert main(["diff", a, a, "--out", str(tmp_path / "d")]) == 0
    assert "verdict: no change" in capsys.readouterr().out
    groups = pd.read_csv(tmp_path / "d" / "diff_groups.csv")
    assert (groups["diff"] == 0).all()


def test_mismatched_folders_exit_2_with_one_line(folders, tmp_path: Path, capsys) -> None:
    text = (Path(biasprobe.__file__).parent / "data/templates/religion.yaml").read_text()
    variant = tmp_path / "religion.yaml"
    variant.write_text(text.replace("version: 1", "version: 2"))
    other = _save(base, tmp_path / "other", variant)
    code = main(["diff", str(folders[0]), str(other), "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "set version '1' vs '2'" in err
    assert "Traceback" not in err and not (tmp_path / "d").exists()


@pytest.mark.parametrize("which", ["comparison", "empty"])
def test_wrong_kinds_of_folder_exit_2(folders, tmp_path: Path, capsys, which: str) -> None:
    other = REPO / "reports" / "compare" if which == "comparison" else tmp_path
    code = main(["diff", str(folders[0]), str(other), "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert ("comparison folder" in err) if which == "comparison" else ("neither" in err)


def _shifted_comparison(tmp_path: Path) -> Path:
    c = biasprobe.load_comparison(REPO / "reports" / "compare")
    pairs = c.pairs.copy()
    hit = (pairs["benchmark"] == "winobias") & (pairs["pronoun_gender"] == "female")
    pairs.loc[hit, "score_a"] = pairs.loc[hit, "score_a"] + 0.2
    shifted = biasprobe.ComparisonResult(
        pairs=pairs, utility=c.utility(), metadata=c.metadata, summary=c.summary()
    )
    return shifted.save(tmp_path / "shifted")


def test_diff_of_comparison_folders_finds_the_shifted_breakdown(tmp_path: Path) -> None:
    d = biasprobe.diff_folders(
        REPO / "reports" / "compare", _shifted_comparison(tmp_path), n_bootstrap=300
    )
    moved = d.moved("winobias")
    assert set(zip(moved["slot"], moved["value"], strict=True)) >= {
        ("winobias:pronoun_gender", "female")
    }
    row = d.by_group("winobias").query("slot == 'winobias:pronoun_gender' and value == 'male'")
    assert row["verdict"].item() == "no change"
    assert float(d.gap("winobias")) == pytest.approx(0.1, abs=1e-9)  # half the pairs moved 0.2
    for bench in ("crows-pairs", "stereoset"):
        assert float(d.gap(bench)) == 0.0


@pytest.mark.parametrize("spec", ["m,fast=int4", "m,colour=red", ",fast=int8", "m,revision"])
def test_bad_model_specs_exit_2(tmp_path: Path, capsys, spec: str) -> None:
    code = main(["audit", "religion", "--model", "m", "--model", spec, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "model" in err


def test_audit_models_writes_one_folder_per_model_and_the_diff(tmp_path: Path) -> None:
    multi = biasprobe.audit_models(
        "religion", models=[base, base, jain_lower], cache=None, progress=False, n_bootstrap=300
    )
    assert multi.names == ["callable_base", "callable_base-2", "callable_jain_lower"]
    assert multi.diff("callable_base-2").verdict == "no change"
    assert set(multi.diff("callable_jain_lower").moved()["value"]) == {"Jain"}
    out = multi.save(tmp_path / "m")
    record = json.loads((out / "models.json").read_text())
    assert [m["folder"] for m in record["models"]] == multi.names
    assert record["diffs"]["callable_jain_lower"] == "diffs/callable_jain_lower"
    back = biasprobe.load_multi(out)
    assert back.names == multi.names
    assert back.diff("callable_jain_lower").verdict == "changed"
    single = biasprobe.load_audit(out / "callable_base")
    assert single.metadata["model_name"] == "callable_base"


def test_audit_models_needs_two(tmp_path: Path) -> None:
    with pytest.raises(biasprobe.UsageError, match="at least two models"):
        biasprobe.audit_models("religion", models=[base], cache=None, progress=False)


@pytest.mark.model
@pytest.mark.slow
def test_cli_audits_the_stand_in_and_its_int8_build(stand_in_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    args = ["audit", "religion", "--model", str(stand_in_model)]
    args += ["--model", f"{stand_in_model},fast=int8", "--out", str(out), "--no-progress"]
    assert main([*args, "--n-bootstrap", "300", "--cache", str(tmp_path / "c.sqlite")]) == 0
    record = json.loads((out / "models.json").read_text())
    names = [m["name"] for m in record["models"]]
    assert names == ["minilm-l6-sst2", "minilm-l6-sst2-int8"]
    prints = {m["fingerprint"] for m in record["models"]}
    assert len(prints) == 2 and all(prints)
    assert [m["dtype"] for m in record["models"]] == ["float32", "int8"]
    a = pd.read_parquet(out / names[0] / "probes.parquet")
    b = pd.read_parquet(out / names[1] / "probes.parquet")
    diff = biasprobe.load_diff(out).by_group("religion").set_index("value")
    paired = a[~a["is_baseline"]].assign(d=b["score"] - a["score"])
    expected = paired.groupby("religion")["d"].mean()
    np.testing.assert_allclose(diff.loc[expected.index, "diff"], expected, atol=1e-12)
    assert (a["text"] == b["text"]).all()


def test_utility_data_needs_several_models(tmp_path: Path, capsys) -> None:
    args = ["audit", "religion", "--model", "m", "--utility-data", str(tmp_path)]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    assert "give --model at least twice" in capsys.readouterr().err
