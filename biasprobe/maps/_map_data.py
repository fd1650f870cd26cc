"""What a country map shows: one value per country, where it goes, and how it is labelled.

pandas only; the drawing modules (``_maps``, ``_maps_svg``) add matplotlib and geopandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biasprobe._errors import DataError, UsageError
from biasprobe.audits._result import AuditResult, load_audit

STATS = ("mean", "delta", "vs_mean")
REFERENCES = ("median", "baseline")  # the colour centre: the median country, or the baseline
Source = AuditResult | pd.DataFrame | str | Path
TABLE_COLUMNS = (
    "value", "iso3", "region", "lat", "lon", "n", "stat", "map_value", "placement", "reason",
)  # fmt: skip


@dataclass(frozen=True)
class MapData:
    """One map's content: the country table plus the words around it."""

    table: pd.DataFrame
    stat: str
    center: float
    center_label: str
    score_name: str
    model: str
    template_label: str
    set_label: str = ""

    neutral: str = "neutral"

    @property
    def colorbar_label(self) -> str:
        """What the colour means: the statistic, and what the centre (black line) is."""
        return f"{self.axis_label}; colour: {self.center_label}"

    @property
    def axis_label(self) -> str:
        """The statistic, for an axis (the region chart)."""
        return {
            "mean": f"mean {self.score_name}",
            "delta": f"{self.score_name} minus the template's neutral baseline "
            f"{self.neutral}".rstrip(),
            "vs_mean": f"{self.score_name} minus the mean over countries",
        }[self.stat]

    @property
    def title(self) -> str:
        what = {"mean": "Mean", "delta": "Change vs neutral baseline in", "vs_mean": "Relative"}
        model = f" · {self.model}" if self.model else ""
        return f"{what[self.stat]} {self.score_name} by country{model}"


def as_audit(source: Source) -> AuditResult | pd.DataFrame:
    """An AuditResult (from a directory path) or a groups DataFrame, as given."""
    if isinstance(source, AuditResult | pd.DataFrame):
        return source
    if isinstance(source, str | Path):
        return load_audit(source)
    raise UsageError(
        f"cannot map a {type(source).__name__}; pass an AuditResult, an audit directory "
        "or a per-country DataFrame with 'value', 'iso3' and 'mean' columns"
    )


def map_data(
    source: Source,
    *,
    stat: str = "mean",
    template: str = "all",
    slot: str | None = None,
    reference: str = "median",
) -> MapData:
    """Compute the per-country table of one map (see ``country_table`` for the columns).

    ``reference`` is the colour centre: ``"median"`` (the median country's value, so a
    colour reads as a difference from the median country) or ``"baseline"`` (the neutral
    filler's score for ``mean``, 0 for ``delta``, the mean over countries for ``vs_mean``).
    """
    if stat not in STATS:
        raise UsageError(f"unknown statistic {stat!r}; valid: {', '.join(STATS)}")
    if reference not in REFERENCES:
        raise UsageError(f"unknown map reference {reference!r}; valid: {', '.join(REFERENCES)}")
    src = as_audit(source)
    if isinstance(src, AuditResult):
        frame, baseline, words = _from_audit(src, template=template, slot=slot)
    else:
        frame, baseline, words = _from_groups(src, template=template, slot=slot)
    return _finish(frame, stat=stat, baseline=baseline, reference=reference, **words)


def map_data_per_template(
    source: Source, *, templates: list[str], stat: str = "mean", slot: str | None = None
) -> list[MapData]:
    """``map_data(source, template=t, ...)`` for each of ``templates`` (the panels of small
    multiples), from one grouping of the probes instead of one per template."""
    src = as_audit(source)
    if not isinstance(src, AuditResult):
        raise UsageError("small multiples need the probes: pass an AuditResult or audit directory")
    if stat not in STATS:
        raise UsageError(f"unknown statistic {stat!r}; valid: {', '.join(STATS)}")
    probes = src.probes
    s = iso_slot(src.slots, probes.columns, slot)
    _check_templates(probes, templates)
    scored = probes[~probes["is_baseline"] & probes[s].notna()]
    means = _value_means(scored, ["template_id", s])
    fields = _lexicon_fields(scored, s)
    by_template = dict(iter(probes.groupby("template_id", sort=False)))
    out = []
    for t in templates:
        rows = by_template[t]
        frame = means.xs(t, level="template_id").join(fields).reset_index(names="value")
        baseline = float(rows.loc[rows["is_baseline"], "score"].mean())
        words = _words(src.metadata, rows, t, s)
        out.append(_finish(frame, stat=stat, baseline=baseline, reference="median", **words))
    return out


