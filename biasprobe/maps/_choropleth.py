"""Per-country choropleth maps of an audit: one map, or small multiples per template.

Countries with a Natural Earth 1:110m outline are filled; smaller ones are dots at the
lexicon's lat/lon; anything that cannot be placed is listed under the map and returned by
``country_table``. matplotlib and geopandas are imported here only, never by
``import biasprobe``.
"""

from __future__ import annotations

import functools
import math
import textwrap
from dataclasses import dataclass
from typing import Any, Unpack

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import NullLocator
from matplotlib.transforms import offset_copy
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from biasprobe.maps._geometry import DEFAULT_PROJECTION, project_points, projected_world
from biasprobe.maps._map_data import (
    MapData,
    Source,
    as_audit,
    map_data,
    map_data_per_template,
    template_ids,
)
from biasprobe.maps._options import MapOptions, MapStyle
from biasprobe.maps._style import (
    DOT_EDGE,
    EDGE,
    NO_DATA,
    NO_DATA_DOT,
    OCEAN,
    TERRITORY,
    ColourScale,
    colour_scale,
    legend_handles,
)

GID_PREFIX = "bp"


@dataclass(frozen=True)
class _Shape:
    iso3: str
    name: str
    kind: str
    path: MplPath


def country_table(
    source: Source, *, stat: str = "mean", template: str = "all", slot: str | None = None
) -> pd.DataFrame:
    """The per-country values of a map and where each country goes.

    Parameters
    ----------
    source
        An AuditResult, an audit directory, or a per-country DataFrame (``groups.csv``).
    stat
        ``"mean"`` (mean score), ``"delta"`` (score minus the template's neutral baseline)
        or ``"vs_mean"`` (mean minus the mean over countries).
    template
        ``"all"`` (every template pooled) or one template id.

    Returns
    -------
    pandas.DataFrame
        One row per audited country: value, iso3, region, lat, lon, n, stat, map_value,
        placement (``polygon``, ``dot`` or ``unplaced``) and reason (why unplaced).
    """
    return place(map_data(source, stat=stat, template=template, slot=slot).table)


def place(table: pd.DataFrame, *, projection: str = DEFAULT_PROJECTION) -> pd.DataFrame:
    """Add ``placement`` and ``reason``: polygon if the world has the code, else dot or none."""
    codes = {s.iso3 for s in _shapes(projection)}
    has_xy = np.isfinite(table["lat"].to_numpy(float)) & np.isfinite(table["lon"].to_numpy(float))
    in_world = table["iso3"].isin(codes).to_numpy()
    out = table.copy()
    out["placement"] = np.where(in_world, "polygon", np.where(has_xy, "dot", "unplaced"))
    reason = np.where(out["iso3"] == "", "no ISO code", "ISO code not on the map")
    out["reason"] = np.where(out["placement"] == "unplaced", reason + ", no lat/lon", "")
    return out


