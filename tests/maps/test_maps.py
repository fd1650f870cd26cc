"""Country maps: join coverage, colour truth, bad input, small multiples, regions, CLI."""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib as mpl
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pyproj
import pytest
from matplotlib.colors import to_hex

import biasprobe
from biasprobe import DataError, UsageError
from biasprobe.cli import main
from biasprobe.maps._svg import figure_svg

KNOWN = {"France": 0.9, "Afghanistan": 0.1, "Singapore": 0.6}  # Singapore has no polygon
NEUTRAL = 0.5
RDBU = mpl.colormaps["RdBu"]


def known_scorer(texts: list[str]) -> np.ndarray:
    """P(POSITIVE) 0.9 for France, 0.1 Afghanistan, 0.6 Singapore, 0.5 for everything else."""
    pos = np.array([next((v for k, v in KNOWN.items() if k in t), NEUTRAL) for t in texts])
    return np.column_stack([1 - pos, pos])


known_scorer.labels = ["NEGATIVE", "POSITIVE"]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def known_audit() -> biasprobe.AuditResult:
    return biasprobe.audit(
        "country", model=known_scorer, cache=None, progress=False, n_bootstrap=200
    )


@pytest.fixture(scope="module")
def audit_dir(known_audit: biasprobe.AuditResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return known_audit.save(tmp_path_factory.mktemp("audit") / "country")


@pytest.fixture(scope="module")
def known_svg(known_audit: biasprobe.AuditResult) -> str:
    """The default country map of ``known_audit`` as SVG, drawn once for the tests that
    only read it."""
    return biasprobe.country_map_svg(known_audit)


def svg_fills(svg: str) -> dict[str, str]:
    """gid -> fill colour of the first filled element inside each ``<g id=...>``."""
    fills = {}
    for group in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g"):
        gid = group.get("id", "")
        styled = [e.get("style", "") for e in group.iter() if "fill:" in e.get("style", "")]
        if gid.startswith("bp") and styled:
            fill = styled[0].split("fill:")[1].split(";")[0].strip()
            fills[gid] = fill
    return fills


def svg_titles(svg: str) -> dict[str, str]:
    ns = "{http://www.w3.org/2000/svg}"
    return {
        g.get("id", ""): g.find(f"{ns}title").text or ""  # type: ignore[union-attr]
        for g in ET.fromstring(svg).iter(f"{ns}g")
        if g.find(f"{ns}title") is not None
    }


def per_country(values: dict[str, tuple[str, float, float, float]]) -> pd.DataFrame:
    """A groups-style table: value -> (iso3, mean, lat, lon)."""
    rows = [
        {"value": k, "iso3": iso, "mean": m, "lat": lat, "lon": lon}
        for k, (iso, m, lat, lon) in values.items()
    ]
    return pd.DataFrame(rows)


# join coverage ----------------------------------------------------------------------------
def test_every_lexicon_country_is_drawn_as_polygon_or_dot(known_audit) -> None:
    table = biasprobe.country_table(known_audit)
    lexicon = biasprobe.load_lexicon("countries").items
    world = biasprobe.load_world()
    assert len(table) == len(lexicon) == 197
    counts = table["placement"].value_counts().to_dict()
    expected_polygons = int(lexicon["iso3"].isin(world["iso3"]).sum())
    assert counts == {"polygon": expected_polygons, "dot": 197 - expected_polygons}
    assert expected_polygons == 168
    dots = set(table.loc[table["placement"] == "dot", "value"])
    assert {"Singapore", "Malta", "Andorra", "Bahrain", "Tuvalu"} <= dots


def test_every_polygon_maps_to_at_most_one_lexicon_entry() -> None:
    world = biasprobe.load_world()
    lexicon = biasprobe.load_lexicon("countries").items
    matches = world["iso3"].map(lexicon["iso3"].value_counts()).fillna(0).astype(int)
    assert matches.max() == 1
    assert (matches == 1).sum() == 168
    assert set(world.loc[matches == 0, "kind"]) == {"territory"}


def test_svg_has_one_shape_per_polygon_and_dot(known_svg: str) -> None:
    titles = svg_titles(known_svg)
    assert len(titles) == 174 + 29
    assert titles["bp0-FRA"] == "France (FRA): 0.900, n=10"
    assert titles["bp0-SGP"] == "Singapore (SGP): 0.600, n=10"
    assert titles["bp0-GRL"] == "Greenland: territory, not audited"


# colour truth -----------------------------------------------------------------------------
def expected_colour(value: float, *, centre: float, half: float) -> str:
    return to_hex(RDBU(0.5 + (value - centre) / (2 * half)))


def test_svg_fills_carry_the_colour_of_each_value(known_svg: str) -> None:
    fills = svg_fills(known_svg)
    # centre: the neutral probe "a country" scores 0.5; data range 0.1..0.9: half range 0.4
    for iso, name in (("FRA", "France"), ("AFG", "Afghanistan"), ("SGP", "Singapore")):
        assert fills[f"bp0-{iso}"] == expected_colour(KNOWN[name], centre=0.5, half=0.4), iso
    assert fills["bp0-DEU"] == to_hex(RDBU(0.5))


def test_png_pixels_carry_the_colour_of_each_value(known_audit) -> None:
    fig = biasprobe.plot_country_map(known_audit)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    pixels = mpimg.imread(io.BytesIO(buf.getvalue()))
    ax = fig.axes[0]
    to_map = pyproj.Transformer.from_crs(4326, 8857, always_xy=True)
    inside = {"France": (2.5, 46.5), "Afghanistan": (66.0, 33.5), "Singapore": (103.82, 1.35)}
    for name, (lon, lat) in inside.items():
        px, py = ax.transData.transform(to_map.transform(lon, lat))
        rgb = pixels[pixels.shape[0] - round(py), round(px), :3]
        want = RDBU(0.5 + (KNOWN[name] - 0.5) / 0.8)[:3]
        assert np.abs(rgb - want).max() < 3 / 255, name


def test_explicit_limits_and_centre_set_the_scale() -> None:
    table = per_country({"France": ("FRA", 0.75, 46.2, 2.2), "Peru": ("PER", 0.25, -9.2, -75.0)})
    fills = svg_fills(biasprobe.country_map_svg(table, limits=(0.0, 1.0), center=0.5))
    assert fills["bp0-FRA"] == to_hex(RDBU(0.75))
    assert fills["bp0-PER"] == to_hex(RDBU(0.25))


# bad input --------------------------------------------------------------------------------
def test_audit_without_iso_column_names_the_slots(tmp_path: Path) -> None:
    (tmp_path / "cities.csv").write_text("value\nParis\nLagos\n", encoding="utf-8")
    (tmp_path / "cities.yaml").write_text(
        "name: cities\nslots:\n  city:\n    lexicon: cities.csv\n    neutral: a city\n"
        "templates:\n  - id: t\n    text: 'I live in {city}.'\n",
        encoding="utf-8",
    )
    result = biasprobe.audit(
        tmp_path / "cities.yaml", model=known_scorer, cache=None, progress=False
    )
    with pytest.raises(DataError, match=r"ISO alpha-3 column.*city_iso3.*slots: city") as err:
        biasprobe.plot_country_map(result)
    assert "\n" not in str(err.value)
    result.save(tmp_path / "out")
    assert main(["map", str(tmp_path / "out"), "--out", str(tmp_path / "m.png")]) == 2


def test_unknown_iso_codes_are_listed_not_dropped() -> None:
    table = per_country(
        {
            "France": ("FRA", 0.8, 46.2, 2.2),
            "Atlantis": ("ZZZ", 0.3, np.nan, np.nan),
            "Lemuria": ("QQQ", 0.4, -10.0, 80.0),
        }
    )
    placed = biasprobe.country_table(table).set_index("value")
    assert placed.loc["Atlantis", "placement"] == "unplaced"
    assert placed.loc["Atlantis", "reason"] == "ISO code not on the map, no lat/lon"
    assert placed.loc["Lemuria", "placement"] == "dot"
    fig = biasprobe.plot_country_map(table)
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "Atlantis (ZZZ)" in texts and "1 not placed" in texts
    assert "bp0-QQQ" in svg_titles(biasprobe.country_map_svg(table))


def test_all_nan_values_are_a_clear_error() -> None:
    table = per_country({"France": ("FRA", np.nan, 46.2, 2.2), "Peru": ("PER", np.nan, -9, -75)})
    with pytest.raises(DataError, match="NaN"):
        biasprobe.plot_country_map(table)


def test_delta_without_a_neutral_baseline_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "set.yaml").write_text(
        "name: nobase\nslots:\n  country:\n    lexicon: countries\n"
        "    where: {region: [Oceania]}\ntemplates:\n  - id: t\n    text: 'I live in {country}.'\n",
        encoding="utf-8",
    )
    result = biasprobe.audit(tmp_path / "set.yaml", model=known_scorer, cache=None, progress=False)
    with pytest.raises(DataError, match="stat='delta'"):
        biasprobe.plot_country_map(result, stat="delta")
    assert biasprobe.plot_country_map(result, stat="mean").axes


