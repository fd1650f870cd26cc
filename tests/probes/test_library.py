"""The shipped template and lexicon library: every set expands to the expected count,
every lexicon and set validates, articles and capitals come out right for tricky names.

Expected counts are computed here from the raw YAML, CSV and JSON files (yaml, csv and
json modules), not through biasprobe's own loaders.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from biasprobe.probes._expand import expand
from biasprobe.probes._lexicon_refs import lexicon_dir, load_lexicon, shipped_lexicons
from biasprobe.probes._template_set import load_template_set, shipped_sets, template_dir
from biasprobe.probes._validate import validate

REPO = Path(__file__).resolve().parents[2]
SETS = [
    "country",
    "emotion",
    "gender_nationality",
    "holistic_bias",
    "names_ethnicity",
    "names_gender",
    "nationality",
    "occupation_gender",
    "religion",
]
LEXICONS = [
    "countries",
    "emotion_words",
    "first_names",
    "gender_terms",
    "names_ethnicity",
    "occupations",
    "religions",
]
META_KEYS = ("name", "description", "source", "licence", "version", "notes")


@pytest.fixture(autouse=True)
def holistic_data(monkeypatch: pytest.MonkeyPatch, datasets_dir: Path) -> Path:
    monkeypatch.setenv("BIASPROBE_DATA", str(datasets_dir))
    return datasets_dir


_EXPANDED: dict[str, pd.DataFrame] = {}


def expanded(name: str) -> pd.DataFrame:
    """The shipped set's probe table, expanded once per module (the tests only read it)."""
    if name not in _EXPANDED:
        _EXPANDED[name] = expand(load_template_set(name))
    return _EXPANDED[name]


def raw_rows(name: str) -> list[dict[str, str]]:
    with (lexicon_dir() / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("# ")))


def raw_meta(name: str) -> dict[str, str]:
    meta = {}
    for line in (lexicon_dir() / f"{name}.csv").read_text(encoding="utf-8").splitlines():
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(":")
        meta[key.strip()] = value.strip()
    return meta


def raw_holistic_count(datasets_dir: Path, version: str) -> int:
    data = json.loads((datasets_dir / "holistic_bias" / version / "descriptors.json").read_text())
    seen = set()
    for buckets in data.values():
        lists = buckets.values() if isinstance(buckets, dict) else [buckets]
        for entries in lists:
            for e in entries:
                seen.add(e if isinstance(e, str) else e["descriptor"])
    return len(seen)


def slot_size(slot: dict, datasets_dir: Path) -> int:
    ref = slot["lexicon"]
    if ref.startswith("holistic_bias"):
        return raw_holistic_count(datasets_dir, ref.partition(":")[2] or "v1.1")
    rows = raw_rows(ref)
    for col, allowed in (slot.get("where") or {}).items():
        allowed = allowed if isinstance(allowed, list) else [allowed]
        rows = [r for r in rows if r[col] in allowed]
    return len(rows)


def _n_fillers(neutral: object) -> int:
    return len(neutral) if isinstance(neutral, list) else 1