def template_ids(source: Source) -> list[str]:
    """The template ids of an audit, in order (small multiples draw one panel each)."""
    src = as_audit(source)
    if not isinstance(src, AuditResult):
        raise UsageError("small multiples need the probes: pass an AuditResult or audit directory")
    return [str(t) for t in src.probes["template_id"].unique()]


def iso_slot(slots: list[str], columns: pd.Index, slot: str | None) -> str:
    """The slot whose ``<slot>_iso3`` column the map joins on."""
    with_iso = [s for s in slots if f"{s}_iso3" in columns]
    if slot is not None:
        if slot not in slots:
            raise UsageError(f"unknown slot {slot!r}; slots of this audit: {', '.join(slots)}")
        if slot not in with_iso:
            raise DataError(_no_iso_message(slots, with_iso, slot))
        return slot
    if len(with_iso) == 1:
        return with_iso[0]
    if not with_iso:
        raise DataError(_no_iso_message(slots, with_iso, None))
    raise UsageError(f"several slots carry ISO codes ({', '.join(with_iso)}); choose one (slot=)")


def _no_iso_message(slots: list[str], with_iso: list[str], slot: str | None) -> str:
    head = f"slot {slot!r} has" if slot else "no slot of this audit has"
    options = ", ".join(with_iso) if with_iso else "none"
    return (
        f"{head} an ISO alpha-3 column (looked for "
        f"{', '.join(f'{s}_iso3' for s in slots)}); slots: {', '.join(slots)}; slots with "
        f"ISO codes: {options}; a map needs a slot whose lexicon has an 'iso3' column, "
        "like the shipped 'countries' lexicon"
    )


def _from_audit(
    audit: AuditResult, *, template: str, slot: str | None
) -> tuple[pd.DataFrame, float, dict[str, str]]:
    probes = audit.probes
    s = iso_slot(audit.slots, probes.columns, slot)
    if template != "all":
        _check_templates(probes, [template])
        probes = probes[probes["template_id"] == template]
    scored = probes[~probes["is_baseline"] & probes[s].notna()]
    frame = _value_means(scored, [s]).join(_lexicon_fields(scored, s))
    frame = frame.reset_index(names="value")
    baseline = float(probes.loc[probes["is_baseline"], "score"].mean())
    return frame, baseline, _words(audit.metadata, probes, template, s)


def _check_templates(probes: pd.DataFrame, templates: list[str]) -> None:
    known = [str(t) for t in probes["template_id"].unique()]
    unknown = [t for t in templates if t not in known]
    if unknown:
        raise UsageError(f"unknown template {unknown[0]!r}; valid: all, {', '.join(known)}")