def plot_country_map(
    source: Source,
    *,
    template: str = "all",
    ax: Axes | None = None,
    **style: Unpack[MapStyle],
) -> Figure:
    """Draw a choropleth of one statistic per country.

    Parameters
    ----------
    source
        An AuditResult, an audit directory, or a per-country DataFrame (``groups.csv``).
    template
        ``"all"`` or one template id.
    **style
        The map options shared with ``plot_small_multiples`` (``MapStyle``):
    stat
        ``"mean"``, ``"delta"`` or ``"vs_mean"`` (see ``country_table``).
    slot
        The slot holding the countries (default: the audit's only ISO-coded slot).
    projection
        ``equal-earth`` (default, equal-area), ``robinson``, ``mollweide``,
        ``natural-earth``, ``plate-carree`` or any pyproj CRS string.
    cmap
        A matplotlib colour map; the default ``RdBu`` is diverging and colour-blind safe.
    limits, center
        Colour range and its midpoint; by default the data range and the ``reference``.
    reference
        What the colour centre is when ``center`` is not given: ``"median"`` (default; the
        median country's value, so a colour reads as a difference from the median
        country) or ``"baseline"`` (the neutral probe's mean score for ``mean``, 0 for
        ``delta``, the mean over countries for ``vs_mean``). The colour bar names it.
    title
        The figure's title (default: model, set and statistic).
    ax
        Draw into this axes (``title`` becomes its title; a colour bar is added below it).

    Returns
    -------
    matplotlib.figure.Figure
        Countries without a polygon are dots; unplaced countries are listed under the map.
    """
    o = MapOptions.of(style)
    projection, title = o.projection, o.title
    data = map_data(source, stat=o.stat, template=template, slot=o.slot, reference=o.reference)
    table = place(data.table, projection=projection)
    mid = data.center if o.center is None else o.center
    scale = colour_scale(table["map_value"].to_numpy(), center=mid, cmap=o.cmap, limits=o.limits)
    if ax is not None:
        draw_panel(ax, table, scale, projection=projection, panel=0)
        ax.set_title(title or "", fontsize=10)
        _add_colorbar(ax.get_figure(), scale, data, ax=ax)  # type: ignore[arg-type]
        return ax.get_figure()  # type: ignore[return-value]
    fig = Figure(figsize=(11, 7.0), dpi=150)
    ax = fig.add_axes((0.005, 0.2, 0.99, 0.68))
    draw_panel(ax, table, scale, projection=projection, panel=0)
    _header(fig, title or data.title, data.template_label, top=0.975)
    _add_colorbar(fig, scale, data, rect=(0.69, 0.135, 0.28, 0.02), wrap=44)
    _legend(fig, [table], anchor=(0.012, 0.1), projection=projection)
    _extremes(fig, table, x=(0.23, 0.45), top=0.185)
    _unplaced_note(fig, table, y=0.012)
    return fig


def plot_small_multiples(
    source: Source,
    *,
    templates: list[str] | None = None,
    ncols: int = 3,
    tooltips: bool = True,
    **style: Unpack[MapStyle],
) -> Figure:
    """One map per template wording, all on the same colour scale.

    The scale is centred on the pooled reference (all templates; the median country by
    default, see ``plot_country_map``), so a country's colour means the same in every
    panel. ``templates`` picks the wordings (default: all), ``ncols`` the panels per row;
    ``tooltips=False`` draws each panel's countries as collections, without the per-country
    ids and tooltips of an SVG (the same picture, drawn several times faster: for PNG);
    ``**style`` takes the options of ``plot_country_map`` (``MapStyle``).
    """
    o = MapOptions.of(style)
    stat, slot, projection, title = o.stat, o.slot, o.projection, o.title
    src = as_audit(source)
    ids = templates or template_ids(src)
    pooled = map_data(src, stat=stat, template="all", slot=slot, reference=o.reference)
    panels = map_data_per_template(src, stat=stat, templates=ids, slot=slot)
    tables = [place(p.table, projection=projection) for p in panels]
    values = np.concatenate([t["map_value"].to_numpy(float) for t in tables])
    mid = pooled.center if o.center is None else o.center
    scale = colour_scale(values, center=mid, cmap=o.cmap, limits=o.limits)
    fig, axes, bar_rect, legend_anchor = _grid(len(ids), ncols)
    for i, (ax, table, tid) in enumerate(zip(axes, tables, ids, strict=True)):
        draw_panel(
            ax, table, scale, projection=projection, panel=i, dot_size=2.6, tooltips=tooltips
        )
        text = panels[i].template_label.split(": ", 1)[-1]
        ax.set_title(textwrap.shorten(f"{tid}: {text}", 70), fontsize=8.5, pad=2)
    head = f"{len(ids)} wordings{pooled.set_label}; one colour scale for all panels"
    head += f", colour: {pooled.center_label} (all wordings pooled)"
    if stat != "mean":
        own = "neutral baseline" if stat == "delta" else "mean over countries"
        head += f"; each wording relative to its own {own}"
    _header(fig, title or f"{pooled.title}, per template", head, top=0.985)
    _add_colorbar(fig, scale, pooled, rect=bar_rect)
    _legend(fig, tables, anchor=legend_anchor, projection=projection)
    _unplaced_note(fig, pd.concat(tables).drop_duplicates("value"), y=0.008)
    return fig


