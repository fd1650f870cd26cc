"""Maps of several models: a diff map (diverging, centred on 0) and one panel per model.

``plot_diff_map`` colours each country by its change of mean score, model B minus model A
(``DiffResult.by_group``), on a diverging scale centred on 0 and symmetric around it;
``plot_model_multiples`` draws each model's country means on one shared colour scale.
The drawing is the choropleth module's (``draw_panel``, colour scale, legend).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from biasprobe._errors import DataError
from biasprobe.diffs._diff import DiffResult, load_diff
from biasprobe.maps._choropleth import (
    _add_colorbar,
    _extremes,
    _grid,
    _header,
    _legend,
    _unplaced_note,
    draw_panel,
    place,
)
from biasprobe.maps._geometry import DEFAULT_PROJECTION
from biasprobe.maps._map_data import MapData, Source, map_data
from biasprobe.maps._style import DEFAULT_CMAP, colour_scale


@dataclass(frozen=True)
class _DiffMapData(MapData):
    label: str = ""

    @property
    def colorbar_label(self) -> str:
        return self.label


def diff_table(diff: DiffResult, *, slot: str | None = None) -> pd.DataFrame:
    """The per-country table of a diff map: value, iso3, region, lat, lon, n, map_value
    (the change), its CI and verdict."""
    groups = diff.by_group() if slot is None else diff.by_group(slot)
    if "iso3" not in groups.columns or not groups["iso3"].notna().any():
        raise DataError(
            "this diff has no ISO alpha-3 codes (iso3); a diff map needs a slot whose "
            "lexicon has them, like the shipped 'countries' lexicon"
        )
    groups = groups[groups["iso3"].notna()]
    if groups["slot"].nunique() > 1:
        raise DataError(
            f"several slots carry ISO codes; choose one (slot=): {groups['slot'].unique()}"
        )
    out = pd.DataFrame(
        {
            "value": groups["value"].astype(str),
            "iso3": groups["iso3"].astype(str),
            "region": groups.get("region", pd.Series("", index=groups.index)).fillna(""),
            "lat": _numbers(groups, "lat"),
            "lon": _numbers(groups, "lon"),
            "n": groups["n"],
            "stat": "diff",
            "map_value": groups["diff"].astype(float),
            "ci_low": groups["ci_low"],
            "ci_high": groups["ci_high"],
            "verdict": groups["verdict"],
        }
    )
    return place(out.reset_index(drop=True))


def _numbers(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce")


def plot_diff_map(
    diff: DiffResult | str | Path,
    *,
    slot: str | None = None,
    projection: str = DEFAULT_PROJECTION,
    cmap: str | Colormap = DEFAULT_CMAP,
    limits: tuple[float, float] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw each country's change of mean score, model B minus model A.

    Parameters
    ----------
    diff
        A ``DiffResult`` or a diff folder (``biasprobe diff --out``, or a two-model audit).
    slot
        The slot to map when several carry ISO codes.
    cmap, limits
        Diverging colour map (default ``RdBu``); colour range, by default symmetric
        around 0 at the largest absolute change.

    Returns
    -------
    matplotlib.figure.Figure
        Countries whose change is credible (BH) are named in the subtitle.
    """
    d = diff if isinstance(diff, DiffResult) else load_diff(diff)
    table = diff_table(d, slot=slot)
    values = table["map_value"].to_numpy(float)
    top = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
    scale = colour_scale(
        values, center=0.0, cmap=cmap, limits=limits or (-top, top) if top else None
    )
    a, b = d.names
    label = f"change of mean score: {b} minus {a} (0: no change)"
    data = _DiffMapData(
        table=table, stat="diff", center=0.0, center_label="no change", score_name="score",
        model=f"{b} minus {a}", template_label="", label=label,
    )  # fmt: skip
    fig = Figure(figsize=(11, 7.0), dpi=150)
    ax = fig.add_axes((0.005, 0.2, 0.99, 0.68))
    draw_panel(ax, table, scale, projection=projection, panel=0)
    moved = table[table["verdict"].isin(["up", "down"])]
    names = ", ".join(
        f"{v} ({x:+.3f})" for v, x in zip(moved["value"], moved["map_value"], strict=True)
    )
    sub = f"paired by probe; moved credibly (BH, {d.confidence:.0%}): {len(moved)} of {len(table)}"
    _header(
        fig,
        title or f"Change by country: {b} minus {a}",
        f"{sub}{': ' + names if names else ''}",
        top=0.975,
    )
    _add_colorbar(fig, scale, data, rect=(0.69, 0.135, 0.28, 0.02), wrap=44)
    _legend(fig, [table], anchor=(0.012, 0.1), projection=projection)
    _extremes(fig, table, x=(0.23, 0.45), top=0.185)
    _unplaced_note(fig, table, y=0.012)
    return fig


def plot_model_multiples(
    audits: Mapping[str, Source],
    *,
    stat: str = "mean",
    slot: str | None = None,
    projection: str = DEFAULT_PROJECTION,
    cmap: str | Colormap = DEFAULT_CMAP,
    title: str | None = None,
    ncols: int = 2,
) -> Figure:
    """One map per model (``{name: AuditResult or audit folder}``), one colour scale.

    The scale is centred on the first model's centre (its median country, as in
    ``plot_country_map``), so a colour means the same in every panel.
    """
    names = list(audits)
    panels = [map_data(audits[n], stat=stat, slot=slot) for n in names]
    tables = [place(p.table, projection=projection) for p in panels]
    values = np.concatenate([t["map_value"].to_numpy(float) for t in tables])
    scale = colour_scale(values, center=panels[0].center, cmap=cmap)
    fig, axes, bar_rect, legend_anchor = _grid(len(names), ncols)
    for i, (ax, table, name) in enumerate(zip(axes, tables, names, strict=True)):
        draw_panel(ax, table, scale, projection=projection, panel=i, dot_size=2.6)
        ax.set_title(textwrap.shorten(name, 70), fontsize=9, pad=2)
    head = f"{len(names)} models, same probes; one colour scale for all panels"
    _header(fig, title or f"{panels[0].title.split(' · ')[0]}, per model", head, top=0.985)
    _add_colorbar(fig, scale, panels[0], rect=bar_rect)
    _legend(fig, tables, anchor=legend_anchor, projection=projection)
    _unplaced_note(fig, pd.concat(tables).drop_duplicates("value"), y=0.008)
    return fig
