"""Region charts keep every group label inside the figure (long income-group names)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _report_fixtures import fake_model
from matplotlib.backends.backend_agg import FigureCanvasAgg

import biasprobe

SET = """\
name: all-countries
slots:
  country: {lexicon: countries, neutral: a country}
templates:
  - {id: film, text: "This film was filmed in {country}."}
  - {id: trip, text: "We are planning a trip to {country} next month."}
"""


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> biasprobe.AuditResult:
    path = tmp_path_factory.mktemp("set") / "all.yaml"
    path.write_text(SET)
    return biasprobe.audit(path, model=fake_model, cache=None, progress=False, n_bootstrap=20)


@pytest.mark.parametrize("by", ["income_group", "wb_region", "region"])
def test_labels_are_inside_the_figure(
    audit: biasprobe.AuditResult, by: str, tmp_path: Path
) -> None:
    fig = biasprobe.plot_region_means(audit, by=by)
    renderer = FigureCanvasAgg(fig).get_renderer()
    labels = fig.axes[0].get_yticklabels()
    width = fig.get_figwidth() * fig.dpi
    texts = [t.get_text() for t in labels]
    if by != "region":
        assert any(len(t) > 24 for t in texts), texts  # long names, the ones that were cut
    for label in labels:
        box = label.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= width, (label.get_text(), box)
    fig.savefig(tmp_path / "regions.png")  # and it renders
