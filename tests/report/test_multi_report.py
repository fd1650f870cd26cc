"""Multi-model folders in the HTML report and the model card: diffs and bias vs quality."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _diff_support import base, shifted

import biasprobe


def flat(texts: list[str]) -> np.ndarray:
    return base(texts)


def sikh_lower(texts: list[str]) -> np.ndarray:
    return shifted(texts, "Sikh", shift=-0.15, step=-0.01, modulo=2)


@pytest.fixture(scope="module")
def multi_dir(tmp_path_factory: pytest.TempPathFactory, datasets_dir: Path) -> Path:
    multi = biasprobe.audit_models(
        "religion",
        models=[flat, sikh_lower],
        utility_data=datasets_dir,
        cache=None,
        progress=False,
        n_bootstrap=200,
    )
    return multi.save(tmp_path_factory.mktemp("multi") / "two")


def test_card_has_each_model_the_diff_and_the_quality_table(multi_dir: Path, tmp_path) -> None:
    card = biasprobe.build_card([multi_dir], out=tmp_path / "card.md").read_text()
    assert card.count("We probed") == 2
    assert "diff: callable_sikh_lower minus callable_flat" in card
    assert "moved (BH): 1 of 18 groups: Sikh" in card
    assert "### Bias against task quality" in card and "| callable_flat | religion |" in card


def test_report_has_the_model_differences_section(multi_dir: Path, tmp_path) -> None:
    html = biasprobe.build_report([multi_dir], out=tmp_path / "r.html").read_text()
    assert '<section id="models">' in html
    assert "verdict: changed" in html
    assert 'img src="data:image/png;base64,' in html
