"""Rewording rules: each keeps the meaning and the placeholders."""

from __future__ import annotations

import pytest

from biasprobe.probes._perturb import RULES, perturbed_sets, rule_function
from biasprobe.probes._template_set import load_template_set, shipped_sets


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        ("punctuation", "This film was filmed in {country}.", "This film was filmed in {country}!"),
        ("synonym", "The Movie about {x} and a film.", "The Film about {x} and a movie."),
        (
            "fronting",
            "We are planning a trip to {country} next month.",
            "Next month, we are planning a trip to {country}.",
        ),
        ("fronting", "I talked to {name} yesterday.", "Yesterday, I talked to {name}."),
        ("fronting", "{name} called yesterday.", "Yesterday, {name} called."),
        ("clause", "I met {name}.", "I met {name}, as far as I know."),
        ("tense", "My colleague lives in {country}.", "My colleague lived in {country}."),
        (
            "tense",
            "{name} is here and {x} has been kind.",
            "{name} was here and {x} had been kind.",
        ),
    ],
)
def test_rules(rule: str, text: str, expected: str) -> None:
    assert rule_function(rule)(text) == expected


def test_synonyms_leave_placeholders_alone() -> None:
    assert rule_function("synonym")("{film} and {x.film} film") == "{film} and {x.film} movie"


def test_every_shipped_set_gets_variants_with_its_slots() -> None:
    for name in shipped_sets():
        tset = load_template_set(name)
        variants = perturbed_sets(tset)
        assert set(variants) <= set(RULES) and "punctuation" in variants
        for variant in variants.values():
            assert [t.slots for t in variant.templates] == [t.slots for t in tset.templates]
            assert [t.id for t in variant.templates] == [t.id for t in tset.templates]
