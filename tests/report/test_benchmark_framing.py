"""The report and card frame benchmarks by what a classifier's numbers measure."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from _report_fixtures import comparison

from biasprobe.comparisons._comparison import load_comparison
from biasprobe.comparisons._framing import classifier_effects
from biasprobe.report._card import benchmark_section
from biasprobe.report._html import render_report


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory, datasets_dir: Path) -> Path:
    return comparison(tmp_path_factory, datasets_dir)


@pytest.fixture(scope="module")
def page(compare_dir: Path) -> str:
    return render_report([compare_dir])


def test_lead_names_what_differs_not_a_stereotype_test(page: str) -> None:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "A model without this bias scores both alike" not in text
    assert "anti-stereotypical side scores higher" not in text
    assert "stereotypical side scores higher" not in text
    assert "not a measure of stereotyping" in text and "pronoun effect (she - he)" in text


def test_effects_table_per_model_equals_an_independent_split(page: str, compare_dir) -> None:
    pairs = load_comparison(compare_dir).pairs
    body = re.search(r'<table id="c0-effects".*?</table>', page, flags=re.S)
    assert body is not None
    shown = [float(v) for v in re.findall(r'data-value="([^"]+)"', body.group(0))]
    for model, part in pairs.groupby("model", sort=False):
        want = classifier_effects(part)
        she = want.loc[want["effect"] == "pronoun (she - he)", "estimate"].iloc[0]
        assert any(abs(v - she) < 1e-12 for v in shown), model
    assert 'id="summary-c0-effects"' in page


def test_effects_csv_has_one_block_per_model(compare_dir: Path) -> None:
    result = load_comparison(compare_dir)
    effects = result.classifier_effects()
    models = list(result.pairs["model"].unique())
    assert list(effects["model"].unique()) == models and len(models) == 2
    for model in models:
        alone = classifier_effects(result.pairs[result.pairs["model"] == model])
        got = effects[effects["model"] == model].drop(columns="model").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone.reset_index(drop=True))


def test_card_shows_the_classifier_effects(compare_dir: Path) -> None:
    card = "\n".join(benchmark_section(compare_dir))
    assert "| pronoun (she - he) |" in card and "disadvantaged - advantaged mention" in card
    assert "stereotypical side higher" not in card
