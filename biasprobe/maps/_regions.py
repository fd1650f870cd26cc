"""Region view: per region (or any lexicon metadata column) means with cluster CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from biasprobe._errors import DataError, UsageError
from biasprobe.audits._result import AuditResult
from biasprobe.maps._map_data import STATS, Source, as_audit, map_data
from biasprobe.maps._style import DEFAULT_CMAP, ColourScale, colour_scale
from biasprobe.stats._design import two_way_mean_interval

NO_GROUP = "(none)"


def region_means(
    source: Source,
    *,
    by: str = "region",
    stat: str = "mean",
    template: str = "all",
    slot: str | None = None,
) -> pd.DataFrame:
    """Mean score of each region, with a CI that resamples its countries and the wordings.

    The estimand is the mean over countries like these in wordings like these: countries
    and wordings are both clusters (a two-way bootstrap, t interval with the scarcer
    factor's degrees of freedom; ``biasprobe.stats._design.two_way_mean_interval``), so a
    region of three countries gets the wide interval three countries support.

    Parameters
    ----------
    source
        An AuditResult or an audit directory (the probes are needed for the intervals).
    by
        A metadata column of the slot's lexicon: ``region``, ``subregion``,
        ``income_group``, ``wb_region``...
    stat
        ``"mean"`` (score), ``"delta"`` (score minus the neutral baseline) or
        ``"vs_mean"`` (score minus the mean over countries).

    Returns
    -------
    pandas.DataFrame
        One row per group, highest mean first: by, group, n_countries, n_probes, stat,
        mean, ci_low, ci_high (the audit's confidence level and seed).
    """
    audit, rows, s, col = _probe_rows(source, by=by, stat=stat, template=template, slot=slot)
    records = []
    for group, grp in rows.groupby(col, sort=False):
        values = grp["_value"].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        cells = grp.pivot_table(index=s, columns="template_id", values="_value", aggfunc="mean")
        mean, lo, hi = two_way_mean_interval(
            cells.to_numpy(dtype=float),
            n_resamples=audit.boot.n_resamples,
            confidence=audit.boot.confidence,
            seed=audit.boot.seed,
            key=f"{by}|{group}|{stat}",
            probability=stat == "mean",
        )
        records.append(
            {
                "by": by,
                "group": str(group),
                "n_countries": grp[s].nunique(),
                "n_probes": len(values),
                "stat": stat,
                "mean": mean,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    return pd.DataFrame(records).sort_values("mean", ascending=False, ignore_index=True)


def plot_region_means(
    source: Source,
    *,
    by: str = "region",
    stat: str = "mean",
    template: str = "all",
    slot: str | None = None,
    cmap: str | Colormap = DEFAULT_CMAP,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Bar chart of ``region_means`` with CIs, each country's mean as a dot on its bar.

    Bars use the colour scale of ``plot_country_map`` (same centre), so the chart reads
    as the map's companion. Parameters are those of ``region_means``.
    """
    audit = as_audit(source)
    table = region_means(audit, by=by, stat=stat, template=template, slot=slot)
    data = map_data(audit, stat=stat, template=template, slot=slot)
    countries = data.table.assign(group=_country_groups(audit, data.table, by=by, slot=slot))
    scale = colour_scale(countries["map_value"].to_numpy(float), center=data.center, cmap=cmap)
    own = ax is None
    if ax is None:
        fig = Figure(figsize=(8, 1.45 + 0.5 * len(table)), dpi=150)
        head = title or data.title.replace("by country", f"by {by}")
        ax = _framed_axes(fig, head, audit, centre=data.center_label)
    _draw_bars(ax, table, countries, scale)
    ax.axvline(data.center, color="black", lw=0.9, ls="--", zorder=1)
    ax.set_xlabel(data.axis_label, fontsize=8.5)
    drawn = ax.get_figure()
    if own and isinstance(drawn, Figure):  # a caller's own axes are left where they are
        fit_labels(drawn, ax)
    return drawn  # type: ignore[return-value]


def fit_labels(fig: Figure, ax: Axes, *, pad_in: float = 0.1) -> None:
    """Move the axes' left edge right of its longest y tick label ("Lower middle income
    (n=54)"), so that no label is cut off at the figure's edge; the right edge stays."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    widest = max((t.get_window_extent(renderer).width for t in ax.get_yticklabels()), default=0)
    box = ax.get_position()
    need = (widest / fig.dpi + pad_in) / fig.get_figwidth() + 0.012
    if need > box.x0:
        ax.set_position((need, box.y0, max(box.x1 - need, 0.1), box.height))


def _framed_axes(
    fig: Figure, title: str, audit: AuditResult | pd.DataFrame, *, centre: str
) -> Axes:
    height = fig.get_figheight()
    ax = fig.add_axes((0.2, 0.55 / height, 0.6, 1 - 1.35 / height))
    fig.text(0.012, 1 - 0.1 / height, title, ha="left", va="top", fontsize=12, weight="bold")
    level = audit.boot.confidence if isinstance(audit, AuditResult) else 0.95
    note = (
        f"bars: group mean, {level:.0%} CI (countries and wordings resampled); "
        f"dots: countries; dashed: colour centre ({centre})"
    )
    fig.text(0.012, 1 - 0.42 / height, note, fontsize=8.5, color="#333", ha="left", va="top")
    return ax


def _draw_bars(ax: Axes, table: pd.DataFrame, countries: pd.DataFrame, scale: ColourScale) -> None:
    y = np.arange(len(table))[::-1]
    colours = scale.colours(table["mean"].to_numpy())
    err = np.vstack([table["mean"] - table["ci_low"], table["ci_high"] - table["mean"]])
    ax.barh(y, table["mean"], color=colours, edgecolor="#404040", lw=0.5, height=0.62, zorder=2)
    ax.errorbar(table["mean"], y, xerr=np.nan_to_num(err), fmt="none", ecolor="black",
                elinewidth=1.1, capsize=3, zorder=4)  # fmt: skip
    rng = np.random.default_rng(0)
    for yi, group in zip(y, table["group"], strict=True):
        vals = countries.loc[countries["group"] == group, "map_value"].to_numpy(float)
        jitter = rng.uniform(-0.2, 0.2, size=vals.size)
        ax.scatter(vals, yi + jitter, s=7, color="#1a1a1a", alpha=0.45, lw=0, zorder=3)
    labels = [f"{g} (n={n})" for g, n in zip(table["group"], table["n_countries"], strict=True)]
    for yi, row in zip(y, table.itertuples(), strict=True):
        ax.text(1.02, yi, f"{row.mean:.3f} [{row.ci_low:.3f}, {row.ci_high:.3f}]", fontsize=8,
                va="center", transform=ax.get_yaxis_transform())  # fmt: skip
    ax.text(1.02, 1.0, "mean [CI]", fontsize=8, weight="bold", transform=ax.transAxes)
    ax.set_yticks(y, labels, fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e5e5e5", lw=0.6, zorder=0)
    ax.set_axisbelow(True)


def _probe_rows(
    source: Source, *, by: str, stat: str, template: str, slot: str | None
) -> tuple[AuditResult, pd.DataFrame, str, str]:
    if stat not in STATS:
        raise UsageError(f"unknown statistic {stat!r}; valid: {', '.join(STATS)}")
    audit = as_audit(source)
    if not isinstance(audit, AuditResult):
        raise UsageError("region means need the probes: pass an AuditResult or audit directory")
    s = _slot_with(audit, by, slot)
    probes = audit.probes[~audit.probes["is_baseline"] & audit.probes[s].notna()]
    if template != "all":
        probes = probes[probes["template_id"] == template]
        if probes.empty:
            valid = ", ".join(map(str, audit.probes["template_id"].unique()))
            raise UsageError(f"unknown template {template!r}; valid: all, {valid}")
    col = f"{s}_{by}"
    rows = probes.assign(**{col: probes[col].astype(object).where(probes[col] != "", NO_GROUP)})
    rows[col] = rows[col].fillna(NO_GROUP)
    value = {"mean": rows["score"], "delta": rows["delta"]}.get(stat)
    if value is None:
        value = rows["score"] - rows.groupby(s)["score"].mean().mean()
    return audit, rows.assign(_value=value), s, col


def _slot_with(audit: AuditResult, by: str, slot: str | None) -> str:
    have = [s for s in audit.slots if f"{s}_{by}" in audit.probes.columns]
    if slot is not None and slot in have:
        return slot
    if slot is None and len(have) == 1:
        return have[0]
    options = [c for c in audit.probes.columns if any(c.startswith(f"{s}_") for s in audit.slots)]
    raise DataError(
        f"no metadata column {by!r} for slot {slot or ', '.join(audit.slots)}; "
        f"metadata columns: {', '.join(options) or 'none'}"
    )


def _country_groups(
    audit: AuditResult | pd.DataFrame, table: pd.DataFrame, *, by: str, slot: str | None
) -> pd.Series:
    if not isinstance(audit, AuditResult):
        raise UsageError("region means need the probes: pass an AuditResult or audit directory")
    s = _slot_with(audit, by, slot)
    lookup = audit.probes.drop_duplicates(s).set_index(s)[f"{s}_{by}"]
    groups = table["value"].map(lookup).astype(object)
    return groups.where(groups.notna() & (groups != ""), NO_GROUP)
