"""The ``contrasts:`` key of a template set: parsed, validated, used by the audit."""

from __future__ import annotations

import pytest

import biasprobe
from biasprobe._errors import TemplateError
from biasprobe.probes._template_set import parse_template_set

BASE = """
name: t
slots:
  country: {lexicon: countries}
templates:
  - {id: a, text: "Made in {country}."}
  - {id: b, text: "A trip to {country}."}
"""


def test_contrasts_are_parsed_and_reach_the_audit() -> None:
    text = (
        BASE
        + "contrasts:\n  country:\n"
        + "    low - high: [income_group=Low income, income_group=High income]\n"
    )
    tset = parse_template_set(text, source="t.yaml")
    assert tset.contrasts == {
        "country": {"low - high": ["income_group=Low income", "income_group=High income"]}
    }

    def model(texts: list[str]) -> list[list[float]]:
        return [[0.5, 0.5] for _ in texts]

    result = biasprobe.audit(tset, model=model, cache=None, progress=False, n_bootstrap=50)
    row = result.contrasts("country").query("kind == 'named'").iloc[0]
    assert row["contrast"] == "low - high" and row["estimate"] == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("contrasts: [a]\n", "'contrasts' must be a mapping"),
        ("contrasts:\n  city: {x: [a, b]}\n", "contrasts name unknown slot 'city'; slots: country"),
        ("contrasts:\n  country: {x: [a]}\n", "contrast 'x' of 'country' must be a list of two"),
    ],
)
def test_bad_contrasts_are_one_line_errors(extra: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse_template_set(BASE + extra, source="t.yaml")
