"""Saving map figures; SVG output carries a ``<title>`` tooltip on every country shape."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib as mpl
from matplotlib.figure import Figure

from biasprobe._errors import UsageError
from biasprobe._io import write_atomic
from biasprobe.maps._choropleth import GID_PREFIX, plot_country_map
from biasprobe.maps._map_data import Source

FORMATS = ("png", "svg", "pdf")


def figure_svg(fig: Figure) -> str:
    """The figure as SVG text, each country group with a ``<title>`` (name and value)."""
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "biasprobe"}):  # stable ids
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return add_titles(_round_paths(buf.getvalue()), tooltips(fig))


def tooltips(fig: Figure) -> dict[str, str]:
    """Map each country artist's gid to its tooltip text (kept in the artist's label)."""
    found = fig.findobj(lambda a: str(a.get_gid() or "").startswith(GID_PREFIX))
    return {str(a.get_gid()): str(a.get_label()) for a in found}


def add_titles(svg: str, titles: dict[str, str]) -> str:
    """Insert ``<title>`` as the first child of each ``<g id="...">`` named in ``titles``."""

    def insert(match: re.Match[str]) -> str:
        gid = match.group(1)
        if gid not in titles:
            return match.group(0)
        return f"{match.group(0)}\n   <title>{escape(titles[gid])}</title>"

    return re.sub(r'<g id="([^"]+)">', insert, svg)


def _round_paths(svg: str) -> str:
    """Path coordinates to 0.1 pt (from matplotlib's 6 decimals): a smaller file."""
    number = re.compile(r"(-?\d+\.\d)\d+")
    return re.sub(r' d="[^"]*"', lambda m: number.sub(r"\1", m.group(0)), svg)


def check_format(path: str | Path) -> str:
    """The output format named by the file's suffix, or ``UsageError``."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(f"{path}: unsupported output format {fmt!r}; use .png, .svg or .pdf")
    return fmt


def save_figure(fig: Figure, path: str | Path, *, dpi: int | None = None) -> Path:
    """Write a figure as PNG, SVG (with tooltips) or PDF, chosen by the file's suffix.

    Parameters
    ----------
    fig
        A matplotlib figure (e.g. from ``plot_country_map``).
    path
        The file; its suffix picks the format.
    dpi
        Resolution of a PNG (default: the figure's).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    out = Path(path)
    fmt = check_format(out)
    if fmt == "svg":
        text = figure_svg(fig)
        write_atomic(out, lambda p: p.write_text(text, encoding="utf-8"))
        return out
    kwargs: dict[str, Any] = {"format": fmt, "dpi": dpi or fig.dpi}
    if fmt == "png":
        kwargs["pil_kwargs"] = {"optimize": True}
    else:
        kwargs["metadata"] = {"CreationDate": None}
    write_atomic(out, lambda p: fig.savefig(p, **kwargs))
    return out


def country_map_svg(source: Source, **options: Any) -> str:
    """A country map as SVG text with a tooltip per country (for HTML reports).

    Takes the options of ``plot_country_map``. Each country's shape is a
    ``<g id="bp0-ISO3">`` group whose ``<title>`` reads e.g. ``France (FRA): 0.874, n=10``.
    """
    return figure_svg(plot_country_map(source, **options))