def draw_panel(
    ax: Axes,
    table: pd.DataFrame,
    scale: ColourScale,
    *,
    projection: str = DEFAULT_PROJECTION,
    panel: int = 0,
    dot_size: float = 4.2,
    tooltips: bool = True,
) -> None:
    """Draw the outline, every polygon and every dot of one map into ``ax``.

    ``tooltips=True`` draws each country as its own artist with an id and a tooltip (an
    SVG gets one ``<g id="bpPANEL-ISO3">`` with a ``<title>`` per country);
    ``tooltips=False`` draws the same shapes and colours as one collection per style,
    several times faster, for raster output where a tooltip cannot be shown.
    """
    _, outline = projected_world(projection)
    ax.add_artist(PathPatch(_to_path(outline), zorder=0, **OCEAN))
    colours = scale.colours(table["map_value"].to_numpy())
    records = table.to_dict("records")
    rows = {iso: i for i, iso in enumerate(table["iso3"]) if iso}
    styled = [
        (shape, *_polygon_style(shape, records, colours, rows.get(shape.iso3)))
        for shape in _shapes(projection)
    ]
    if tooltips:
        for shape, style, tip in styled:
            patch = PathPatch(
                shape.path, gid=_gid(panel, shape.iso3), label=tip, zorder=1, clip_on=False,
                **style,
            )  # fmt: skip
            if "hatch" in style:
                _thin_hatch(patch)
            ax.add_artist(patch)  # add_patch would recompute data limits (slow); set below
    else:
        _draw_collections(ax, [(shape.path, style) for shape, style, _ in styled])
    _draw_dots(
        ax, table, colours, projection=projection, panel=panel, size=dot_size, tooltips=tooltips
    )
    minx, miny, maxx, maxy = outline.bounds
    pad = 0.004 * (maxx - minx)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    for axis in (ax.xaxis, ax.yaxis):  # no ticks to lay out (hidden, but built when drawn)
        axis.set_major_locator(NullLocator())
        axis.set_minor_locator(NullLocator())


def _thin_hatch(artist: PathPatch | PathCollection) -> None:
    if hasattr(artist, "set_hatch_linewidth"):  # matplotlib >= 3.10
        artist.set_hatch_linewidth(0.35)


def _draw_collections(ax: Axes, shapes: list[tuple[MplPath, dict[str, Any]]]) -> None:
    """Polygons as one ``PathCollection`` per hatch (a collection has one; colours and
    widths are per shape): the same pixels as one patch each, without the per-artist cost."""
    by_hatch: dict[str | None, list[tuple[MplPath, dict[str, Any]]]] = {}
    for path, style in shapes:
        by_hatch.setdefault(style.get("hatch"), []).append((path, style))
    for hatch, members in by_hatch.items():
        collection = PathCollection(
            [path for path, _ in members],
            facecolors=_rgba([style["facecolor"] for _, style in members]),
            edgecolors=_rgba([style["edgecolor"] for _, style in members]),
            linewidths=[style["linewidth"] for _, style in members],
            hatch=hatch,
            zorder=1,
            clip_on=False,
        )
        if hatch:
            _thin_hatch(collection)
        ax.add_collection(collection, autolim=False)


def _rgba(colours: list[Any]) -> np.ndarray:
    """RGBA rows of hex strings and RGBA arrays (matplotlib's own per-item parsing of a
    mixed list is most of a collection's drawing time)."""
    return np.array([_hex_rgba(c) if isinstance(c, str) else c for c in colours], dtype=float)


@functools.lru_cache(maxsize=32)
def _hex_rgba(colour: str) -> tuple[float, float, float, float]:
    return to_rgba(colour)


def _polygon_style(
    shape: _Shape, records: list[dict[Any, Any]], colours: np.ndarray, i: int | None
) -> tuple[dict[str, object], str]:
    if i is None:
        if shape.kind == "territory":
            return dict(TERRITORY), f"{shape.name}: territory, not audited"
        return dict(NO_DATA), f"{shape.name} ({shape.iso3}): not in this audit"
    row = records[i]
    if not np.isfinite(row["map_value"]):
        return dict(NO_DATA), f"{row['value']} ({shape.iso3}): no data"
    return {"facecolor": colours[i], **EDGE}, _tooltip(row)


