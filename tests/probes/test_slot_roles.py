"""Slot roles: an identity axis (default) or a manipulated design factor."""

from __future__ import annotations

import pytest

from biasprobe import TemplateError
from biasprobe.probes._template_set import load_template_set, parse_template_set

SET = """
slots:
  country: {lexicon: countries, ROLE}
templates:
  - {id: a, text: "I went to {country}."}
"""


def test_default_role_is_identity_and_design_is_kept() -> None:
    assert parse_template_set(SET.replace(", ROLE", ""), source="s").slots["country"].role == (
        "identity"
    )
    tset = parse_template_set(SET.replace("ROLE", "role: design"), source="s")
    assert tset.slots["country"].role == "design"
    assert tset.to_dict()["slots"]["country"]["role"] == "design"


def test_bad_role_names_the_valid_ones() -> None:
    with pytest.raises(TemplateError, match="role 'axis'; valid: identity, design"):
        parse_template_set(SET.replace("ROLE", "role: axis"), source="s.yaml")


def test_emotion_words_are_a_design_factor() -> None:
    slots = load_template_set("emotion").slots
    assert slots["emotion"].role == "design" and slots["person"].role == "identity"
