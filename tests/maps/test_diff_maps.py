"""Maps of several models: the diff map (diverging, centred on 0) and panels per model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _diff_support import base, shifted

import biasprobe
from biasprobe.maps._diff_maps import diff_table

REPO = Path(__file__).resolve().parents[2]


def chile_up(texts: list[str]) -> np.ndarray:
    return shifted(texts, "Chile", shift=0.15, step=0.01, modulo=2)


@pytest.fixture(scope="module")
def multi() -> biasprobe.MultiAudit:
    return biasprobe.audit_models(
        "country", models=[base, chile_up], cache=None, progress=False, n_bootstrap=200
    )


def test_diff_table_carries_codes_and_the_change(multi) -> None:
    table = diff_table(multi.diff()).set_index("value")
    assert table.loc["Chile", "iso3"] == "CHL"
    assert table.loc["Chile", "verdict"] == "up"
    assert (table.drop(index="Chile")["map_value"] == 0).all()
    assert len(table) == 197


def test_diff_map_is_centred_on_zero_and_symmetric(multi) -> None:
    fig = biasprobe.plot_diff_map(multi.diff())
    bar = fig.axes[1]  # the colour bar (axes 0: the map)
    lo, hi = bar.get_xlim()
    assert lo == pytest.approx(-hi)
    text = " ".join(t.get_text() for t in fig.texts)
    assert "moved credibly (BH, 95%): 1 of 197: Chile (+0.15" in text


def test_diff_map_of_a_set_without_codes_says_why(tmp_path: Path) -> None:
    d = biasprobe.load_diff(REPO / "reports" / "models" / "religion")
    with pytest.raises(biasprobe.DataError, match="no ISO alpha-3 codes"):
        biasprobe.plot_diff_map(d)


def test_model_multiples_one_panel_per_model(multi) -> None:
    fig = biasprobe.plot_model_multiples(multi.audits)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == multi.names