def _draw_dots(
    ax: Axes,
    table: pd.DataFrame,
    colours: np.ndarray,
    *,
    projection: str,
    panel: int,
    size: float,
    tooltips: bool = True,
) -> None:
    dots = np.flatnonzero((table["placement"] == "dot").to_numpy())
    if dots.size == 0:
        return
    sub = table.iloc[dots]
    xs, ys = project_points(sub["lon"].to_numpy(), sub["lat"].to_numpy(), projection)
    if not tooltips:  # one collection: the same markers as one Line2D each
        finite = np.isfinite(sub["map_value"].to_numpy(float))
        faces = np.where(finite[:, None], colours[dots], np.array(to_rgba(NO_DATA_DOT)))
        ax.scatter(
            xs, ys, s=size**2, c=faces, edgecolors=DOT_EDGE, linewidths=0.4, zorder=3,
            clip_on=False, plotnonfinite=True,
        )  # fmt: skip
        return
    for j, (i, row) in enumerate(zip(dots, sub.to_dict("records"), strict=True)):
        finite = bool(np.isfinite(row["map_value"]))
        face = colours[i] if finite else NO_DATA_DOT
        tip = _tooltip(row) if finite else f"{row['value']} ({row['iso3']}): no data"
        dot = Line2D(
            [xs[j]], [ys[j]], ls="", marker="o", ms=size, mfc=face, mec=DOT_EDGE, mew=0.4,
            zorder=3, gid=_gid(panel, row["iso3"] or row["value"]), label=tip, clip_on=False,
        )  # fmt: skip
        ax.add_artist(dot)


def _tooltip(row: dict[Any, Any]) -> str:
    sign = "+" if row["stat"] != "mean" else ""
    n = f", n={int(row['n'])}" if np.isfinite(row["n"]) else ""
    return f"{row['value']} ({row['iso3']}): {row['map_value']:{sign}.3f}{n}"


def _gid(panel: int, code: str) -> str:
    safe = "".join(c if c.isalnum() else "_" for c in str(code))
    return f"{GID_PREFIX}{panel}-{safe}"


@functools.lru_cache(maxsize=8)
def _shapes(projection: str) -> tuple[_Shape, ...]:
    world, _ = projected_world(projection)
    return tuple(
        _Shape(r.iso3, r.name, r.kind, _to_path(r.geometry)) for r in world.itertuples(index=False)
    )


def _to_path(geom: Polygon | MultiPolygon) -> MplPath:
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    rings = []
    for poly in polys:
        poly = orient(poly, 1.0)  # exterior counter-clockwise, holes clockwise
        rings.append(MplPath(np.asarray(poly.exterior.coords), closed=True))
        rings.extend(MplPath(np.asarray(r.coords), closed=True) for r in poly.interiors)
    return MplPath.make_compound_path(*rings)


def _header(fig: Figure, title: str, subtitle: str, *, top: float) -> None:
    fig.text(0.012, top, title, ha="left", va="top", fontsize=13, weight="bold")
    if subtitle:
        below = offset_copy(fig.transFigure, fig=fig, y=-20, units="points")
        sub = textwrap.shorten(subtitle, 170)
        fig.text(0.012, top, sub, ha="left", va="top", fontsize=9, color="#333333", transform=below)


def _add_colorbar(
    fig: Figure,
    scale: ColourScale,
    data: MapData,
    *,
    rect: tuple[float, float, float, float] | None = None,
    ax: Axes | None = None,
    wrap: int = 120,
) -> None:
    kwargs = {"cax": fig.add_axes(rect)} if rect else {"ax": ax, "shrink": 0.6, "pad": 0.02}
    bar = fig.colorbar(scale.mappable(), orientation="horizontal", extend=scale.extend, **kwargs)
    bar.ax.axvline(scale.center, color="black", lw=1.2)
    bar.set_label(textwrap.fill(data.colorbar_label, wrap), fontsize=8.5)
    bar.ax.tick_params(labelsize=8, length=2.5)
    bar.outline.set_linewidth(0.5)


