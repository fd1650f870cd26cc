"""The HTML report: numbers read back equal the audit's, everything user-given is escaped,
nothing points outside the file, bad inputs are one-line errors."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _report_fixtures import (
    HOSTILE_IMG,
    HOSTILE_SCRIPT,
    checks_dir,
    comparison,
    country_audit,
    crc_probability,
    hostile_audit,
    report,
)
from scipy import stats

import biasprobe
from biasprobe import DataError, UsageError
from biasprobe.cli import main

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p",
    "nav", "a", "main", "section", "div", "dl", "dt", "dd", "table", "caption", "thead", "tbody",
    "tr", "th", "td", "figure", "figcaption", "img", "details", "summary", "pre", "code",
    "span", "em", "strong", "script", "ul", "li",
    # inline SVG from matplotlib
    "svg", "defs", "g", "path", "clippath", "rect", "use", "text", "image", "pattern",
    "lineargradient", "stop", "polygon", "polyline", "line", "circle", "ellipse",
}  # fmt: skip


class Page(HTMLParser):
    """Every start tag with its attributes, and the cells of every table by table id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: dict[str, list[list[tuple[str, dict[str, str | None]]]]] = {}
        self.headers: dict[str, list[str]] = {}
        self._table: list[str] = []
        self._cell: list[str] | None = None
        self._attrs: dict[str, str | None] = {}
        self._in_head = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self._table.append(str(a.get("id")))
            self.tables[self._table[-1]] = []
            self.headers[self._table[-1]] = []
        elif tag == "tr" and self._table:
            self.tables[self._table[-1]].append([])
        elif tag in ("td", "th") and self._table:
            self._cell, self._attrs, self._in_head = [], a, tag == "th"

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._in_head:
                self.headers[self._table[-1]].append(text)
            else:
                self.tables[self._table[-1]][-1].append((text, self._attrs))
            self._cell = None
        elif tag == "table" and self._table:
            self._table.pop()

    def rows(self, table_id: str) -> list[dict[str, tuple[str, str | None]]]:
        """Body rows as {header: (text, data-value)}; header repeats get a numeric suffix."""
        heads = _unique(self.headers[table_id])
        body = [r for r in self.tables[table_id] if r]
        return [
            {h: (text, attrs.get("data-value")) for h, (text, attrs) in zip(heads, r, strict=True)}
            for r in body
        ]


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return country_audit(tmp_path_factory)


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory, datasets_dir: Path) -> Path:
    return comparison(tmp_path_factory, datasets_dir)


@pytest.fixture(scope="module")
def full_html(tmp_path_factory: pytest.TempPathFactory, audit_dir: Path, compare_dir: Path) -> str:
    dirs = [audit_dir, compare_dir, checks_dir(tmp_path_factory)]
    return report(tmp_path_factory, "full", dirs).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(full_html: str) -> Page:
    return Page(full_html)


@pytest.fixture(scope="module")
def hostile_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    dirs = [hostile_audit(tmp_path_factory), checks_dir(tmp_path_factory)]
    return report(tmp_path_factory, "hostile", dirs).read_text(encoding="utf-8")


# numbers --------------------------------------------------------------------------------
def test_group_table_equals_by_group_and_raw_probes(page: Page, audit_dir: Path) -> None:
    result = biasprobe.load_audit(audit_dir)
    expected = result.by_group("country").set_index("value")
    probes = pd.read_parquet(audit_dir / "probes.parquet")
    scored = probes[~probes["is_baseline"]]
    raw = scored.groupby("country")["score"].agg(["mean", "size"])
    rows = page.rows("a0-s0-groups")
    assert [r["group"][0] for r in rows] == list(expected.index)
    for r in rows:
        name = r["group"][0]
        for header, column in [("mean", "mean"), ("CI low", "ci_low"), ("CI high", "ci_high"),
                               ("Δ baseline", "delta"), ("std", "std")]:  # fmt: skip
            text, value = r[header]
            assert float(value) == pytest.approx(expected.loc[name, column], abs=1e-12)
        text, value = r["mean"]
        assert text == f"{raw.loc[name, 'mean']:.3f}"
        assert float(value) == pytest.approx(raw.loc[name, "mean"], abs=1e-12)
        assert int(float(r["n"][1])) == raw.loc[name, "size"]


