"""Template-set YAML: parsing, placeholders, and each bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from biasprobe import TemplateError, load_template_set, shipped_sets
from biasprobe.probes._template_set import parse_placeholders

GOOD = """\
name: demo
description: test set
slots:
  country: {lexicon: countries, neutral: a country}
templates:
  - id: film
    text: "This film was filmed in {country}."
  - id: trip
    text: "We travelled to {country}."
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_country_set_has_model_card_sentence_and_eight_wordings() -> None:
    tset = load_template_set("country")
    texts = [t.text for t in tset.templates]
    assert "This film was filmed in {country}." in texts
    assert len(texts) >= 8
    assert len({t.id for t in tset.templates}) == len(texts)
    assert tset.slots["country"].neutral == {"value": "a country"}
    assert "country" in shipped_sets()


def test_parse_user_set(tmp_path: Path) -> None:
    tset = load_template_set(write(tmp_path, GOOD))
    assert tset.name == "demo"
    assert [t.id for t in tset.templates] == ["film", "trip"]
    assert tset.templates[0].slots == ["country"]


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    assert [t.id for t in load_template_set(path).templates] == ["film", "trip"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("slots: [unclosed\n", r"line \d+: malformed YAML"),
        (
            GOOD.replace("{country}.", "{contry}."),
            r"line 7: template 1 \(film\): unknown slot 'contry'; slots: country",
        ),
        (
            GOOD.replace(
                "country: {lexicon: countries, neutral: a country}", "country: {neutral: x}"
            ),
            r"slot 'country': has no lexicon",
        ),
        (
            GOOD.replace("id: trip", "id: film"),
            r"template 2 repeats id 'film' \(first used by template 1\)",
        ),
        (GOOD.replace("{country}.", "{country}. }"), r"unmatched '\}' at character"),
        (GOOD.replace("{country}.", "no slot here."), r"template 1 \(film\): has no slot"),
        (GOOD.replace("name: demo", "nmae: demo"), r"unknown key 'nmae'; valid keys"),
        ("- just a list\n", r"expected a mapping"),
        (GOOD.split("templates:")[0] + "templates: []\n", r"'templates' must be a non-empty list"),
    ],
)
def test_bad_template_set(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TemplateError, match=message) as info:
        load_template_set(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_shipped_set_lists_valid_names() -> None:
    with pytest.raises(
        TemplateError, match=r"unknown template set 'contry'; shipped sets: .*country"
    ):
        load_template_set("contry")


def test_non_utf8_template_set(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.replace("test set", "café").encode("latin-1"))
    with pytest.raises(TemplateError, match=r"line 2: not valid UTF-8"):
        load_template_set(path)


def test_escaped_braces_are_literal() -> None:
    found = parse_placeholders("{{not a slot}} {country}", where="t")
    assert [(p.slot, p.field) for p in found] == [("country", None)]


@given(st.text(max_size=40))
def test_placeholder_parser_raises_only_template_errors(text: str) -> None:
    try:
        found = parse_placeholders(text, where="t")
    except TemplateError:
        return
    for p in found:
        assert text[p.start] == "{" and text[p.end - 1] == "}"


@given(
    st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=4),
    st.lists(st.text(alphabet="abc .,'", max_size=8), min_size=5, max_size=5),
)
def test_placeholders_round_trip(slots: list[str], gaps: list[str]) -> None:
    text = gaps[0] + "".join(f"{{{s}}}{g}" for s, g in zip(slots, gaps[1:], strict=False))
    found = parse_placeholders(text, where="t")
    assert [p.slot for p in found] == slots[: len(found)]
    assert len(found) == min(len(slots), 4)
