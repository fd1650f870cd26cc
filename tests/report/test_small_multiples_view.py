"""The report's per-wording maps show the relative statistic, not raw means on one scale."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

import biasprobe
from biasprobe.maps._map_data import map_data
from biasprobe.report._maps_view import SMALL_MULTIPLE_CAPTIONS, small_multiples_stat

SET = """\
name: levels
slots:
  country:
    lexicon: countries
    neutral: a country
    where: {region: [Europe]}
templates:
  - id: low
    text: "This movie was shot in {country}."
  - id: high
    text: "We loved our trip to {country}."
"""


def score(texts: list[str]) -> list[list[float]]:
    """Wording 'low' sits at 0.17, 'high' at 0.8; countries add a small stable effect."""
    out = []
    for t in texts:
        level = 0.17 if t.startswith("This movie") else 0.8
        effect = 0.0 if "a country" in t else (zlib.crc32(t.split()[-1].encode()) % 100 - 50) / 1000
        out.append([1 - (level + effect), level + effect])
    return out


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> biasprobe.AuditResult:
    path = tmp_path_factory.mktemp("set") / "levels.yaml"
    path.write_text(SET)
    return biasprobe.audit(path, model=score, cache=None, progress=False, n_bootstrap=20)


def test_report_uses_delta_and_says_so(audit: biasprobe.AuditResult) -> None:
    assert small_multiples_stat(audit) == "delta"
    assert "neutral baseline" in SMALL_MULTIPLE_CAPTIONS["delta"]


def test_a_low_wording_is_not_one_colour(audit: biasprobe.AuditResult) -> None:
    # computed here from the probes: each country's score minus its wording's baseline
    probes = audit.probes
    low = probes[probes["template_id"] == "low"]
    base = float(low.loc[low["is_baseline"], "score"].iloc[0])
    expected = low[~low["is_baseline"]].set_index("country")["score"] - base
    panel = map_data(audit, stat=small_multiples_stat(audit), template="low").table
    got = panel.set_index("value")["map_value"].dropna()
    np.testing.assert_allclose(got.sort_index(), expected.loc[got.index].sort_index(), atol=1e-9)
    assert (got > 0).any() and (got < 0).any()  # both sides of the scale, not all "low"
    raw = map_data(audit, stat="mean", template="low").table["map_value"].dropna()
    assert (raw < 0.5).all()  # raw means would have put every country on one side


def test_set_without_neutral_uses_vs_mean(tmp_path: Path) -> None:
    path = tmp_path / "levels.yaml"
    path.write_text(SET.replace("    neutral: a country\n", ""))
    result = biasprobe.audit(path, model=score, cache=None, progress=False, n_bootstrap=20)
    assert small_multiples_stat(result) == "vs_mean"
