"""``biasprobe map``: draw per-country maps (PNG, SVG with tooltips, PDF) of an audit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

STATS = ("mean", "delta", "vs_mean")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "map",
        help="draw a per-country choropleth of an audit",
        description="Draw a world map of one statistic per country from an audit directory.",
    )
    p.add_argument("dir", type=Path, help="audit directory (biasprobe audit --out)")
    p.add_argument("--out", required=True, type=Path, help="output file: .png, .svg or .pdf")
    p.add_argument(
        "--stat",
        default="mean",
        choices=STATS,
        help="mean score, delta to the neutral baseline, or vs_mean (mean minus the mean "
        "over countries) (default: %(default)s)",
    )
    p.add_argument(
        "--reference",
        default="median",
        choices=("median", "baseline"),
        help="colour centre: the median country (colours are differences from it) or the "
        "neutral baseline (0 for --stat delta) (default: %(default)s)",
    )
    p.add_argument(
        "--template",
        default="all",
        help="a template id, or 'all' (pooled); with --small-multiples, comma-separated ids",
    )
    p.add_argument(
        "--small-multiples", action="store_true", help="one panel per template, one colour scale"
    )
    p.add_argument(
        "--projection",
        default="equal-earth",
        help="equal-earth, robinson, mollweide, natural-earth, plate-carree or a CRS string "
        "(default: %(default)s)",
    )
    p.add_argument("--cmap", default="RdBu", help="matplotlib colour map (default: %(default)s)")
    p.add_argument("--title", default=None, help="figure title (default: statistic and model)")
    p.add_argument("--slot", default=None, help="slot to map when several carry ISO codes")
    p.add_argument("--regions", type=Path, default=None, help="also write a region bar chart")
    p.add_argument(
        "--by", default="region", help="metadata column for --regions (default: %(default)s)"
    )
    p.add_argument("--dpi", type=int, default=None, help="PNG resolution (default: 150)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from biasprobe.audits._result import load_audit
    from biasprobe.maps._choropleth import country_table, plot_country_map, plot_small_multiples
    from biasprobe.maps._regions import plot_region_means
    from biasprobe.maps._svg import check_format, save_figure

    for path in (args.out, args.regions):
        if path is not None:
            check_format(path)
    audit = load_audit(args.dir)
    template = "all" if args.small_multiples else args.template
    region_fig = None
    if args.regions is not None:  # first, so that a bad --by fails before anything is written
        region_fig = plot_region_means(
            audit, by=args.by, stat=args.stat, template=template, slot=args.slot, cmap=args.cmap
        )
    common = {"stat": args.stat, "slot": args.slot, "title": args.title}
    style = {"projection": args.projection, "cmap": args.cmap, "reference": args.reference}
    if args.small_multiples:
        ids = None if args.template == "all" else args.template.split(",")
        tooltips = check_format(args.out) == "svg"  # a raster has no tooltips to show
        fig = plot_small_multiples(audit, templates=ids, tooltips=tooltips, **common, **style)
    else:
        fig = plot_country_map(audit, template=args.template, **common, **style)
    save_figure(fig, args.out, dpi=args.dpi)
    _report(country_table(audit, stat=args.stat, template=template, slot=args.slot), args.out)
    if region_fig is not None:
        save_figure(region_fig, args.regions, dpi=args.dpi)
        print(f"wrote {args.regions}")
    return 0


def _report(table: Any, out: Path) -> None:
    counts = table["placement"].value_counts()
    print(
        f"wrote {out}: {len(table)} countries, {counts.get('polygon', 0)} outlines, "
        f"{counts.get('dot', 0)} dots, {counts.get('unplaced', 0)} not placed"
    )
    ranked = table.dropna(subset=["map_value"]).sort_values("map_value", ascending=False)
    if len(ranked):
        fmt = "+.3f" if table["stat"].iloc[0] != "mean" else ".3f"
        top = ", ".join(f"{r.value} {r.map_value:{fmt}}" for r in ranked.head(3).itertuples())
        low = ", ".join(f"{r.value} {r.map_value:{fmt}}" for r in ranked[::-1].head(3).itertuples())
        print(f"highest: {top}\nlowest: {low}")
    for row in table[table["placement"] == "unplaced"].itertuples():
        code = row.iso3 or "no ISO code"
        print(f"not placed: {row.value} ({code}): {row.reason}", file=sys.stderr)