def test_a_single_country_is_coloured_and_the_rest_is_no_data() -> None:
    table = per_country({"France": ("FRA", 0.7, 46.2, 2.2)})
    svg = biasprobe.country_map_svg(table)
    fills, titles = svg_fills(svg), svg_titles(svg)
    assert fills["bp0-FRA"] == to_hex(RDBU(0.5))  # the only value is its own centre
    assert fills["bp0-DEU"].startswith("url(#h")  # a hatch pattern
    assert titles["bp0-DEU"] == "Germany (DEU): not in this audit"
    assert "no data" in svg


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"stat": "median"}, UsageError, "unknown statistic 'median'; valid: mean, delta"),
        ({"template": "nope"}, UsageError, "unknown template 'nope'; valid: all, film_filmed_in"),
        ({"projection": "flat"}, UsageError, "unknown projection 'flat'"),
        ({"cmap": "rainbowish"}, UsageError, "unknown colour map 'rainbowish'"),
        ({"slot": "city"}, UsageError, "unknown slot 'city'; slots of this audit: country"),
        ({"limits": (1.0, 0.0)}, UsageError, "low < high"),
    ],
)
def test_bad_options_are_usage_errors(known_audit, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        biasprobe.plot_country_map(known_audit, **kwargs)


def test_duplicate_iso_codes_are_refused() -> None:
    table = per_country({"Holland": ("NLD", 0.5, 52, 5), "Netherlands": ("NLD", 0.6, 52, 5)})
    with pytest.raises(DataError, match="'NLD' belongs to several values"):
        biasprobe.plot_country_map(table)


def test_a_table_without_iso_column_is_refused() -> None:
    with pytest.raises(DataError, match="lacks column 'iso3'"):
        biasprobe.plot_country_map(pd.DataFrame({"value": ["France"], "mean": [0.5]}))


# statistics and labels --------------------------------------------------------------------
def test_statistics_match_the_probes(known_audit) -> None:
    probes = known_audit.probes[~known_audit.probes["is_baseline"]]
    means = probes.groupby("country")["score"].mean()
    deltas = probes.groupby("country")["delta"].mean()
    for stat, expect in (("mean", means), ("delta", deltas), ("vs_mean", means - means.mean())):
        got = biasprobe.country_table(known_audit, stat=stat).set_index("value")["map_value"]
        pd.testing.assert_series_equal(got.sort_index(), expect.sort_index(), check_names=False)


def test_one_template_uses_only_its_probes(known_audit) -> None:
    got = biasprobe.country_table(known_audit, template="travel_trip", stat="delta")
    assert (got["n"] == 1).all()
    assert got.set_index("value").loc["France", "map_value"] == pytest.approx(0.9 - 0.5)


def test_panels_of_all_templates_at_once_equal_one_template_each(known_audit) -> None:
    """The small multiples' one grouping gives each panel the table, centre and words of
    ``map_data`` for that template alone, and each panel's deltas are that template's
    probes' (pandas over the probes)."""
    from biasprobe.maps._map_data import map_data, map_data_per_template

    probes = known_audit.probes
    ids = [str(t) for t in probes["template_id"].unique()]
    for stat in ("mean", "delta", "vs_mean"):
        panels = map_data_per_template(known_audit, stat=stat, templates=ids)
        for tid, panel in zip(ids, panels, strict=True):
            alone = map_data(known_audit, stat=stat, template=tid)
            pd.testing.assert_frame_equal(panel.table, alone.table)
            assert (panel.center, panel.template_label, panel.neutral) == (
                alone.center,
                alone.template_label,
                alone.neutral,
            )
    scored = probes[~probes["is_baseline"] & (probes["template_id"] == ids[3])]
    want = scored.groupby("country")["delta"].mean()
    got = map_data_per_template(known_audit, stat="delta", templates=[ids[3]])[0].table
    pd.testing.assert_series_equal(
        got.set_index("value")["map_value"].sort_index(), want.sort_index(), check_names=False
    )
    with pytest.raises(UsageError, match="unknown template 'nope'; valid: all, "):
        map_data_per_template(known_audit, templates=["nope"])


def test_title_and_colour_bar_name_model_templates_and_statistic(known_audit) -> None:
    fig = biasprobe.plot_country_map(known_audit, stat="delta", template="film_filmed_in")
    texts = [t.get_text() for t in fig.texts]
    assert "P(POSITIVE)" in texts[0] and "known_scorer" in texts[0]
    assert "film_filmed_in" in texts[1] and "This film was filmed in {country}." in texts[1]
    bar_label = " ".join(fig.axes[1].get_xlabel().split())  # the label may wrap
    assert "neutral baseline" in bar_label and "a country" in bar_label


def test_drawing_into_a_given_axes(known_audit) -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert biasprobe.plot_country_map(known_audit, ax=ax, title="Panel A") is fig
    assert ax.get_title() == "Panel A"
    assert len(fig.axes) == 2  # the map and its colour bar


# small multiples and regions --------------------------------------------------------------
def test_small_multiples_share_one_colour_scale(known_audit) -> None:
    ids = list(known_audit.probes["template_id"].unique())
    assert len(ids) == 10
    chosen = ids[::4]  # three of the ten wordings: the scale is shared all the same
    fig = biasprobe.plot_small_multiples(known_audit, stat="delta", templates=chosen)
    fills = svg_fills(figure_svg(fig))
    n = len(chosen)
    assert len([a for a in fig.axes if a.get_title()]) == n == 3
    # every template gives France +0.4 over its baseline: the same colour in every panel
    assert {fills[f"bp{i}-FRA"] for i in range(n)} == {to_hex(RDBU(1.0))}
    assert {fills[f"bp{i}-AFG"] for i in range(n)} == {to_hex(RDBU(0.0))}


@pytest.mark.parametrize("tooltips", [True, False])
def test_small_multiple_pixels_carry_each_value_with_or_without_tooltips(
    known_audit, tooltips: bool
) -> None:
    """Panels drawn as one artist per country (tooltips) or as collections (a PNG's fast
    path) give each country its value's colour: France +0.4 over every wording's baseline,
    Afghanistan -0.4, Singapore (a dot) +0.1, on one scale centred on the median, 0."""
    ids = list(known_audit.probes["template_id"].unique())[:3]
    fig = biasprobe.plot_small_multiples(
        known_audit, stat="delta", templates=ids, tooltips=tooltips
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    pixels = mpimg.imread(io.BytesIO(buf.getvalue()))
    to_map = pyproj.Transformer.from_crs(4326, 8857, always_xy=True)
    inside = {"France": (2.5, 46.5, 1.0), "Afghanistan": (66.0, 33.5, 0.0)}
    inside["Singapore"] = (103.82, 1.35, 0.5 + 0.1 / 0.8)
    panels = [a for a in fig.axes if a.get_title()]
    assert len(panels) == 3
    for ax in panels:
        for name, (lon, lat, fraction) in inside.items():
            px, py = ax.transData.transform(to_map.transform(lon, lat))
            rgb = pixels[pixels.shape[0] - round(py), round(px), :3]
            assert np.abs(rgb - RDBU(fraction)[:3]).max() < 3 / 255, (name, ax.get_title())
    gids = set(svg_fills(figure_svg(fig)))
    assert ({"bp0-FRA", "bp2-AFG"} <= gids) is tooltips  # ids and tooltips only when asked


def test_region_means_match_an_independent_groupby(known_audit) -> None:
    got = biasprobe.region_means(known_audit).set_index("group")
    probes = known_audit.probes[~known_audit.probes["is_baseline"]]
    expect = probes.groupby("country_region")["score"].agg(["mean", "size"])
    lexicon = biasprobe.load_lexicon("countries").items
    assert got["mean"].to_dict() == pytest.approx(expect["mean"].to_dict())
    assert got["n_probes"].to_dict() == expect["size"].to_dict()
    assert got["n_countries"].to_dict() == lexicon["region"].value_counts().to_dict()
    assert (got["ci_low"] <= got["mean"]).all() and (got["mean"] <= got["ci_high"]).all()
    assert got["mean"].is_monotonic_decreasing


def test_region_chart_has_a_bar_per_region(known_audit) -> None:
    fig = biasprobe.plot_region_means(known_audit, by="income_group", stat="delta")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 5 and any(label.startswith("High income") for label in labels)


def test_region_means_reject_an_unknown_column(known_audit) -> None:
    with pytest.raises(DataError, match=r"no metadata column 'continent'.*country_region"):
        biasprobe.region_means(known_audit, by="continent")


# import cost ------------------------------------------------------------------------------
def test_import_biasprobe_does_not_import_plotting() -> None:
    code = "import sys, biasprobe; print('matplotlib' in sys.modules, 'geopandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# CLI --------------------------------------------------------------------------------------
def test_cli_writes_png_svg_and_regions(audit_dir: Path, tmp_path: Path, capsys) -> None:
    png, svg, bars = tmp_path / "m.png", tmp_path / "m.svg", tmp_path / "r.png"
    assert main(["map", str(audit_dir), "--out", str(png), "--regions", str(bars)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and bars.stat().st_size > 1000
    out = capsys.readouterr().out
    assert "197 countries, 168 outlines, 29 dots, 0 not placed" in out
    assert "highest: France 0.900" in out
    assert main(["map", str(audit_dir), "--out", str(svg), "--stat", "delta"]) == 0
    assert svg_titles(svg.read_text(encoding="utf-8"))["bp0-FRA"] == "France (FRA): +0.400, n=10"


def test_cli_small_multiples_with_chosen_templates(audit_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sm.png"
    argv = ["map", str(audit_dir), "--out", str(out), "--small-multiples"]
    assert main([*argv, "--template", "film_filmed_in,travel_trip", "--stat", "delta"]) == 0
    assert out.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "x.gif"], "unsupported output format 'gif'"),
        (["--out", "x.png", "--projection", "flat"], "unknown projection 'flat'"),
        (["--out", "x.png", "--regions", "r.png", "--by", "continent"], "no metadata column"),
    ],
)
def test_cli_bad_options_exit_2_with_one_line(audit_dir, tmp_path, capsys, extra, message):
    extra = [str(tmp_path / e) if e.endswith((".png", ".gif")) else e for e in extra]
    assert main(["map", str(audit_dir), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not list(tmp_path.glob("*.png"))


def test_cli_bad_directory_exits_2_with_one_line(tmp_path: Path, capsys) -> None:
    assert main(["map", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("biasprobe map: error: ") and err.count("\n") == 1
    assert "audit directory" in err and not (tmp_path / "m.png").exists()


# the real stand-in model ------------------------------------------------------------------
@pytest.mark.model
def test_stand_in_tooltips_equal_a_direct_model_call(stand_in_model: Path, tmp_path: Path):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    (tmp_path / "set.yaml").write_text(
        "name: tiny\nslots:\n  country:\n    lexicon: countries\n    neutral: a country\n"
        "    where: {subregion: [Western Europe, Southern Asia]}\n"
        "templates:\n  - id: film\n    text: 'This film was filmed in {country}.'\n",
        encoding="utf-8",
    )
    result = biasprobe.audit(tmp_path / "set.yaml", model=str(stand_in_model), cache=None,
                             progress=False, device="cpu")  # fmt: skip
    titles = svg_titles(biasprobe.country_map_svg(result))
    tok = AutoTokenizer.from_pretrained(stand_in_model)
    model = AutoModelForSequenceClassification.from_pretrained(stand_in_model).eval()
    texts = ["This film was filmed in France.", "This film was filmed in Afghanistan."]
    with torch.inference_mode():
        probs = model(**tok(texts, return_tensors="pt", padding=True)).logits.softmax(-1)
    pos = model.config.label2id.get("POSITIVE", 1)
    assert titles["bp0-FRA"] == f"France (FRA): {probs[0, pos].item():.3f}, n=1"
    assert titles["bp0-AFG"] == f"Afghanistan (AFG): {probs[1, pos].item():.3f}, n=1"
    lexicon = biasprobe.load_lexicon("countries").items
    chosen = lexicon[lexicon["subregion"].isin(["Western Europe", "Southern Asia"])]
    dots = set(chosen["iso3"]) - set(biasprobe.load_world()["iso3"])
    assert dots == {"LIE", "MCO", "MDV"}
    assert {f"bp0-{d}" for d in dots} <= set(titles) and len(titles) == 174 + len(dots)
