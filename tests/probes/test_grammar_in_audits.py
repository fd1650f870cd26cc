"""Writing your own set: the audit warns on grammar problems, and the suggestion is right."""

from __future__ import annotations

from pathlib import Path

import pytest

import biasprobe
from biasprobe.cli import main
from biasprobe.probes._grammar import sentence_problems
from biasprobe.probes._validate import validate

LEXICON = "value,article\nsport club,a\nart society,an\nchoir,a\n"
BAD_SET = """\
slots:
  club: {{lexicon: clubs.csv, neutral: {neutral}}}
templates:
{templates}
"""
WORDINGS = [
    "She joined {opener}.",
    "He is a member of {opener}.",
    "They met at {opener} last week.",
    "We talked about {opener} today.",
    "I heard good things about {opener}.",
]


def write_set(tmp_path: Path, *, opener: str, neutral: str) -> Path:
    (tmp_path / "clubs.csv").write_text(LEXICON)
    templates = "\n".join(
        f"  - {{id: w{i}, text: '{w.format(opener=opener)}'}}" for i, w in enumerate(WORDINGS)
    )
    path = tmp_path / "clubs.yaml"
    path.write_text(BAD_SET.format(neutral=neutral, templates=templates))
    return path


def fake(texts: list[str]) -> list[list[float]]:
    return [[0.5, 0.5] for _ in texts]


def test_doubled_article_suggests_removing_one_not_an_a() -> None:
    problems = dict(sentence_problems("She joined a a sport club."))
    assert set(problems) == {"stacked_article"}
    assert "remove 'a'" in problems["stacked_article"]
    assert "an a" not in " ".join(problems.values())


def test_a_fixed_article_before_a_bare_value_gets_the_right_suggestion() -> None:
    problems = dict(sentence_problems("She joined a art society."))
    assert problems == {"a_an": "'a art': write 'an art'"}


@pytest.mark.parametrize(
    ("opener", "neutral", "rendered"),
    [
        ("{club}", "{value: club, article: a}", "She joined a sport club."),
        ("the {club.value}", "{value: club, article: a}", "She joined the sport club."),
        ("{club}", "a club", "She joined a club."),
    ],
)
def test_both_forms_render_clean_sentences(
    tmp_path: Path, opener: str, neutral: str, rendered: str
) -> None:
    path = write_set(tmp_path, opener=opener, neutral=neutral)
    probes = biasprobe.expand(biasprobe.load_template_set(path))
    assert rendered in set(probes["text"])
    assert all(sentence_problems(t) == [] for t in probes["text"])
    assert validate([str(path)]).empty


def test_audit_warns_in_one_line_on_a_doubled_article(tmp_path: Path) -> None:
    path = write_set(tmp_path, opener="a {club}", neutral="{value: club, article: a}")
    with pytest.warns(UserWarning, match=r"^grammar: 20 of 20 probes \(templates 'w0',") as got:
        biasprobe.audit(path, model=fake, cache=None, progress=False, n_bootstrap=20)
    (warning,) = [w for w in got if "grammar" in str(w.message)]
    text = str(warning.message)
    assert "\n" not in text and "'a a': two articles in a row; remove 'a'" in text


def test_clean_set_audits_without_a_warning(tmp_path: Path) -> None:
    path = write_set(tmp_path, opener="{club}", neutral="{value: club, article: a}")
    biasprobe.audit(path, model=fake, cache=None, progress=False, n_bootstrap=20)  # no warning


def test_cli_validate_suggests_removing_the_doubled_article(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_set(tmp_path, opener="a {club}", neutral="{value: club, article: a}")
    code = main(["validate", str(path)])
    out = capsys.readouterr()
    assert code != 0
    assert "remove 'a'" in out.out + out.err and "'an a'" not in out.out + out.err
