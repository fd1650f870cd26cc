"""Build biasprobe's shipped world geometry from Natural Earth 1:110m admin-0 countries.

One-off converter, kept so the shipped file can be rebuilt and audited. The source is
``naturalearth_lowres`` as bundled in the geopandas 0.14.4 wheel (Natural Earth, public
domain), which a registry can deliver offline-friendly::

    pip download geopandas==0.14.4 --no-deps -d /tmp/gpd
    python scripts/build_world.py --wheel /tmp/gpd/geopandas-0.14.4-py3-none-any.whl

Fixes applied (see biasprobe/data/world/SOURCE.md):

- ``-99`` ISO codes are replaced by name (France, Norway in older copies; Kosovo -> XKX,
  the user-assigned code our countries lexicon uses). Any other ``-99`` stops the build.
- Northern Cyprus (``CYN``) is merged into Cyprus and Somaliland (``SOL``) into Somalia:
  the lexicon follows ISO 3166-1, which has no codes for them; merging keeps the island
  and the Horn of Africa whole instead of leaving holes.
- Antarctica (``ATA``) is dropped.
- Coordinates are snapped to a 0.001 degree grid (about 100 m, far below 1:110m detail).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from biasprobe import load_lexicon

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "biasprobe" / "data" / "world" / "countries_110m.geojson"
SHP_IN_WHEEL = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
CODE_FIXES = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX"}  # Natural Earth name -> ISO
MERGES = {"CYN": "CYP", "SOL": "SOM"}  # non-ISO unit -> the ISO country it is merged into
DROP = ("ATA",)
GRID = 0.001


def fix_codes(world: pd.DataFrame) -> pd.DataFrame:
    """Replace Natural Earth's ``-99`` codes by name; refuse unknown ``-99`` rows."""
    out = world.copy()
    bad = out["iso_a3"].eq("-99")
    unknown = sorted(set(out.loc[bad, "name"]) - set(CODE_FIXES))
    if unknown:
        raise SystemExit(f"-99 ISO code for {', '.join(unknown)}: add them to CODE_FIXES")
    out.loc[bad, "iso_a3"] = out.loc[bad, "name"].map(CODE_FIXES)
    return out


def merge_units(world: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Union each non-ISO unit in ``MERGES`` into its ISO country, then drop ``DROP``."""
    out = world.copy()
    for source, target in MERGES.items():
        src, dst = out["iso_a3"].eq(source), out["iso_a3"].eq(target)
        if src.sum() != 1 or dst.sum() != 1:
            raise SystemExit(f"expected one {source} and one {target} polygon")
        merged = shapely.union(out.loc[dst, "geometry"].iloc[0], out.loc[src, "geometry"].iloc[0])
        out.loc[dst, "geometry"] = gpd.GeoSeries([merged], index=out.index[dst], crs=out.crs)
        out = out[~src]
    return out[~out["iso_a3"].isin(DROP)]


def tidy(world: gpd.GeoDataFrame, country_codes: set[str]) -> gpd.GeoDataFrame:
    """Snap to the grid, mark territories (codes not in the lexicon), sort by code."""
    out = gpd.GeoDataFrame(
        {
            "iso3": world["iso_a3"].to_numpy(),
            "name": world["name"].to_numpy(),
            "kind": ["country" if c in country_codes else "territory" for c in world["iso_a3"]],
        },
        geometry=shapely.set_precision(world.geometry.to_numpy(), GRID),
        crs="EPSG:4326",
    )
    if out["iso3"].duplicated().any():
        raise SystemExit(f"duplicate codes: {sorted(out.loc[out['iso3'].duplicated(), 'iso3'])}")
    if not shapely.is_valid(out.geometry.to_numpy()).all():
        raise SystemExit("invalid geometry after snapping")
    return out.sort_values("iso3").reset_index(drop=True)


def to_geojson(world: gpd.GeoDataFrame, *, source: str) -> str:
    """Compact GeoJSON, one feature per line (diffable)."""
    lines = []
    for row in world.itertuples(index=False):
        geom = json.loads(shapely.to_geojson(row.geometry))
        feature: dict[str, Any] = {
            "type": "Feature",
            "properties": {"iso3": row.iso3, "name": row.name, "kind": row.kind},
            "geometry": geom,
        }
        lines.append(json.dumps(feature, separators=(",", ":"), ensure_ascii=False))
    head = json.dumps({"type": "FeatureCollection", "name": "countries_110m", "source": source})
    return head[:-1] + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def read_source(args: argparse.Namespace, tmp: Path) -> gpd.GeoDataFrame:
    if args.shp:
        return gpd.read_file(args.shp)
    with zipfile.ZipFile(args.wheel) as whl:
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            whl.extract(f"{SHP_IN_WHEEL}.{ext}", tmp)
    return gpd.read_file(tmp / f"{SHP_IN_WHEEL}.shp")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--wheel", type=Path, help="geopandas-0.14.4-py3-none-any.whl")
    src.add_argument("--shp", type=Path, help="naturalearth_lowres.shp (or any NE 110m admin-0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    lexicon = load_lexicon("countries").items
    with tempfile.TemporaryDirectory() as tmp:
        raw = read_source(args, Path(tmp))
    world = tidy(merge_units(fix_codes(raw)), set(lexicon["iso3"]))
    source = "Natural Earth 1:110m admin-0 countries via geopandas 0.14.4 naturalearth_lowres"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_geojson(world, source=source), encoding="utf-8")
    kinds = world["kind"].value_counts().to_dict()
    print(f"wrote {args.out}: {len(world)} units {kinds}, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
