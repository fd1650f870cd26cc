"""The shipped world geometry (Natural Earth 1:110m) and world projections, all offline.

geopandas, shapely and pyproj are imported here, so import this module lazily (the maps
stage does); ``import biasprobe`` must stay light.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry import Polygon, shape

from biasprobe._errors import DataError, UsageError

PROJECTIONS = {
    "equal-earth": "EPSG:8857",
    "robinson": "ESRI:54030",
    "mollweide": "ESRI:54009",
    "natural-earth": "+proj=natearth +datum=WGS84",
    "plate-carree": "EPSG:4326",
}
DEFAULT_PROJECTION = "equal-earth"
SOUTH_LIMIT = -60.0  # the map is cut here: Antarctica is dropped, nothing else lies south


def world_path() -> Path:
    """The shipped GeoJSON file (see ``biasprobe/data/world/SOURCE.md``)."""
    return Path(str(resources.files("biasprobe") / "data" / "world" / "countries_110m.geojson"))


@functools.lru_cache(maxsize=1)
def _read_world() -> gpd.GeoDataFrame:
    path = world_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        props = [f["properties"] for f in data["features"]]
        geoms = [shape(f["geometry"]) for f in data["features"]]
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{path}: cannot read the world geometry ({exc})") from None
    frame = gpd.GeoDataFrame(props, geometry=geoms, crs="EPSG:4326")
    return frame[["iso3", "name", "kind", "geometry"]]


def load_world() -> gpd.GeoDataFrame:
    """The world as a GeoDataFrame (columns iso3, name, kind, geometry; EPSG:4326).

    Examples
    --------
    >>> world = load_world()
    >>> len(world), world["iso3"].is_unique, "ATA" in set(world["iso3"])
    (174, True, False)
    """
    return _read_world().copy()


def resolve_projection(projection: str) -> pyproj.CRS:
    """A pyproj CRS from a short name (``equal-earth``, ``robinson``...) or any CRS string."""
    ref = PROJECTIONS.get(projection, projection)
    try:
        return pyproj.CRS.from_user_input(ref)
    except pyproj.exceptions.CRSError:
        names = ", ".join(PROJECTIONS)
        raise UsageError(
            f"unknown projection {projection!r}; use one of {names} or a CRS string "
            "such as '+proj=robin' or 'EPSG:8857'"
        ) from None


@functools.lru_cache(maxsize=8)
def projected_world(projection: str) -> tuple[gpd.GeoDataFrame, Polygon]:
    """The world and the map's outline (the globe north of ``SOUTH_LIMIT``), projected."""
    crs = resolve_projection(projection)
    world = _read_world().to_crs(crs)
    return world, _outline(crs)


def project_points(
    lon: np.ndarray, lat: np.ndarray, projection: str
) -> tuple[np.ndarray, np.ndarray]:
    """Project longitude/latitude arrays (degrees) to map coordinates."""
    crs = resolve_projection(projection)
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def _outline(crs: pyproj.CRS) -> Polygon:
    lats = np.linspace(SOUTH_LIMIT, 90.0, 151)
    lons = np.linspace(-180.0, 180.0, 361)
    ring_lon = np.concatenate([np.full(151, -180.0), lons, np.full(151, 180.0), lons[::-1]])
    ring_lat = np.concatenate([lats, np.full(361, 90.0), lats[::-1], np.full(361, SOUTH_LIMIT)])
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = transformer.transform(ring_lon, ring_lat)
    return shapely.make_valid(Polygon(np.column_stack([x, y])))
