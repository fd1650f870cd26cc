"""The report's intersections section for two-slot audits: omnibus test, interaction
contrasts and cells, read back from the HTML and compared with independent computations."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.anova import anova_lm
from test_report import Page

import biasprobe
from biasprobe import AuditResult
from biasprobe.report._intersection_view import intersection_view

Built = tuple[Page, str, AuditResult]


def two_slot_probes(seed: int = 0) -> pd.DataFrame:
    """person x country x wording; the woman - man contrast is -0.15 in c0 only."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(6):
        rows.append({"template_id": f"t{t}", "person": None, "country": None, "score": 0.5,
                     "is_baseline": True})  # fmt: skip
        for p, c in itertools.product(("man", "woman"), range(6)):
            effect = -0.15 if (p == "woman" and c == 0) else 0.0
            score = 0.6 + 0.05 * t + effect + rng.normal(0, 0.02)
            rows.append({"template_id": f"t{t}", "person": p, "country": f"c{c}",
                         "score": score, "is_baseline": False})  # fmt: skip
    frame = pd.DataFrame(rows)
    return frame.assign(probe_id=range(len(frame)), template="{person} {country}", text="x")


@pytest.fixture(scope="module")
def two_slot_page(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("two_slot")
    audit = AuditResult(probes=two_slot_probes(), slots=["person", "country"], n_bootstrap=800)
    audit.save(root / "audit")
    out = biasprobe.build_report([root / "audit"], out=root / "r.html")
    html = out.read_text(encoding="utf-8")
    return Page(html), html, audit


def test_interaction_rows_match_cell_differences(
    two_slot_page: Built,
) -> None:
    page, _, _ = two_slot_page
    scored = two_slot_probes()
    scored = scored[~scored.is_baseline]
    cells = scored.groupby(["country", "person"])["score"].mean().unstack()
    diff = cells["woman"] - cells["man"]
    shown = {r["value"][0]: r for r in page.rows("a0-interactions")}
    assert set(shown) == set(diff.index)
    for country, row in shown.items():
        assert float(row["contrast here"][1]) == pytest.approx(diff[country])
        assert float(row["interaction"][1]) == pytest.approx(diff[country] - diff.mean())
    first = page.rows("a0-interactions")[0]  # sorted by p: the planted country first
    assert first["value"][0] == "c0" and float(first["p (BH)"][1]) < 0.05


def test_omnibus_sentence_matches_a_statsmodels_anova(
    two_slot_page: Built,
) -> None:
    """Wordings as replicates: the F of person x country in a person x country x wording
    table of cell means (three-way ANOVA without the three-way term)."""
    page, html, _ = two_slot_page
    scored = two_slot_probes()
    cells = scored[~scored.is_baseline].groupby(["person", "template_id", "country"])
    frame = cells["score"].mean().reset_index()
    model = smf.ols(
        "score ~ C(person) * C(country) + C(person):C(template_id) "
        "+ C(country):C(template_id) + C(template_id)",
        data=frame,
    ).fit()
    row = anova_lm(model).loc["C(person):C(country)"]
    assert any(a.get("id") == "a0-intersection" for _, a in page.tags)
    assert f"F = {row['F']:.2f} (5, 25), p = {row['PR(>F)']:.2g}" in html


def test_cells_table_lists_every_cell(two_slot_page: Built) -> None:
    page, _, _ = two_slot_page
    shown = page.rows("a0-cells")
    scored = two_slot_probes()
    expected = scored[~scored.is_baseline].groupby(["person", "country"])["score"].mean()
    assert len(shown) == len(expected) == 12
    for row in shown:
        key = (row["a"][0], row["b"][0])
        assert float(row["mean"][1]) == pytest.approx(expected.loc[key])


def test_one_slot_audit_has_no_intersection_section() -> None:
    probes = two_slot_probes().drop(columns="country")
    one = AuditResult(probes=probes, slots=["person"], n_bootstrap=100)
    assert intersection_view(one, aid="a0") is None
