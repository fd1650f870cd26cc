"""The report reuses map figures an earlier report of the same audit folder drew.

The drawing functions are replaced by stand-ins that return a new figure on every call
(drawing itself is tested in tests/maps and tests/report/test_report.py): a reused figure
is the one stored, field for field; a redrawn one carries the next call's number.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from _report_fixtures import country_audit
from markupsafe import Markup

import biasprobe
from biasprobe.report import _maps_view
from biasprobe.report._figure_cache import cache_dir
from biasprobe.report._figures import Figure

DRAWERS = ("_country_map", "_small_multiples", "_regions")


@pytest.fixture
def folder(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return Path(shutil.copytree(country_audit(tmp_path_factory), tmp_path / "audit"))


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []

    def stand_in(name: str) -> object:
        def draw(*args: object) -> Figure:
            made.append(name)
            n = len(made)
            if name == "_country_map":
                return Figure(caption=f"c{n}", svg=Markup(f"<svg><g id='x{n}'/></svg>"))
            return Figure(caption=f"c{n}", data_uri=f"data:image/png;base64,{n}", alt=f"a{n}")

        return draw

    for name in DRAWERS:
        monkeypatch.setattr(_maps_view, name, stand_in(name))
    return made


def figures(folder: Path) -> list[Figure]:
    result = biasprobe.load_audit(folder)
    return _maps_view.map_figures(result, "country", prefix="a0-country", folder=folder)


def test_a_second_report_reuses_each_figure_as_stored(folder: Path, calls: list[str]) -> None:
    first = figures(folder)
    assert calls == list(DRAWERS)
    assert len(list(cache_dir().glob("*.json"))) == 3
    again = figures(folder)
    assert calls == list(DRAWERS)  # nothing drawn again
    assert again == first
    assert isinstance(again[0].svg, Markup)  # still markup: not escaped on the page


def test_changed_probes_or_options_are_drawn_again(folder: Path, calls: list[str]) -> None:
    figures(folder)
    probes = pd.read_parquet(folder / "probes.parquet")
    probes["score"] = 1 - probes["score"]
    probes.to_parquet(folder / "probes.parquet", index=False)
    redrawn = figures(folder)
    assert calls == list(DRAWERS) * 2
    assert redrawn[0].caption == "c4"
    result = biasprobe.load_audit(folder)
    _maps_view.map_figures(result, "country", prefix="other-prefix", folder=folder)
    assert len(calls) == 9  # the SVG ids carry the prefix: another key


def test_a_figure_with_a_problem_is_not_kept(
    folder: Path, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> Figure:
        raise biasprobe.DataError("no geometry")

    monkeypatch.setattr(_maps_view, "_regions", broken)
    assert figures(folder)[2].problem == "no geometry"
    assert len(list(cache_dir().glob("*.json"))) == 2


def test_a_cache_that_cannot_be_written_is_passed_over(
    folder: Path, tmp_path: Path, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("BIASPROBE_CACHE", str(blocker / "scores.sqlite"))
    assert [f.caption for f in figures(folder)] == ["c1", "c2", "c3"]
    assert [f.caption for f in figures(folder)] == ["c4", "c5", "c6"]


@pytest.mark.slow  # draws the maps; the stand-in tests above cover the cache in the fast loop
def test_the_real_report_keeps_and_reuses_its_figures(folder: Path) -> None:
    out = folder.parent / "r.html"
    biasprobe.build_report([folder], out=out)
    kept = sorted(cache_dir().glob("*.json"))
    assert len(kept) == 3
    stamps = [p.stat().st_mtime_ns for p in kept]
    biasprobe.build_report([folder], out=out)
    assert [p.stat().st_mtime_ns for p in sorted(cache_dir().glob("*.json"))] == stamps
