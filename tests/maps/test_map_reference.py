"""The colour centre of maps: the median country by default, the neutral baseline on request."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import biasprobe
from biasprobe import UsageError
from biasprobe.cli import main
from biasprobe.maps._map_data import map_data
from tests.maps.test_maps import svg_fills

RDBU = mpl.colormaps["RdBu"]
NEUTRAL = 0.2  # far below every country: the baseline and the median centre differ


def spread_scorer(texts: list[str]) -> np.ndarray:
    """P(POSITIVE) from the text's length (0.3..0.9); the neutral fillers score 0.2."""
    pos = np.array([NEUTRAL if "country" in t else 0.3 + (len(t) % 7) / 10 for t in texts])
    return np.column_stack([1 - pos, pos])


spread_scorer.labels = ["NEGATIVE", "POSITIVE"]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def spread_audit() -> biasprobe.AuditResult:
    return biasprobe.audit(
        "country", model=spread_scorer, cache=None, progress=False, n_bootstrap=50
    )


def independent_means(audit: biasprobe.AuditResult) -> pd.Series:
    probes = audit.probes[~audit.probes["is_baseline"]]
    return probes.groupby("country")["score"].mean()


def test_default_centre_is_the_median_of_the_group_means(spread_audit) -> None:
    median = float(np.median(independent_means(spread_audit).to_numpy()))
    data = map_data(spread_audit)
    assert data.center == pytest.approx(median)
    assert data.center_label == f"difference from the median country, {median:.3f}"
    baseline = float(spread_audit.probes.loc[spread_audit.probes["is_baseline"], "score"].mean())
    assert baseline == pytest.approx(NEUTRAL) and abs(median - baseline) > 0.1


def test_delta_map_is_centred_on_the_median_delta(spread_audit) -> None:
    probes = spread_audit.probes[~spread_audit.probes["is_baseline"]]
    median = float(np.median(probes.groupby("country")["delta"].mean()))
    data = map_data(spread_audit, stat="delta")
    assert data.center == pytest.approx(median)
    assert data.center_label.endswith(f"{median:+.3f}")
    assert map_data(spread_audit, stat="delta", reference="baseline").center == 0.0


def test_baseline_reference_keeps_the_neutral_centre(spread_audit) -> None:
    data = map_data(spread_audit, reference="baseline")
    assert data.center == pytest.approx(NEUTRAL)
    assert "neutral baseline" in data.center_label


def test_colours_are_differences_from_the_median_country(spread_audit) -> None:
    means = independent_means(spread_audit)
    median = float(np.median(means.to_numpy()))
    half = max(median - means.min(), means.max() - median)
    fills = svg_fills(biasprobe.country_map_svg(spread_audit))
    france = means["France"]
    assert fills["bp0-FRA"] == to_hex(RDBU(0.5 + (france - median) / (2 * half)))
    by_baseline = svg_fills(biasprobe.country_map_svg(spread_audit, reference="baseline"))
    assert by_baseline["bp0-FRA"] != fills["bp0-FRA"]


def test_colour_bar_says_what_the_centre_is(spread_audit) -> None:
    fig = biasprobe.plot_country_map(spread_audit)
    label = " ".join(fig.axes[1].get_xlabel().split())
    median = float(np.median(independent_means(spread_audit).to_numpy()))
    assert f"difference from the median country, {median:.3f}" in label
    fig = biasprobe.plot_country_map(spread_audit, reference="baseline")
    label = " ".join(fig.axes[1].get_xlabel().split())
    assert f"difference from the neutral baseline, {NEUTRAL:.3f}" in label


def test_unknown_reference_is_a_usage_error(spread_audit) -> None:
    with pytest.raises(UsageError, match="unknown map reference 'mode'; valid: median, baseline"):
        biasprobe.plot_country_map(spread_audit, reference="mode")


def test_cli_reference_flag(spread_audit, tmp_path: Path, capsys) -> None:
    folder = spread_audit.save(tmp_path / "audit")
    for reference in ("median", "baseline"):
        out = tmp_path / f"{reference}.svg"
        assert main(["map", str(folder), "--out", str(out), "--reference", reference]) == 0
        assert out.stat().st_size > 0
    with pytest.raises(SystemExit) as bad:
        main(["map", str(folder), "--out", str(tmp_path / "x.svg"), "--reference", "x"])
    assert bad.value.code == 2
    assert "invalid choice: 'x'" in capsys.readouterr().err
