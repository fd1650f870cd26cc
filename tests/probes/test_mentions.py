"""Mention detection and swapping on a table of tricky sentences (expected by hand)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from biasprobe.probes._lexicon_refs import load_lexicon
from biasprobe.probes._mentions import MentionFinder, detect_case
from biasprobe.probes._swap import counterfactuals, find_all, swap


def _row(lexicon: str, value: str) -> dict[str, Any]:
    items = load_lexicon(lexicon).items.set_index("value", drop=False)
    return dict(items.loc[value].to_dict())


def _swap(lexicon: str, text: str, target: str, case: str = "cased") -> str | None:
    finder = MentionFinder(load_lexicon(lexicon), case=case)
    kept = [m for m in finder.find(text) if not m.skipped]
    return swap(text, kept, _row(lexicon, target))


SWAPS = [
    # sentence-initial mentions, "the" countries both ways
    ("countries", "France is lovely.", "Netherlands", "The Netherlands is lovely."),
    ("countries", "The Netherlands is flat.", "France", "France is flat."),
    ("countries", "I moved to the Netherlands.", "Afghanistan", "I moved to Afghanistan."),
    ("countries", "I moved to France.", "United States", "I moved to the United States."),
    ("countries", "the France squad won.", "Netherlands", "the Netherlands squad won."),
    # possessives
    ("countries", "France's film was shown.", "Iran", "Iran's film was shown."),
    ("countries", "France's film was shown.", "Bahamas", "The Bahamas' film was shown."),
    # demonym vs country form, a/an
    ("countries", "It is an Afghan carpet.", "United States", "It is an American carpet."),
    ("countries", "It is an American carpet.", "France", "It is a French carpet."),
    ("countries", "An American film.", "Netherlands", "A Dutch film."),
    # multi-word names and aliases
    (
        "countries",
        "He flew to the UK and Britain.",
        "South Korea",
        "He flew to South Korea and South Korea.",
    ),
    ("countries", "She left the United States.", "Chad", "She left Chad."),
    ("countries", "She left the U.S.", "Iran", "She left Iran."),
    # overlapping mentions: the longest form wins
    ("countries", "Aid to the Democratic Republic of the Congo.", "Peru", "Aid to Peru."),
    ("countries", "Guinea-Bissau is small.", "Peru", "Peru is small."),
    ("countries", "Papua New Guinea is big.", "Peru", "Peru is big."),
    # lower-cased corpora keep their case
    ("countries", "a gem from france .", "United Kingdom", "a gem from the united kingdom ."),
    # religions: adjective vs noun, a/an
    ("religions", "She is a Muslim writer.", "atheist", "She is an atheist writer."),
    ("religions", "An atheist wrote it.", "Hindu", "A Hindu wrote it."),
    ("religions", "He is a Jew.", "Sikh", "He is a Sikh."),
    ("religions", "Jewish food is great.", "Sunni Muslim", "Sunni Muslim food is great."),
    # names
    ("names_ethnicity", "Emily loved it.", "Jamal", "Jamal loved it."),
    ("names_ethnicity", "I met Emily's dog.", "Tyrone", "I met Tyrone's dog."),
]


@pytest.mark.parametrize(("lexicon", "text", "target", "expected"), SWAPS)
def test_swap_keeps_grammar(lexicon: str, text: str, target: str, expected: str) -> None:
    assert _swap(lexicon, text, target) == expected


def test_target_without_the_form_gives_no_counterfactual() -> None:
    lex = load_lexicon("countries")
    no_demonym = lex.items[lex.items["demonym"] == ""]
    if no_demonym.empty:  # every country has a demonym: build a row without one
        item = {**_row("countries", "France"), "demonym": ""}
    else:
        item = dict(no_demonym.iloc[0].to_dict())
    finder = MentionFinder(lex, case="cased")
    assert swap("An Afghan rug.", finder.find("An Afghan rug."), item) is None


SKIPS = [
    ("countries", "We ate turkey at noon.", "turkey", "lower case"),
    ("countries", "Jordan Peele made it.", "Jordan", "capitalised name"),
    ("countries", "A film by Michael Jordan.", "Jordan", "capitalised name"),
    ("countries", "They hired Chad Smith.", "Chad", "capitalised name"),
    ("countries", "He is African American.", "American", "after 'African'"),
    ("countries", "Georgia on my mind.", "Georgia", "homograph"),
    ("countries", "Tell us more.", "us", "lower case"),
    ("countries", "Congolese music.", "Congolese", "ambiguous form"),
    ("names_ethnicity", "Be frank with me.", "frank", "lower case"),
]


@pytest.mark.parametrize(("lexicon", "text", "surface", "reason"), SKIPS)
def test_homographs_are_skipped_with_a_reason(
    lexicon: str, text: str, surface: str, reason: str
) -> None:
    found = MentionFinder(load_lexicon(lexicon), case="cased").find(text)
    assert [m.text for m in found] == [surface]
    assert reason in found[0].skipped


KEEPS = [
    ("countries", "Troops left Jordan in May.", ["Jordan"]),
    ("countries", "In Jordan, rain is rare.", ["Jordan"]),
    ("countries", "Turkey and Chad signed.", ["Turkey", "Chad"]),
    ("countries", "Nigeria and Niger differ.", ["Nigeria", "Niger"]),
    ("countries", "A Frenchman in Paris.", []),
]


@pytest.mark.parametrize(("lexicon", "text", "kept"), KEEPS)
def test_country_mentions_are_kept(lexicon: str, text: str, kept: list[str]) -> None:
    found = MentionFinder(load_lexicon(lexicon), case="cased").find(text)
    assert [m.text for m in found if not m.skipped] == kept


def test_lower_cased_corpus_skips_every_homograph_but_keeps_plain_values() -> None:
    finder = MentionFinder(load_lexicon("countries"), case="auto")
    texts = ["the turkey was dry .", "a film from jordan .", "a gem from france ."]
    assert detect_case(texts) == "lower"
    lower = finder.for_corpus(texts)
    found = [m for t in texts for m in lower.find(t)]
    assert [(m.text, bool(m.skipped)) for m in found] == [
        ("turkey", True),
        ("jordan", True),
        ("france", False),
    ]
    assert "lower-cased corpus" in found[1].skipped


def test_counterfactuals_cross_every_unit_with_every_value() -> None:
    lex = load_lexicon("religions")
    finder = MentionFinder(lex, case="cased")
    corpus = pd.DataFrame(
        {
            "source_id": [0, 1, 2],
            "text": ["A Muslim and a Hindu met.", "No mention here.", "An atheist spoke."],
        }
    )
    mentions = find_all(corpus["text"], finder, source_ids=corpus["source_id"])
    rows = pd.DataFrame(list(counterfactuals(corpus, mentions, finder, slot="religion")))
    # units: (0, Muslim), (0, Hindu), (2, atheist); each: a baseline + one row per value
    assert len(rows) == 3 * (1 + len(lex))
    assert rows["is_baseline"].sum() == 3
    own = rows[~rows["is_baseline"] & (rows["religion"] == rows["source_value"])]
    assert (own["text"] == own["original"]).all()
    hindu = rows[(rows["source_value"] == "Muslim") & (rows["religion"] == "Hindu")]
    assert hindu["text"].tolist() == ["A Hindu and a Hindu met."]
    assert set(rows["religion_religion"].dropna()) >= {"Islam", "Hinduism"}


def test_sampled_targets_are_seeded() -> None:
    lex = load_lexicon("countries")
    finder = MentionFinder(lex, case="cased")
    corpus = pd.DataFrame({"source_id": [0], "text": ["I saw France."]})
    mentions = find_all(corpus["text"], finder, source_ids=corpus["source_id"])

    def draw(seed: int) -> list[str]:
        rows = counterfactuals(corpus, mentions, finder, slot="country", sample=5, seed=seed)
        return [r["text"] for r in rows if not r["is_baseline"]]

    assert len(draw(1)) == 5
    assert draw(1) == draw(1)
    assert draw(1) != draw(2)
