"""The shipped world geometry, its Natural Earth code fixes, and projections."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from biasprobe import UsageError, load_lexicon
from biasprobe.maps._geometry import (
    PROJECTIONS,
    load_world,
    project_points,
    projected_world,
    resolve_projection,
    world_path,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build_world():
    """scripts/build_world.py as a module (its fix functions are tested on made-up data)."""
    spec = importlib.util.spec_from_file_location("build_world", REPO / "scripts/build_world.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_world"] = module
    spec.loader.exec_module(module)
    return module


def test_world_file_is_small_documented_and_inside_the_package() -> None:
    path = world_path()
    assert path.is_file() and path.stat().st_size < 1_000_000
    assert (path.parent / "SOURCE.md").is_file()
    assert Path(__file__).resolve().parents[2] / "biasprobe" in path.resolve().parents


def test_world_has_unique_iso_codes_and_valid_geometry() -> None:
    world = load_world()
    raw = json.loads(world_path().read_text(encoding="utf-8"))
    assert len(world) == len(raw["features"]) == 174
    assert world["iso3"].is_unique
    assert world["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert shapely.is_valid(world.geometry.to_numpy()).all()
    assert world.crs.to_epsg() == 4326
    assert set(world["kind"]) == {"country", "territory"}


@pytest.mark.parametrize("code", ["-99", "ATA", "CYN", "SOL"])
def test_natural_earth_oddities_are_gone(code: str) -> None:
    assert code not in set(load_world()["iso3"])


@pytest.mark.parametrize(
    ("name", "code"), [("France", "FRA"), ("Norway", "NOR"), ("Kosovo", "XKX")]
)
def test_minus_99_countries_carry_their_iso_codes(name: str, code: str) -> None:
    world = load_world().set_index("name")
    assert world.loc[name, "iso3"] == code


@pytest.mark.parametrize(
    ("code", "lon", "lat", "place"),
    [
        ("CYP", 33.32, 35.34, "Kyrenia, Northern Cyprus"),
        ("SOM", 44.06, 9.56, "Hargeisa, Somaliland"),
        ("UKR", 34.10, 44.95, "Simferopol, Crimea"),
    ],
)
def test_merged_units_belong_to_their_iso_country(
    code: str, lon: float, lat: float, place: str
) -> None:
    world = load_world().set_index("iso3")
    holders = [iso for iso, geom in world.geometry.items() if geom.contains(Point(lon, lat))]
    assert holders == [code], place


def test_territories_are_the_units_outside_the_lexicon() -> None:
    world = load_world()
    lexicon = set(load_lexicon("countries").items["iso3"])
    assert set(world.loc[world["kind"] == "territory", "iso3"]) == set(world["iso3"]) - lexicon
    assert set(world.loc[world["kind"] == "territory", "iso3"]) == {
        "ATF", "ESH", "FLK", "GRL", "NCL", "PRI",
    }  # fmt: skip


def test_build_script_fixes_minus_99_codes_by_name(build_world) -> None:
    raw = pd.DataFrame(
        {"name": ["France", "Norway", "Kosovo", "Chad"], "iso_a3": ["-99", "-99", "-99", "TCD"]}
    )
    fixed = build_world.fix_codes(raw)
    assert fixed["iso_a3"].tolist() == ["FRA", "NOR", "XKX", "TCD"]


def test_build_script_refuses_an_unknown_minus_99(build_world) -> None:
    raw = pd.DataFrame({"name": ["Atlantis"], "iso_a3": ["-99"]})
    with pytest.raises(SystemExit, match="Atlantis"):
        build_world.fix_codes(raw)


def test_build_script_merges_non_iso_units_and_drops_antarctica(build_world) -> None:
    cells = {"CYP": box(0, 0, 1, 1), "CYN": box(0, 1, 1, 2), "SOM": box(5, 0, 6, 1)}
    cells |= {"SOL": box(5, 1, 6, 2), "ATA": box(0, -90, 10, -80)}
    raw = gpd.GeoDataFrame(
        {"iso_a3": list(cells), "name": list(cells)}, geometry=list(cells.values()), crs=4326
    )
    out = build_world.merge_units(raw).set_index("iso_a3")
    assert sorted(out.index) == ["CYP", "SOM"]
    assert out.geometry["CYP"].area == pytest.approx(2.0)
    assert out.geometry["SOM"].equals(box(5, 0, 6, 2))


@pytest.mark.parametrize("name", sorted(PROJECTIONS))
def test_named_projections_resolve_offline(name: str) -> None:
    assert isinstance(resolve_projection(name), pyproj.CRS)


def test_any_crs_string_is_accepted_and_nonsense_is_a_usage_error() -> None:
    assert resolve_projection("+proj=robin").is_projected
    with pytest.raises(UsageError, match=r"unknown projection 'mercatorish'.*equal-earth"):
        resolve_projection("mercatorish")


def test_projected_world_matches_pyproj_directly() -> None:
    world, outline = projected_world("equal-earth")
    france = world.set_index("iso3").geometry["FRA"]
    x, y = pyproj.Transformer.from_crs(4326, 8857, always_xy=True).transform(2.5, 46.5)
    assert france.contains(Point(x, y))
    assert outline.contains(france)
    px, py = project_points(np.array([2.5]), np.array([46.5]), "equal-earth")
    assert (px[0], py[0]) == pytest.approx((x, y))