def _value_means(scored: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """n, mean and delta per value (per ``keys``); plain mean and size: a named ``.agg``
    is 3x slower."""
    grouped = scored.groupby(keys, sort=False)
    frame = grouped[["score", "delta"]].mean().rename(columns={"score": "mean"})
    frame.insert(0, "n", grouped.size())
    return frame


def _lexicon_fields(scored: pd.DataFrame, slot: str) -> pd.DataFrame:
    """Each value's iso3, region, lat and lon (those the probes carry), indexed by value."""
    cols = [f"{slot}_{c}" for c in ("iso3", "region", "lat", "lon") if f"{slot}_{c}" in scored]
    fields = scored.groupby(slot, sort=False)[cols].first()
    fields.columns = [c[len(slot) + 1 :] for c in cols]
    return fields


def _words(meta: dict[str, Any], probes: pd.DataFrame, template: str, slot: str) -> dict[str, str]:
    model = meta.get("model", {}) if isinstance(meta.get("model"), dict) else {}
    name = str(model.get("model", ""))
    if model.get("kind") == "local":
        name = Path(name).name
    score = f"P({model['score_label']})" if model.get("score_label") else "score"
    texts = probes["template"].drop_duplicates()
    set_name = meta.get("template_set", {}).get("name", "")
    of_set = f" of set '{set_name}'" if set_name else ""
    if template != "all":
        label = f"template {template}: “{texts.iloc[0]}”"
    else:
        label = f"mean over {len(texts)} templates{of_set}, e.g. “{texts.iloc[0]}”"
    neutral = probes.loc[probes["is_baseline"], slot]
    base = f"“{neutral.iloc[0]}”" if len(neutral) else "none"
    return {
        "model": name,
        "score_name": score,
        "template_label": label,
        "neutral": base,
        "set_label": of_set if template == "all" else "",
    }


def _from_groups(
    groups: pd.DataFrame, *, template: str, slot: str | None
) -> tuple[pd.DataFrame, float, dict[str, str]]:
    if template != "all":
        raise UsageError("a per-country table has no per-template values; use template='all'")
    frame = groups
    if "slot" in frame.columns:
        slots = [str(s) for s in frame["slot"].unique()]
        with_iso = [s for s in slots if frame.loc[frame["slot"] == s, "iso3"].notna().any()]
        chosen = iso_slot(slots, pd.Index([f"{s}_iso3" for s in with_iso]), slot)
        frame = frame[frame["slot"] == chosen]
    missing = [c for c in ("value", "iso3", "mean") if c not in frame.columns]
    if missing:
        raise DataError(
            f"per-country table lacks column {missing[0]!r}; columns: "
            f"{', '.join(map(str, frame.columns))}; a map needs 'value', 'iso3' and 'mean'"
        )
    frame = frame.copy()
    defaults: dict[str, Any] = {"n": np.nan, "delta": np.nan, "region": "", "lat": np.nan}
    defaults["lon"] = np.nan
    for col, default in defaults.items():
        frame[col] = frame.get(col, default)
    baseline = float((frame["mean"] - frame["delta"]).mean())
    words = {"model": "", "score_name": "score", "template_label": "", "neutral": ""}
    words["set_label"] = ""
    return frame, baseline, words


def _finish(
    frame: pd.DataFrame, *, stat: str, baseline: float, reference: str, **words: str
) -> MapData:
    _check_duplicates(frame)
    mean_of_means = float(frame["mean"].mean())
    values = {
        "mean": frame["mean"],
        "delta": frame["delta"],
        "vs_mean": frame["mean"] - mean_of_means,
    }[stat]
    out = pd.DataFrame(
        {
            "value": frame["value"].astype(str),
            "iso3": frame["iso3"].astype(object).where(frame["iso3"].notna(), ""),
            "region": frame["region"].fillna("") if "region" in frame else "",
            "lat": pd.to_numeric(frame["lat"], errors="coerce") if "lat" in frame else np.nan,
            "lon": pd.to_numeric(frame["lon"], errors="coerce") if "lon" in frame else np.nan,
            "n": frame["n"],
            "stat": stat,
            "map_value": values.astype(float),
        }
    )
    center, center_label = _centre(out["map_value"], stat, baseline, mean_of_means, reference)
    return MapData(
        table=out.reset_index(drop=True),
        stat=stat,
        center=center,
        center_label=center_label,
        score_name=words["score_name"],
        model=words["model"],
        template_label=words["template_label"],
        set_label=words["set_label"],
        neutral=words["neutral"],
    )


def _centre(
    values: pd.Series, stat: str, baseline: float, mean_of_means: float, reference: str
) -> tuple[float, str]:
    """The colour centre and its words (the colour bar says what the centre is)."""
    fmt = ".3f" if stat == "mean" else "+.3f"
    finite = values[np.isfinite(values.to_numpy(float))]
    if reference == "median" and len(finite):
        median = float(np.median(finite))
        return median, f"difference from the median country, {median:{fmt}}"
    over = f"difference from the mean over countries, {mean_of_means:.3f}"
    if stat == "mean" and np.isfinite(baseline):
        return baseline, f"difference from the neutral baseline, {baseline:.3f}"
    if stat == "mean":
        return mean_of_means, over
    if stat == "delta":
        return 0.0, "difference from the neutral baseline, +0.000"
    return 0.0, over


def _check_duplicates(frame: pd.DataFrame) -> None:
    codes = frame["iso3"].dropna().astype(str)
    codes = codes[codes != ""]
    dup = codes[codes.duplicated(keep=False)]
    if not dup.empty:
        code = dup.iloc[0]
        names = ", ".join(frame.loc[frame["iso3"] == code, "value"].astype(str))
        raise DataError(
            f"ISO code {code!r} belongs to several values ({names}); a map needs one value "
            "per country: filter the lexicon (where:) or merge the rows"
        )
