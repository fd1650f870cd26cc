"""The maps section of the report: drawn by the maps stage, embedded here.

matplotlib and geopandas are imported inside the functions, so that importing the
report module (and ``biasprobe``) stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from biasprobe.audits._result import AuditResult
from biasprobe.report._figure_cache import cached_figure, figure_key
from biasprobe.report._figures import Figure, figure, inline_svg, png_data_uri

SMALL_MULTIPLE_DPI = 60
REGION_COLUMN = "region"


def has_map(result: AuditResult, slot: str) -> bool:
    """True when the slot's lexicon carries ISO alpha-3 codes (a country slot)."""
    return f"{slot}_iso3" in result.probes.columns


def map_figures(
    result: AuditResult, slot: str, *, prefix: str, folder: Path | None = None
) -> list[Figure]:
    """The country map (inline SVG with tooltips), small multiples and region bars.

    ``folder``: the audit directory ``result`` was loaded from; its figures drawn by an
    earlier report are reused when nothing they depend on changed (``_figure_cache``)."""
    if not has_map(result, slot):
        return []

    def get(caption: str, draw: Callable[[], Figure]) -> Figure:
        key = figure_key(folder, caption, slot, prefix) if folder is not None else None
        return cached_figure(key, lambda: figure(caption, draw))

    figures = [
        get("Mean score by country", lambda: _country_map(result, slot, prefix)),
        get("One map per wording", lambda: _small_multiples(result, slot)),
    ]
    if f"{slot}_{REGION_COLUMN}" in result.probes.columns:
        figures.append(get("Mean score by region", lambda: _regions(result, slot)))
    return figures


def _country_map(result: AuditResult, slot: str, prefix: str) -> Figure:
    from biasprobe.maps._svg import country_map_svg

    caption = (
        "Mean score per country over all wordings; colours are differences from the median "
        "country (the colour bar gives its value; `biasprobe map --reference baseline` "
        "centres on the neutral fillers instead). Hover over a country for its name, value "
        "and number of probes."
    )
    svg = country_map_svg(result, slot=slot)
    return Figure(caption=caption, svg=inline_svg(svg, prefix=f"{prefix}-map", label=caption))


def _small_multiples(result: AuditResult, slot: str) -> Figure:
    from biasprobe.maps._choropleth import plot_small_multiples

    stat = small_multiples_stat(result)
    fig = plot_small_multiples(result, slot=slot, stat=stat, tooltips=False)  # a PNG
    caption = SMALL_MULTIPLE_CAPTIONS[stat]
    return Figure(caption=caption, data_uri=png_data_uri(fig, dpi=SMALL_MULTIPLE_DPI), alt=caption)


SMALL_MULTIPLE_CAPTIONS = {
    "delta": "One map per wording, each country's score minus that wording's neutral "
    "baseline (delta), on one colour scale centred on the median country's delta: a "
    "wording's own level does not colour its whole map.",
    "vs_mean": "One map per wording, each country's score minus that wording's mean over "
    "countries, on one colour scale centred on the median country: a wording's own level "
    "does not colour its whole map.",
}


def small_multiples_stat(result: AuditResult) -> str:
    """The relative statistic of the per-wording maps: ``delta`` where every wording has a
    neutral baseline, else ``vs_mean`` (raw means would show each wording's own level)."""
    probes = result.probes
    scored = probes[~probes["is_baseline"]]
    return "delta" if scored["delta"].notna().all() else "vs_mean"


def _regions(result: AuditResult, slot: str) -> Figure:
    from biasprobe.maps._regions import plot_region_means

    fig = plot_region_means(result, by=REGION_COLUMN, slot=slot)
    caption = "Mean score by region with bootstrap CIs; dots are countries."
    return Figure(caption=caption, data_uri=png_data_uri(fig, dpi=80), alt=caption)
