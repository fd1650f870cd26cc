"""Validation: the a/an rule, sentence checks, and each bad lexicon and template set."""

from __future__ import annotations

from pathlib import Path

import pytest

from biasprobe.cli import main
from biasprobe.probes._grammar import indefinite_article, sentence_problems
from biasprobe.probes._validate import validate

HEADER = "# name: t\n# description: d\n# source: s\n# licence: CC0-1.0\n# version: 1\n"


@pytest.mark.parametrize(
    ("word", "article"),
    [
        ("hour", "an"),
        ("honest", "an"),
        ("heir", "an"),
        ("hotel", "a"),
        ("university", "a"),
        ("unicorn", "a"),
        ("uninsured", "an"),
        ("umbrella", "an"),
        ("European", "a"),
        ("one-time", "a"),
        ("one", "a"),
        ("onerous", "an"),
        ("Ugandan", "a"),
        ("Ukrainian", "a"),
        ("Uzbek", "an"),
        ("Afghan", "an"),
        ("MBA", "an"),
        ("FBI", "an"),
        ("BBC", "a"),
        ("LGBTQ+", "an"),
        ("US-born", "a"),
        ("NATO", "a"),
        ("X-ray", "an"),
        ("8", "an"),
        ("80-year-old", "an"),
        ("11-year-old", "an"),
        ("18th", "an"),
        ("100", "a"),
        ("1800s", "a"),
        ("apple", "an"),
        ("banana", "a"),
    ],
)
def test_indefinite_article_by_first_sound(word: str, article: str) -> None:
    assert indefinite_article(word) == article


@pytest.mark.parametrize(
    "text",
    [
        "This film was filmed in the Netherlands.",
        "An Afghan student asked a question.",
        'She said "Hello." Then she left!',
        "I arrived, e.g. by train, at noon?",
        "It was an hour. A European came.",
    ],
)
def test_good_sentences_have_no_problems(text: str) -> None:
    assert sentence_problems(text) == []


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("this film was good.", "capital_start"),
        ("It rained. then it stopped.", "sentence_capital"),
        ("We went to the The Netherlands.", "stacked_article"),
        ("My neighbour is a a doctor.", "stacked_article"),
        ("She is a Afghan student.", "a_an"),
        ("She is an university student.", "a_an"),
        ("An European came.", "a_an"),
        ("We went to  Paris.", "double_space"),
        (" We went.", "edge_space"),
        ("We went to Paris .", "space_before_punctuation"),
        ("We went to Paris", "final_punctuation"),
    ],
)
def test_each_sentence_problem_is_caught(text: str, check: str) -> None:
    assert check in [c for c, _ in sentence_problems(text)]


def lexicon(tmp_path: Path, body: str, header: str = HEADER, name: str = "lex.csv") -> str:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return str(path)


