"""Figures for the HTML report: inline SVG (ids made unique per figure) and base64 PNG.

The maps come from the maps stage (``biasprobe.maps._choropleth*``); this module only turns them
into markup that can sit inside one HTML page next to other figures, with no external
reference (no XML prolog, metadata or namespace URLs).
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from biasprobe._errors import BiasprobeError, DataError

PNG_DPI = 72
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_SIZE = re.compile(r'\s(width|height)="[^"]*"')
_ID = re.compile(r' id="([^"]+)"')
_REF = re.compile(r'( id="|url\(#|href="#)([^")]+)')
_TAG = re.compile(r"<[^>]*>")
_FORBIDDEN = re.compile(r"^<\s*/?\s*(script|foreignObject|iframe)\b|\son\w+\s*=|javascript:", re.I)


@dataclass(frozen=True)
class Figure:
    """A figure ready for the page: inline ``svg`` or a PNG ``data_uri``, or a ``problem``."""

    caption: str
    svg: Markup | None = None
    data_uri: str | None = None
    alt: str = ""
    problem: str = ""


def inline_svg(svg: str, *, prefix: str, label: str) -> Markup:
    """SVG text from matplotlib made safe to inline: ids prefixed, prolog and URLs removed.

    ``label`` becomes the figure's ``aria-label`` (escaped). Raises ``DataError`` if the
    SVG holds anything executable (matplotlib never writes it; this is a guard).
    """
    body = _METADATA.sub("", _PROLOG.sub("", svg, count=1))
    if any(_FORBIDDEN.search(tag) for tag in _TAG.findall(body)):
        raise DataError(f"figure {label!r}: SVG contains script or event handlers; not inlined")
    head_end = body.index(">") + 1
    head = _SIZE.sub("", _XMLNS.sub("", body[:head_end]))
    attrs = f' role="img" aria-label="{Markup.escape(label)}" class="figure-svg"'
    body = head[:-1] + attrs + ">" + body[head_end:]
    return Markup(_prefix_ids(body, prefix))


def _prefix_ids(svg: str, prefix: str) -> str:
    ids = set(_ID.findall(svg))

    def swap(match: re.Match[str]) -> str:
        lead, name = match.group(1), match.group(2)
        return f"{lead}{prefix}-{name}" if name in ids else match.group(0)

    return _REF.sub(swap, svg)


def png_data_uri(fig: Any, *, dpi: int = PNG_DPI) -> str:
    """A matplotlib figure as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def file_data_uri(path: Path) -> str | None:
    """A PNG file as a data URI, or None when the file is absent."""
    if not path.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def figure(caption: str, draw: Callable[[], Figure]) -> Figure:
    """Call ``draw``; an input problem becomes a visible note instead of a failed report."""
    try:
        return draw()
    except BiasprobeError as exc:
        return Figure(caption=caption, problem=" ".join(str(exc).split()))
