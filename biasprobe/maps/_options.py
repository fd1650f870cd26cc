"""The options every country map takes, defined once (``plot_country_map``,
``plot_small_multiples`` and ``country_map_svg`` accept them as keywords)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypedDict

from matplotlib.colors import Colormap

from biasprobe._errors import UsageError
from biasprobe.maps._geometry import DEFAULT_PROJECTION
from biasprobe.maps._style import DEFAULT_CMAP


class MapStyle(TypedDict, total=False):
    """Keyword form of ``MapOptions``: what is mapped and how it is coloured."""

    stat: str
    slot: str | None
    projection: str
    cmap: str | Colormap
    limits: tuple[float, float] | None
    center: float | None
    reference: str
    title: str | None


@dataclass(frozen=True, kw_only=True)
class MapOptions:
    """Statistic, slot, projection, colour map, colour range and centre, title.

    The colour centre is ``center`` when given, else set by ``reference``: ``"median"``
    (default; the median country, so colours are differences from the median country) or
    ``"baseline"`` (the neutral filler's score; 0 for ``delta``).

    Examples
    --------
    >>> MapOptions.of({"stat": "delta"}).projection
    'equal-earth'
    """

    stat: str = "mean"
    slot: str | None = None
    projection: str = DEFAULT_PROJECTION
    cmap: str | Colormap = DEFAULT_CMAP
    limits: tuple[float, float] | None = None
    center: float | None = None
    reference: str = "median"
    title: str | None = None

    @classmethod
    def of(cls, style: MapStyle) -> MapOptions:
        """The options with ``style``'s keywords applied; unknown keywords are errors."""
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(style) - set(known))
        if unknown:
            raise UsageError(f"unknown map option {unknown[0]!r}; valid: {', '.join(known)}")
        return cls(**style)