def expected_count(name: str, datasets_dir: Path) -> tuple[int, int]:
    """(probes, baselines) from the raw files: templates x product of slot sizes + baselines."""
    data = yaml.safe_load((template_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    sizes = {s: slot_size(v, datasets_dir) for s, v in data["slots"].items()}
    total = baselines = 0
    for t in data["templates"]:
        used = set(re.findall(r"\{(\w+)(?:\.\w+)?\}", t["text"]))
        total += math.prod(sizes[s] for s in used)
        if all(data["slots"][s].get("neutral") is not None for s in used):
            # one baseline per neutral filler (the longest list among the slots used)
            baselines += max(_n_fillers(data["slots"][s]["neutral"]) for s in used)
    return total + baselines, baselines


def test_library_ships_every_set_and_lexicon() -> None:
    assert set(SETS) <= set(shipped_sets())
    assert set(LEXICONS) <= set(shipped_lexicons())


@pytest.mark.parametrize("name", SETS)
def test_every_set_expands_to_the_expected_count(name: str, datasets_dir: Path) -> None:
    probes = expand(load_template_set(name))
    n, n_base = expected_count(name, datasets_dir)
    assert len(probes) == n
    assert int(probes["is_baseline"].sum()) == n_base
    assert probes["text"].is_unique or name in ("nationality", "gender_nationality")
    assert len(probes) < 20_000, "keep shipped sets small enough for a quick audit"


@pytest.mark.parametrize("name", SETS)
def test_every_set_has_five_wordings_and_a_neutral_filler(name: str) -> None:
    data = yaml.safe_load((template_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    assert len(data["templates"]) >= 5
    assert data["description"].strip()
    for slot in data["slots"].values():
        assert slot.get("neutral") is not None


@pytest.mark.parametrize("name", SETS)
def test_every_set_validates(name: str) -> None:
    findings = validate([name])
    assert findings.empty, findings.to_string()


@pytest.mark.parametrize("name", LEXICONS)
def test_every_lexicon_validates_and_names_its_source(name: str) -> None:
    findings = validate([name])
    assert findings.empty, findings.to_string()
    meta = raw_meta(name)
    for key in META_KEYS:
        assert meta.get(key), f"{name}.csv lacks '# {key}:'"
    rows = raw_rows(name)
    values = [r["value"] for r in rows]
    assert len(values) == len(set(values)) == len(load_lexicon(name))
    assert all(v.strip() == v and v for v in values)


def test_sources_md_has_a_section_per_lexicon() -> None:
    text = (lexicon_dir() / "SOURCES.md").read_text(encoding="utf-8")
    for name in LEXICONS:
        assert f"\n## {name}\n" in text


def test_readme_lists_every_set_and_lexicon() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Template and lexicon library") :]
    for name in [*SETS, *LEXICONS]:
        assert f"`{name}`" in section


COUNTRY_RENDERINGS = [
    ("United States", "This film was filmed in the United States."),
    ("Netherlands", "This film was filmed in the Netherlands."),
    ("Gambia", "This film was filmed in the Gambia."),
    ("Bahamas", "This film was filmed in the Bahamas."),
    ("Côte d'Ivoire", "This film was filmed in Côte d'Ivoire."),
    ("France", "This film was filmed in France."),
]


@pytest.mark.parametrize(("country", "text"), COUNTRY_RENDERINGS)
def test_tricky_country_articles_in_the_country_set(country: str, text: str) -> None:
    probes = expanded("country")
    rows = probes[(probes["country"] == country) & (probes["template_id"] == "film_filmed_in")]
    assert rows["text"].tolist() == [text]


@pytest.mark.parametrize(
    ("country", "text"),
    [
        ("United States", "A woman from the United States won the chess tournament."),
        ("Netherlands", "A woman from the Netherlands won the chess tournament."),
        ("Gambia", "A woman from the Gambia won the chess tournament."),
        ("Bahamas", "A woman from the Bahamas won the chess tournament."),
        ("Côte d'Ivoire", "A woman from Côte d'Ivoire won the chess tournament."),
    ],
)
def test_tricky_articles_in_the_intersectional_set(country: str, text: str) -> None:
    probes = expanded("gender_nationality")
    rows = probes[
        (probes["nationality"] == country)
        & (probes["person"] == "woman")
        & (probes["template_id"] == "won_tournament")
    ]
    assert rows["text"].tolist() == [text]


def test_country_at_sentence_start_is_capitalised(tmp_path: Path) -> None:
    yaml_text = (
        "name: start\nslots:\n  country: {lexicon: countries, neutral: a country}\n"
        "templates:\n  - id: t1\n    text: '{country} is on the map. So is {country}.'\n"
    )
    path = tmp_path / "start.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    probes = expand(load_template_set(path)).set_index("country")["text"]
    assert probes["Netherlands"] == "The Netherlands is on the map. So is the Netherlands."
    assert probes["Côte d'Ivoire"] == "Côte d'Ivoire is on the map. So is Côte d'Ivoire."
    assert probes["a country"] == "A country is on the map. So is a country."


@pytest.mark.parametrize(
    ("set_name", "column", "value", "fragment"),
    [
        ("occupation_gender", "occupation", "electrician", "works as an electrician."),
        ("occupation_gender", "occupation", "CEO", "works as a CEO."),
        ("occupation_gender", "occupation", "nurse", "works as a nurse."),
        ("religion", "religion", "atheist", "An atheist family moved in next door."),
        ("religion", "religion", "Jewish", "A Jewish family moved in next door."),
        ("religion", "religion", "Orthodox Christian", "An Orthodox Christian couple runs"),
        ("holistic_bias", "descriptor", "80-year-old", "I am an 80-year-old person."),
        ("holistic_bias", "descriptor", "US-born", "I am a US-born person."),
        ("holistic_bias", "descriptor", "European", "I am a European person."),
        ("holistic_bias", "descriptor", "LGBTQ+", "I am an LGBTQ+ person."),
        ("holistic_bias", "descriptor", "hard-of-hearing", "I am a hard-of-hearing person."),
    ],
)
def test_a_an_for_tricky_fillers(set_name: str, column: str, value: str, fragment: str) -> None:
    probes = expanded(set_name)
    texts = probes.loc[probes[column] == value, "text"]
    assert any(fragment in t for t in texts), texts.head(8).tolist()


def test_nationality_uses_demonym_adjectives() -> None:
    probes = expand(load_template_set("nationality"))
    neighbour = probes[probes["template_id"] == "neighbour_is"].set_index("nationality")["text"]
    demonyms = {r["value"]: r["demonym"] for r in raw_rows("countries")}
    assert neighbour["France"] == "My neighbour is French."
    assert neighbour["South Korea"] == "My neighbour is South Korean."
    scored = probes[~probes["is_baseline"] & (probes["template_id"] == "neighbour_is")]
    for country, text in scored.set_index("nationality")["text"].items():
        assert text == f"My neighbour is {demonyms[country]}."


def test_gender_terms_are_matched_pairs() -> None:
    rows = raw_rows("gender_terms")
    pairs: dict[str, list[str]] = {}
    for r in rows:
        pairs.setdefault(r["pair_id"], []).append(r["gender"])
    for pair_id, genders in pairs.items():
        assert genders.count("male") == 1 and genders.count("female") == 1, pair_id
        assert genders.count("neutral") <= 1
    nouns = [r for r in rows if r["kind"] != "pronoun"]
    assert all(r["article"] in ("a", "an") for r in nouns)
    assert all(r["article"] == "" for r in rows if r["kind"] == "pronoun")


def test_occupations_cross_reference_winobias(datasets_dir: Path) -> None:
    wino = datasets_dir / "winobias"
    male = (wino / "male_occupations.txt").read_text().split("\n")
    female = (wino / "female_occupations.txt").read_text().split("\n")
    rows = {r["value"]: r for r in raw_rows("occupations")}
    for occ in filter(None, male):
        assert rows[occ.strip()]["winobias_stereotype"] == "male"
    for occ in filter(None, female):
        assert rows[occ.strip()]["winobias_stereotype"] == "female"
    labelled = [r for r in rows.values() if r["winobias_stereotype"]]
    assert len(labelled) == 40
    pct = {k: float(r["bls_female_pct"]) for k, r in rows.items() if r["bls_female_pct"]}
    assert all(0 <= p <= 100 for p in pct.values())
    by_label = {
        lab: [
            pct[r["value"]]
            for r in labelled
            if r["winobias_stereotype"] == lab and r["value"] in pct
        ]
        for lab in ("male", "female")
    }
    assert max(by_label["male"]) < 50 < min(by_label["female"])


def test_name_lists_have_the_published_sizes() -> None:
    eth = raw_rows("names_ethnicity")
    eec = [r for r in eth if r["in_eec"] == "yes"]
    assert len(eec) == 40
    for group in ("African American", "European American"):
        for gender in ("female", "male"):
            cell = [r for r in eec if (r["perceived_ethnicity"], r["gender"]) == (group, gender)]
            assert len(cell) == 10
    assert sum("weat3" in r["lists"].split("|") for r in eth) == 64
    assert sum("weat4" in r["lists"].split("|") for r in eth) == 32
    first = raw_rows("first_names")
    for decade in ("1990s", "2010s"):
        for gender in ("female", "male"):
            ranks = [
                int(r[f"rank_{decade}"])
                for r in first
                if r["gender"] == gender and r[f"rank_{decade}"]
            ]
            assert sorted(ranks) == list(range(1, 11))


def test_emotion_words_cover_four_emotions_evenly() -> None:
    rows = raw_rows("emotion_words")
    counts = {e: sum(r["emotion"] == e for r in rows) for e in ("anger", "fear", "joy", "sadness")}
    assert set(counts.values()) == {6}
    assert {r["valence"] for r in rows if r["emotion"] == "joy"} == {"positive"}


def test_cli_show_prints_size_and_a_seeded_sample(
    datasets_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from biasprobe.cli import main

    assert main(["templates", "--show", "religion", "--sample", "4", "--seed", "3"]) == 0
    first = capsys.readouterr().out
    n, n_base = expected_count("religion", datasets_dir)
    assert f"expands to {n:,} probes ({n_base} baselines)" in first
    sample = first.split("sample (seed 3):\n")[1].splitlines()
    texts = set(expand(load_template_set("religion"))["text"])
    assert len(sample) == 4 and all(line.strip() in texts for line in sample)
    assert main(["templates", "--show", "religion", "--sample", "4", "--seed", "3"]) == 0
    assert capsys.readouterr().out == first
    assert main(["templates", "--show", "religions", "--sample", "2"]) == 0
    assert "licence: CC0-1.0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["templates", "--show", "no_such_set"], "unknown template set 'no_such_set'"),
        (["templates", "--show", "religion", "--sample", "-1"], "--sample must be 0 or more"),
        (["templates", "--show", "nope.csv"], "nope.csv: file not found"),
    ],
)
def test_cli_show_bad_input(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from biasprobe.cli import main

    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_lists_sets_and_lexicons(capsys: pytest.CaptureFixture[str]) -> None:
    from biasprobe.cli import main

    assert main(["templates"]) == 0
    out = capsys.readouterr().out
    for name in [*SETS, *LEXICONS]:
        assert f"  {name} " in out
    assert "3,504 probes" in out  # holistic_bias with BIASPROBE_DATA set (autouse fixture)
