"""Colours of the maps: a diverging scale centred on the baseline, and the no-data styles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, ListedColormap, Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from biasprobe._errors import DataError, UsageError

DEFAULT_CMAP = "RdBu"  # ColorBrewer, colour-blind safe; red below the centre, blue above
NO_DATA: dict[str, Any] = {
    "facecolor": "#e3e3e3",
    "edgecolor": "#8f8f8f",
    "hatch": "//////",
    "linewidth": 0.3,
}
TERRITORY: dict[str, Any] = {"facecolor": "#f1f1f1", "edgecolor": "#b0b0b0", "linewidth": 0.3}
EDGE: dict[str, Any] = {"edgecolor": "#5a5a5a", "linewidth": 0.3}
OCEAN: dict[str, Any] = {"facecolor": "#ffffff", "edgecolor": "#a0a0a0", "linewidth": 0.6}
DOT_EDGE = "#303030"
NO_DATA_DOT = "#e3e3e3"
MIN_HALF_RANGE = 0.01


@dataclass(frozen=True)
class ColourScale:
    """Values to colours: ``cmap`` spans ``center ± half``; the colour bar shows ``lo..hi``.

    The range is symmetric around the centre, so equal distances above and below the
    baseline get equally strong colours; the colour bar only shows the part in use.
    """

    cmap: Colormap
    center: float
    half: float
    lo: float
    hi: float
    extend: str = "neither"

    def fraction(self, values: np.ndarray) -> np.ndarray:
        """Position of each value on the full colour map (0..1, clipped)."""
        offset = (np.asarray(values, dtype=float) - self.center) / (2 * self.half)
        return np.clip(0.5 + offset, 0, 1)

    def colours(self, values: np.ndarray) -> np.ndarray:
        """RGBA rows; NaN values give NaN rows (drawn as no data)."""
        vals = np.asarray(values, dtype=float)
        rgba = np.asarray(self.cmap(self.fraction(np.nan_to_num(vals))), dtype=float)
        rgba[~np.isfinite(vals)] = np.nan
        return rgba

    def mappable(self) -> ScalarMappable:
        """For the colour bar: the used part of the colour map over ``lo..hi``."""
        f_lo, f_hi = self.fraction(np.array([self.lo, self.hi]))
        part = ListedColormap(self.cmap(np.linspace(f_lo, f_hi, 256)))
        return ScalarMappable(norm=Normalize(self.lo, self.hi), cmap=part)


def colour_scale(
    values: np.ndarray,
    *,
    center: float,
    cmap: str | Colormap = DEFAULT_CMAP,
    limits: tuple[float, float] | None = None,
) -> ColourScale:
    """The scale for ``values`` (all panels of a figure together), centred on ``center``."""
    vals = np.asarray(values, dtype=float)
    finite = vals[np.isfinite(vals)]
    if finite.size == 0:
        raise DataError(
            "every country's value is NaN: nothing to colour (is there a neutral baseline "
            "for stat='delta'? try stat='mean')"
        )
    if limits is not None and not limits[0] < limits[1]:
        raise UsageError(f"limits must be (low, high) with low < high, got {limits}")
    lo, hi = limits if limits is not None else (float(finite.min()), float(finite.max()))
    lo, hi = min(lo, center), max(hi, center)
    half = max(center - lo, hi - center, MIN_HALF_RANGE)
    if hi - lo < MIN_HALF_RANGE:
        lo, hi = center - half, center + half
    below, above = bool((finite < lo).any()), bool((finite > hi).any())
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max"}.get(
        (below, above), "both"
    )
    return ColourScale(_cmap(cmap), float(center), float(half), float(lo), float(hi), extend)


def _cmap(cmap: str | Colormap) -> Colormap:
    if isinstance(cmap, Colormap):
        return cmap
    try:
        return mpl.colormaps[cmap]
    except KeyError:
        raise UsageError(
            f"unknown colour map {cmap!r}; try RdBu, PuOr, BrBG (diverging) or cividis, viridis"
        ) from None


def legend_handles(*, no_data: bool, dots: bool, territories: bool) -> list[object]:
    """Legend entries for what the map contains (only those that occur)."""
    handles: list[object] = []
    if dots:
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=5,
                mfc="#8c8c8c",
                mec=DOT_EDGE,
                mew=0.4,
                label="small country (dot)",
            )
        )
    if no_data:
        handles.append(Patch(**NO_DATA, label="no data"))
    if territories:
        handles.append(Patch(**TERRITORY, label="territory, not audited"))
    return handles
