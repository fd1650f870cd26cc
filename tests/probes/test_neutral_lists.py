"""`neutral:` as a list of fillers: one baseline probe per filler; old single fillers valid."""

from __future__ import annotations

import pytest

from biasprobe import TemplateError
from biasprobe.probes._expand import bind, expand
from biasprobe.probes._template_set import load_template_set, parse_template_set, shipped_sets

SET = """
slots:
  country:
    lexicon: countries
    neutral: NEUTRAL
templates:
  - {id: a, text: "I went to {country}."}
  - {id: b, text: "{country} is far."}
"""


def test_a_list_gives_one_baseline_per_filler() -> None:
    tset = parse_template_set(SET.replace("NEUTRAL", "[a country, this country]"), source="s")
    probes = expand(bind(tset))
    base = probes[probes["is_baseline"]]
    assert base.groupby("template_id")["text"].apply(list).to_dict() == {
        "a": ["I went to a country.", "I went to this country."],
        "b": ["A country is far.", "This country is far."],
    }
    assert len(probes) == bind(tset).size()


def test_a_single_filler_is_still_one_baseline() -> None:
    tset = parse_template_set(SET.replace("NEUTRAL", "a country"), source="s")
    probes = expand(bind(tset))
    assert probes["is_baseline"].sum() == 2
    assert tset.slots["country"].neutral == {"value": "a country"}


@pytest.mark.parametrize(
    ("neutral", "message"),
    [
        ("[]", "empty list"),
        ("[[a, b]]", "a string or a mapping"),
        ("[{article: a}]", "has no 'value'"),
    ],
)
def test_bad_neutral_lists(neutral: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse_template_set(SET.replace("NEUTRAL", neutral), source="s.yaml")


def test_every_filler_needs_the_fields_templates_use() -> None:
    text = SET.replace("NEUTRAL", "[{value: x, demonym: local}, {value: y}]").replace(
        "I went to {country}.", "A {country.demonym} film."
    )
    with pytest.raises(TemplateError, match="no neutral 'demonym'"):
        bind(parse_template_set(text, source="s.yaml"))


def test_shipped_sets_have_several_fillers() -> None:
    for name in shipped_sets():
        for slot in load_template_set(name).slots.values():
            assert 5 <= len(slot.neutrals) <= 10, (name, slot.name)