def _legend(
    fig: Figure, tables: list[pd.DataFrame], *, anchor: tuple[float, float], projection: str
) -> None:
    both = pd.concat(tables)
    drawn = set(both["iso3"])
    missing = any(s.kind == "country" and s.iso3 not in drawn for s in _shapes(projection))
    handles = legend_handles(
        no_data=missing or bool(both["map_value"].isna().any()),
        dots=bool((both["placement"] == "dot").any()),
        territories=True,
    )
    fig.legend(
        handles=handles, loc="lower left", bbox_to_anchor=anchor, fontsize=7.5,
        frameon=False, handlelength=1.6, borderaxespad=0,
    )  # fmt: skip


def _extremes(
    fig: Figure, table: pd.DataFrame, *, x: tuple[float, float], top: float, n: int = 5
) -> None:
    """Name the highest and lowest countries (small ones are easy to miss on a map)."""
    ranked = table.dropna(subset=["map_value"]).sort_values("map_value", ascending=False)
    if len(ranked) < 2 * n:
        return
    sign = "+" if table["stat"].iloc[0] != "mean" else ""

    def lines(rows: pd.DataFrame) -> str:
        return "\n".join(
            f"{v:{sign}.3f}".replace("-", "\u2212")
            + f"  {textwrap.shorten(name, 34, placeholder='…')}"
            for name, v in zip(rows["value"], rows["map_value"], strict=True)
        )

    for xi, head, rows in (
        (x[0], "Highest", ranked.head(n)),
        (x[1], "Lowest", ranked.tail(n)[::-1]),
    ):
        fig.text(xi, top, head, fontsize=8, weight="bold", va="top")
        below = offset_copy(fig.transFigure, fig=fig, y=-11, units="points")
        fig.text(xi, top, lines(rows), fontsize=7.5, va="top", linespacing=1.3, transform=below)


def _unplaced_note(fig: Figure, table: pd.DataFrame, *, y: float) -> None:
    counts = table["placement"].value_counts()
    n_poly, n_dot, n_lost = (int(counts.get(k, 0)) for k in ("polygon", "dot", "unplaced"))
    text = f"{len(table)} countries: {n_poly} outlines, {n_dot} dots, {n_lost} not placed"
    lost = table[table["placement"] == "unplaced"]
    if n_lost:
        pairs = zip(lost["value"], lost["iso3"], strict=True)
        names = ", ".join(f"{v} ({c or 'no ISO code'})" for v, c in pairs)
        text += f" (no outline, no coordinates): {names}"
    colour = "#8a1c1c" if n_lost else "#555555"
    text = textwrap.shorten(text, 330, placeholder=" … more in biasprobe.country_table()")
    fig.text(0.012, y, textwrap.fill(text, 170), fontsize=7.5, color=colour, va="bottom")


def _grid(
    n: int, ncols: int
) -> tuple[Figure, list[Axes], tuple[float, float, float, float], tuple[float, float]]:
    """Figure with ``n`` map panels; returns spare rectangles for colour bar and legend."""
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    empty = nrows * ncols - n
    extra_row = 0 if empty else 1
    width, panel_h, head, foot = 15.0, 15.0 / ncols / 2.2 + 0.3, 0.9, 0.45
    height = head + (nrows + 0.45 * extra_row) * panel_h + foot
    fig = Figure(figsize=(width, height), dpi=110)
    axes = []
    for k in range(n):
        r, c = divmod(k, ncols)
        bottom = (foot + (nrows - 1 - r + 0.45 * extra_row) * panel_h) / height
        axes.append(fig.add_axes((c / ncols, bottom, 1 / ncols, (panel_h - 0.3) / height)))
    if empty:
        x0 = (ncols - empty) / ncols + 0.03
        w = empty / ncols - 0.06
        bar = (x0, (foot + 0.55 * panel_h) / height, w, 0.12 / height)
        legend = (x0, (foot + 0.08 * panel_h) / height)
    else:
        bar = (0.3, (foot + 0.25 * panel_h) / height, 0.4, 0.12 / height)
        legend = (0.02, foot / height)
    return fig, axes, bar, legend