def test_scores_are_the_fake_models(audit_dir: Path) -> None:
    probes = pd.read_parquet(audit_dir / "probes.parquet")
    expected = np.array([crc_probability(t) for t in probes["text"]])
    np.testing.assert_allclose(probes["score"], expected, atol=1e-12)


def test_gap_rows_equal_gaps(page: Page, audit_dir: Path) -> None:
    result = biasprobe.load_audit(audit_dir)
    gaps = result.gaps().set_index("template_id")
    rows = {r["template"][0]: r for r in page.rows("a0-s0-gaps")}
    assert set(rows) == set(gaps.index)
    probes = pd.read_parquet(audit_dir / "probes.parquet")
    means = probes[~probes["is_baseline"]].groupby("country")["score"].mean()
    assert float(rows["all"]["gap"][1]) == pytest.approx(means.max() - means.min(), abs=1e-12)
    assert float(rows["all"]["CI low"][1]) == pytest.approx(gaps.loc["all", "gap_ci_low"])
    assert rows["all"]["highest group"][0] == means.idxmax()
    assert rows["all"]["lowest group"][0] == means.idxmin()


def test_summary_states_the_gap_with_its_ci(full_html: str, audit_dir: Path) -> None:
    gap = biasprobe.load_audit(audit_dir).gap("country")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", full_html))
    assert f"gap {float(gap):.3f} (95% CI {gap.ci_low:.3f} to {gap.ci_high:.3f})" in text


def test_consistency_is_spearman_of_per_template_means(page: Page, audit_dir: Path) -> None:
    probes = pd.read_parquet(audit_dir / "probes.parquet")
    wide = (
        probes[~probes["is_baseline"]]
        .pivot_table(index="country", columns="template_id", values="score")
        .reindex(columns=["film", "trip", "book"])
    )
    rows = {r["template"][0]: r for r in page.rows("a0-s0-consistency")}
    for a in wide.columns:
        for b in wide.columns:
            rho = stats.spearmanr(wide[a], wide[b]).statistic
            assert float(rows[a][b][1]) == pytest.approx(rho, abs=1e-12)


def test_extreme_pairs_hold_the_probe_texts_and_scores(page: Page, audit_dir: Path) -> None:
    probes = pd.read_parquet(audit_dir / "probes.parquet").set_index("text")
    rows = page.rows("a0-s0-pairs")
    assert rows
    keys = list(rows[0])
    diffs = []
    for r in rows:
        text_a, text_b = r[keys[1]][0], r[keys[3]][0]
        assert float(r[keys[2]][1]) == pytest.approx(probes.loc[text_a, "score"])
        assert float(r[keys[4]][1]) == pytest.approx(probes.loc[text_b, "score"])
        diffs.append(float(r["difference"][1]))
    assert diffs == sorted(diffs, reverse=True)


def test_benchmark_tables_equal_summary_and_utility(page: Page, compare_dir: Path) -> None:
    summary = pd.read_csv(compare_dir / "summary.csv")
    overall = summary[summary["breakdown"] == "overall"].reset_index(drop=True)
    rows = page.rows("c0-overall")
    assert len(rows) == len(overall) == 6  # 2 models x 3 benchmarks
    for r, (_, expected) in zip(rows, overall.iterrows(), strict=True):
        assert (r["model"][0], r["benchmark"][0]) == (expected["model"], expected["benchmark"])
        assert float(r["mean difference"][1]) == pytest.approx(expected["mean_diff"])
        assert float(r["CI low"][1]) == pytest.approx(expected["diff_ci_low"])
        assert r["finding"][0] == expected["finding"]
        # the Hodges-Lehmann shift and its CI are shown, and agree with the BH decision
        shift = (float(r[k][1]) for k in ("HL shift", "shift CI low", "shift CI high"))
        est, low, high = shift
        assert (est, low, high) == pytest.approx(
            (expected["shift"], expected["shift_ci_low"], expected["shift_ci_high"])
        )
        assert (low > 0 or high < 0) == (float(r["p (BH)"][1]) < 0.05)
    utility = pd.read_csv(compare_dir / "utility.csv")
    quality = page.rows("c0-utility")
    assert [float(r["accuracy"][1]) for r in quality] == pytest.approx(utility["accuracy"].tolist())