def checks(findings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(zip(findings["check"], findings["severity"], strict=True))


def test_good_lexicon_has_no_findings(tmp_path: Path) -> None:
    path = lexicon(tmp_path, "value,article,iso3\napple,an,FRA\nbanana,a,DEU\n")
    assert validate([path]).empty


@pytest.mark.parametrize(
    ("body", "check", "severity"),
    [
        ("value,article\napple,a\n", "a_an", "error"),
        ("value,article\nhour,a\n", "a_an", "error"),
        ("value\n apple\n", "whitespace", "error"),
        ("value,iso3\nx,fr\n", "iso_code", "error"),
        ("value,iso3\nx,FRAN\n", "iso_code", "error"),
        ("value,country_iso3\nx,QQQ\n", "iso_code", "warning"),
        ("value,iso2\nx,FRA\n", "iso_code", "error"),
        ("value,iso3\nx,FRA\ny,FRA\n", "iso_unique", "error"),
        ("value,tags\nx,a||b\n", "multi_value", "error"),
        ("value,aliases\nUSA,US|America\nUK,US\n", "alias_unique", "error"),
        ("value,aliases\nUSA,UK\nUK,\n", "alias_unique", "error"),
        ("value,gender,pair_id\nhe,male,p\nhim,male,p\n", "pair", "error"),
        ("value,share_pct\nx,120\n", "percent", "error"),
        ("value,share_pct\nx,-1\n", "percent", "error"),
        ("value,share_pct\nx,12\ny,lots\n", "percent", "error"),
        ("value\nx\nx\n", "load", "error"),
        ("value\nx\n\n,\n", "load", "error"),
        ("name,article\nx,\n", "load", "error"),
        ("value,article\nx,the a\n", "load", "error"),
    ],
)
def test_each_bad_lexicon_is_caught(tmp_path: Path, body: str, check: str, severity: str) -> None:
    findings = validate([lexicon(tmp_path, body)])
    assert checks(findings).get(check) == severity, findings.to_string()
    assert all("\n" not in m for m in findings["message"])


def test_missing_header_metadata_is_a_warning(tmp_path: Path) -> None:
    findings = validate([lexicon(tmp_path, "value\nx\n", header="# name: t\n")])
    assert checks(findings) == {"metadata": "warning"}
    assert "source" in findings["message"].iloc[0] and "licence" in findings["message"].iloc[0]


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    findings = validate([str(tmp_path / "nope.csv")])
    assert checks(findings) == {"load": "error"}
    assert "file not found" in findings["message"].iloc[0]


GOOD_SET = """\
name: fruit
slots:
  fruit: {{lexicon: fruit.csv, neutral: {{value: thing, article: a}}}}
templates:
{templates}
"""
FIVE = [
    "I ate {fruit} today.",
    "{fruit} was on the table.",
    "She bought {fruit} at the market.",
    "We shared {fruit} after lunch.",
    "He found {fruit} in the bag.",
]


def template_set(tmp_path: Path, texts: list[str]) -> str:
    lexicon(tmp_path, "value,article\napple,an\nbanana,a\n", name="fruit.csv")
    items = "\n".join(f"  - id: t{i}\n    text: {t!r}" for i, t in enumerate(texts))
    path = tmp_path / "fruit.yaml"
    path.write_text(GOOD_SET.format(templates=items), encoding="utf-8")
    return str(path)


def test_good_template_set_has_no_findings(tmp_path: Path) -> None:
    assert validate([template_set(tmp_path, FIVE)]).empty


@pytest.mark.parametrize(
    ("text", "check", "count"),
    [
        ("I ate a {fruit.value} today.", "a_an", 1),  # "a apple"
        ("I ate an {fruit.value} today.", "a_an", 2),  # "an banana", "an thing"
        ("I ate the {fruit} today.", "stacked_article", 3),
        ("i ate {fruit} today.", "capital_start", 3),
        ("I ate {fruit} today", "final_punctuation", 3),
        ("I ate  {fruit} today.", "double_space", 3),
        ("I ate {fruit} . Yum.", "space_before_punctuation", 3),
    ],
)
def test_each_bad_wording_is_caught_with_its_count(
    tmp_path: Path, text: str, check: str, count: int
) -> None:
    findings = validate([template_set(tmp_path, [*FIVE[:4], text])])
    row = findings[findings["check"] == check]
    assert len(row) == 1, findings.to_string()
    assert row["severity"].iloc[0] == "error"
    assert int(row["count"].iloc[0]) == count
    assert row["location"].iloc[0] == "template 't4'"
    assert row["example"].iloc[0]


def test_few_wordings_and_missing_neutral_are_warnings(tmp_path: Path) -> None:
    path = template_set(tmp_path, FIVE[:2])
    text = Path(path).read_text().replace(", neutral: {value: thing, article: a}", "")
    Path(path).write_text(text)
    assert checks(validate([path])) == {"wordings": "warning", "neutral": "warning"}


def test_unknown_slot_is_a_load_error(tmp_path: Path) -> None:
    findings = validate([template_set(tmp_path, [*FIVE[:4], "I ate {fruits}."])])
    assert checks(findings) == {"load": "error"}
    assert "unknown slot 'fruits'" in findings["message"].iloc[0]


def test_folder_validates_each_file(tmp_path: Path) -> None:
    template_set(tmp_path, [*FIVE[:4], "I ate a {fruit.value} today."])
    findings = validate([str(tmp_path)])
    assert set(findings["kind"]) == {"template_set"}
    assert "a_an" in set(findings["check"])


def test_cli_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = template_set(tmp_path, FIVE)
    assert main(["validate", good]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out
    bad = lexicon(tmp_path, "value,article\napple,a\n", name="bad.csv")
    assert main(["validate", good, bad]) == 2
    out = capsys.readouterr().out
    assert "error:" in out and "bad.csv" in out and "a_an" in out
    with pytest.raises(SystemExit) as gone:  # one way to validate: `biasprobe validate`
        main(["templates", "--validate", bad])
    assert gone.value.code == 2


def test_cli_validate_all_shipped(
    monkeypatch: pytest.MonkeyPatch, datasets_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BIASPROBE_DATA", raising=False)  # --data-dir sets it; undone after
    monkeypatch.setenv("BIASPROBE_DATA", "")
    assert main(["validate", "--data-dir", str(datasets_dir)]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out
