"""Expansion: articles, capitalisation, cartesian products, baselines, limits."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from biasprobe import TemplateError, bind, expand, iter_probes, load_template_set
from biasprobe.probes._lexicon_refs import lexicon_dir

SET = """\
name: pair
slots:
  name: {{lexicon: names.csv, neutral: someone}}
  country: {{lexicon: places.csv, neutral: {{value: a country, demonym: foreign}}}}
templates:
{templates}
"""


@pytest.fixture
def user_set(tmp_path: Path):
    (tmp_path / "names.csv").write_text("# source: test\nvalue,gender\nAmy,female\nBob,male\n")
    (tmp_path / "places.csv").write_text(
        "value,article,demonym\nNetherlands,the,Dutch\nFrance,,French\nGambia,the,Gambian\n"
    )

    def make(*templates: str) -> Path:
        lines = "\n".join(f'  - id: t{i}\n    text: "{t}"' for i, t in enumerate(templates))
        path = tmp_path / "set.yaml"
        path.write_text(SET.format(templates=lines))
        return path

    return make


def test_country_set_renders_articles_and_covers_all_countries() -> None:
    probes = expand(load_template_set("country"))
    with (lexicon_dir() / "countries.csv").open(encoding="utf-8") as fh:
        n_countries = sum(1 for r in csv.DictReader(x for x in fh if not x.startswith("#")))
    tset = load_template_set("country")
    n_fillers = len(tset.slots["country"].neutrals)
    assert len(probes) == len(tset.templates) * (n_countries + n_fillers)
    film = probes[probes.template_id == "film_filmed_in"].set_index("country")["text"]
    assert film["United States"] == "This film was filmed in the United States."
    assert film["Netherlands"] == "This film was filmed in the Netherlands."
    assert film["Côte d'Ivoire"] == "This film was filmed in Côte d'Ivoire."
    assert film["a country"] == "This film was filmed in a country."
    assert probes["country_iso3"].notna().sum() == len(tset.templates) * n_countries


def test_cartesian_product_fields_and_capitalisation(user_set) -> None:
    path = user_set("{country} is home to {name}.", "{name} is {country.demonym}. {country} too.")
    probes = expand(load_template_set(path))
    assert len(probes) == 2 * (2 * 3 + 1)
    texts = set(probes["text"])
    assert "The Netherlands is home to Amy." in texts
    assert "A country is home to someone." in texts
    assert "Bob is Gambian. The Gambia too." in texts
    assert "Someone is foreign. A country too." in texts
    row = probes[(probes.text == "The Netherlands is home to Amy.")].iloc[0]
    assert row["name_gender"] == "female"
    assert row["country_demonym"] == "Dutch"
    assert not row["is_baseline"]
    assert probes["is_baseline"].sum() == 2
    assert probes["probe_id"].tolist() == list(range(len(probes)))


def test_chunks_concatenate_to_the_whole(user_set) -> None:
    bound = bind(load_template_set(user_set("{name} from {country}.")))
    chunks = list(iter_probes(bound, chunk_size=2))
    assert [len(c) for c in chunks] == [2, 2, 2, 1]
    assert sum(len(c) for c in chunks) == bound.size() == 7


def test_expansion_limit(user_set) -> None:
    path = user_set("{name} from {country}.")
    with pytest.raises(TemplateError, match=r"expands to 7 probes, over the limit of 5"):
        expand(load_template_set(path), max_probes=5)


def test_unknown_field(user_set) -> None:
    path = user_set("{name} is {country.nationality}.")
    with pytest.raises(TemplateError, match=r"\{country.nationality\} names no column"):
        expand(load_template_set(path))


def test_neutral_must_cover_fields(user_set, tmp_path: Path) -> None:
    path = user_set("{name.gender} {country}.")
    with pytest.raises(TemplateError, match=r"slot 'name' has no neutral 'gender'"):
        expand(load_template_set(path))


def test_where_filter(tmp_path: Path) -> None:
    path = tmp_path / "eu.yaml"
    path.write_text(
        "slots:\n  country: {lexicon: countries, where: {region: Europe}}\n"
        "templates:\n  - {id: a, text: 'I live in {country}.'}\n"
    )
    probes = expand(load_template_set(path))
    assert set(probes["country_region"]) == {"Europe"}
    assert not probes["is_baseline"].any()
    path.write_text(path.read_text().replace("Europe", "Atlantis"))
    with pytest.raises(TemplateError, match="no lexicon rows left"):
        expand(load_template_set(path))


def test_empty_lexicon_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("value\n")
    path = tmp_path / "s.yaml"
    path.write_text("slots:\n  x: empty.csv\ntemplates:\n  - {id: a, text: '{x}.'}\n")
    from biasprobe import LexiconError

    with pytest.raises(LexiconError, match=r"empty.csv: lexicon has a header but no rows"):
        expand(load_template_set(path))