def test_checks_are_in_the_summary_failures_first(page: Page) -> None:
    rows = page.rows("checks")
    assert [r["verdict"][0] for r in rows] == ["fail", "pass"]
    assert rows[0]["check"][0] == "gap(country) < 0.1"
    assert float(rows[0]["value"][1]) == 0.92


def test_method_lists_every_wording_and_the_lexicon_source(page: Page, audit_dir: Path) -> None:
    meta = json.loads((audit_dir / "audit.json").read_text())
    wordings = [(r["id"][0], r["text"][0]) for r in page.rows("a0-wordings")]
    assert wordings == [(t["id"], t["text"]) for t in meta["template_set"]["templates"]]
    lexicon = page.rows("a0-lexicons")[0]
    assert lexicon["source"][0] == meta["lexicons"]["country"]["source"]
    versions = {r["package"][0]: r["version"][0] for r in page.rows("a0-packages")}
    assert versions == {k: v for k, v in meta["packages"].items()} | {
        k: "–" for k, v in meta["packages"].items() if v is None
    }


# one file, no network ---------------------------------------------------------------------
def test_nothing_points_outside_the_file(page: Page, full_html: str) -> None:
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            if name in ("src", "href", "xlink:href", "action", "poster", "data"):
                assert value is not None
                assert value.startswith(("data:image/png;base64,", "#")), (tag, name, value[:80])
            assert "http://" not in (value or "") and "https://" not in (value or ""), (tag, name)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", full_html)
    assert "@import" not in full_html
    assert sum(1 for tag, _ in page.tags if tag == "script") == 1
    assert not [a for _, a in page.tags if "src" in a and _ == "script"]


