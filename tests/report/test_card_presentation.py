"""The card names the model (not a local path), the real output path, and the probe counts."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from _report_fixtures import country_audit

import biasprobe
from biasprobe.cli import main

REPO = Path(__file__).resolve().parents[2]

FINGERPRINT = "local:" + hashlib.sha256(b"weights").hexdigest()


@pytest.fixture(scope="module")
def local_model_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture audit, recorded as if run on a local model folder."""
    folder = tmp_path_factory.mktemp("local") / "audit"
    shutil.copytree(country_audit(tmp_path_factory), folder)
    meta = json.loads((folder / "audit.json").read_text())
    meta["model"].update(
        model="../shared/models/minilm-l6-sst2", kind="local", fingerprint=FINGERPRINT
    )
    (folder / "audit.json").write_text(json.dumps(meta))
    return folder


@pytest.fixture(scope="module")
def local_card(local_model_audit: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The card of that audit (built once: it draws the map)."""
    out = tmp_path_factory.mktemp("card") / "BIAS.md"
    return biasprobe.build_card([local_model_audit], out=out).read_text()


def test_card_names_the_model_and_its_fingerprint_not_a_path(local_card: str) -> None:
    text = local_card
    intro = text.split("\n")[2]
    assert intro.startswith(
        f"We probed minilm-l6-sst2 (local model, fingerprint {FINGERPRINT[:18]})"
    )
    assert "../shared" not in intro


def test_card_counts_the_baseline_probes(local_model_audit: Path, local_card: str) -> None:
    probes = biasprobe.load_audit(local_model_audit).probes
    n_base, n_all = int(probes["is_baseline"].sum()), len(probes)
    text = local_card
    assert f"with {n_all - n_base:,} sentences" in text
    assert f"plus {n_base} neutral baseline probes, one per wording" in text
    assert f"{n_all:,} probes in all" in text


def test_cli_card_reproduce_line_names_the_real_output(
    local_model_audit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["card", str(local_model_audit), "--out", "out/BIAS.md"]) == 0
    text = (tmp_path / "out" / "BIAS.md").read_text()
    assert f"biasprobe card {local_model_audit} --out out/BIAS.md" in text


def test_audit_summary_explains_the_baseline_probes(local_model_audit: Path) -> None:
    result = biasprobe.load_audit(local_model_audit)
    n_base = int(result.probes["is_baseline"].sum())
    n_all = len(result.probes)
    line = result.report_lines()[1]
    assert line == f"probes: {n_all - n_base:,} (+ {n_base} neutral baseline probes = {n_all:,})"


def test_card_gap_row_carries_the_noise_floor_and_p_value(tmp_path: Path) -> None:
    audit = biasprobe.load_audit(REPO / "reports" / "country")
    card = biasprobe.build_card([REPO / "reports" / "country"], out=tmp_path / "BIAS.md")
    row = next(line for line in card.read_text().splitlines() if line.startswith("| country |"))
    overall = audit.summary().iloc[0]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == f"{overall['null_gap']:.3f}"
    assert cells[4] == f"{overall['p_value']:.3g}"