def test_csp_allows_exactly_the_inline_script(page: Page, full_html: str) -> None:
    csp = next(
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None and "default-src 'none'" in csp and "img-src data:" in csp
    script = re.search(r"<script>(.*?)</script>", full_html, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_maps_are_inline_svg_with_a_tooltip_per_country(full_html: str, audit_dir: Path) -> None:
    groups = pd.read_csv(audit_dir / "groups.csv", keep_default_na=False)
    titles = re.findall(r"<title>([^<]*)</title>", full_html)
    for value, iso3 in zip(groups["value"], groups["iso3"], strict=True):
        assert any(t.startswith(f"{value} ({iso3}): ") for t in titles), value
    pngs = re.findall(r'src="data:image/png;base64,([^"]+)"', full_html)
    assert len(pngs) >= 3  # small multiples, regions, comparison
    assert all(base64.b64decode(p)[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_svg_ids_are_unique_in_the_page(page: Page) -> None:
    ids = [a["id"] for _, a in page.tags if a.get("id")]
    assert len(ids) == len(set(ids))


def test_tables_are_sortable_with_exact_values(page: Page) -> None:
    groups = next(a for t, a in page.tags if t == "table" and a.get("id") == "a0-s0-groups")
    assert "sortable" in (groups.get("class") or "")
    kinds = [a.get("data-kind") for t, a in page.tags if t == "th"]
    assert "num" in kinds and "text" in kinds


def test_size_is_small(full_html: str) -> None:
    assert len(full_html.encode()) < 3_000_000


# escaping ---------------------------------------------------------------------------------
def test_hostile_strings_render_as_text(hostile_html: str) -> None:
    low = hostile_html.lower()
    assert HOSTILE_SCRIPT.lower() not in low
    assert "<img src=x" not in low
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile_html
    page = Page(hostile_html)
    assert {t for t, _ in page.tags} <= ALLOWED_TAGS
    assert sum(1 for t, _ in page.tags if t == "script") == 1
    assert not [t for t, _ in page.tags if t == "img" and _.get("src") == "x"]
    for tag, attrs in page.tags:
        assert not [n for n in attrs if n.startswith("on")], tag


def test_hostile_strings_are_kept_verbatim_as_text(hostile_html: str) -> None:
    page = Page(hostile_html)
    groups = [r["group"][0] for r in page.rows("a0-s0-groups")]
    assert HOSTILE_SCRIPT in groups and HOSTILE_IMG in groups
    templates = [r["id"][0] for r in page.rows("a0-wordings")]
    assert HOSTILE_IMG in templates


def test_repr_html_escapes(tmp_path_factory: pytest.TempPathFactory) -> None:
    result = biasprobe.load_audit(hostile_audit(tmp_path_factory))
    out = result._repr_html_()
    assert HOSTILE_SCRIPT not in out and "<img" not in out
    assert "&lt;script&gt;" in out


# errors -----------------------------------------------------------------------------------
def test_folder_without_results_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no audit\.json, compare\.json or checks\.json"):
        biasprobe.build_report([tmp_path], out=tmp_path / "r.html")


def test_missing_folder_and_bad_suffix(tmp_path: Path, audit_dir: Path) -> None:
    with pytest.raises(DataError, match="not a directory"):
        biasprobe.build_report([tmp_path / "nope"], out=tmp_path / "r.html")
    with pytest.raises(UsageError, match=r"ending in \.html"):
        biasprobe.build_report([audit_dir], out=tmp_path / "r.pdf")
    with pytest.raises(UsageError, match="at least one"):
        biasprobe.build_report([], out=tmp_path / "r.html")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read"),
        ('{"checks": 3}', "expected a list of checks"),
        ('[{"verdict": "pass"}]', "has no 'check'"),
        ('[{"check": "x < 1", "verdict": "maybe"}]', "no valid outcome"),
    ],
)
def test_bad_checks_file(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "checks.json").write_text(content)
    with pytest.raises(DataError, match=message):
        biasprobe.build_report([tmp_path], out=tmp_path / "r.html")


def test_comparison_without_summary(tmp_path: Path) -> None:
    (tmp_path / "compare.json").write_text("{}")
    with pytest.raises(DataError, match=r"summary\.csv: not found"):
        biasprobe.build_report([tmp_path], out=tmp_path / "r.html")


def test_cli_writes_the_report(
    tmp_path: Path, compare_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli.html"  # a comparison folder: no maps to draw (tested above)
    assert main(["report", str(compare_dir), "--out", str(out), "--title", "CLI <title>"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<title>CLI &lt;title&gt;</title>" in html
    assert f"wrote {out}" in capsys.readouterr().out


def test_cli_bad_input_is_exit_2_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("biasprobe report: error:") and "\n" not in err
    assert "Traceback" not in err


def test_gaps_and_contrasts_show_the_inference_layer(page: Page, audit_dir: Path) -> None:
    audit = biasprobe.load_audit(audit_dir)
    gaps = audit.gaps().set_index(["slot", "template_id"])
    gap_id = "a0-s0-gaps"  # the first audit's first slot (country)
    rows = {r["template"][0]: r for r in page.rows(gap_id)}
    overall = gaps.loc[("country", "all")]
    assert float(rows["all"]["noise floor"][1]) == pytest.approx(overall["null_gap"])
    assert float(rows["all"]["p (no group effect)"][1]) == pytest.approx(overall["p_value"])
    assert rows["all"]["wordings"][0] == str(int(overall["n_wordings"]))
    shown = page.rows("a0-s0-contrasts")
    expected = audit.contrasts("country").set_index("contrast")
    assert len(shown) == len(expected)
    for row in shown:
        assert float(row["estimate"][1]) == pytest.approx(
            expected.loc[row["contrast"][0], "estimate"]
        )
