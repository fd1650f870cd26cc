"""The headline gap tables keep identity slots apart from design slots (``role: design``)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import biasprobe
from biasprobe.report._card import build_card
from biasprobe.report._html import render_report

MOODS = {"thrilled": 0.95, "glad": 0.8, "sad": 0.2, "furious": 0.05}
PEOPLE = {"Anna": 0.02, "Ben": -0.02, "Cleo": 0.0}


def mood_scorer(texts: list[str]) -> np.ndarray:
    """The mood word sets the score; the person moves it by a few hundredths."""
    pos = []
    for t in texts:
        base = next((v for k, v in MOODS.items() if k in t), 0.5)
        pos.append(base + next((v for k, v in PEOPLE.items() if k in t), 0.0))
    p = np.clip(np.array(pos), 0.01, 0.99)
    return np.column_stack([1 - p, p])


mood_scorer.labels = ["NEGATIVE", "POSITIVE"]  # type: ignore[attr-defined]


def write_set(folder: Path, *, design: bool) -> Path:
    (folder / "people.csv").write_text("value\n" + "\n".join(PEOPLE) + "\n", encoding="utf-8")
    (folder / "moods.csv").write_text("value\n" + "\n".join(MOODS) + "\n", encoding="utf-8")
    role = "    role: design\n" if design else ""
    (folder / "set.yaml").write_text(
        "name: moods\nslots:\n  person:\n    lexicon: people.csv\n    neutral: someone\n"
        f"  mood:\n    lexicon: moods.csv\n{role}    neutral: okay\n"
        "templates:\n  - id: a\n    text: '{person} feels {mood}.'\n"
        "  - id: b\n    text: 'Today {person} was {mood}.'\n"
        "  - id: c\n    text: 'After lunch {person} seemed {mood}.'\n",
        encoding="utf-8",
    )
    return folder / "set.yaml"


@pytest.fixture(scope="module", params=[True, False], ids=["design", "identity"])
def folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("roles")
    result = biasprobe.audit(
        write_set(root, design=request.param),
        model=mood_scorer,
        cache=None,
        progress=False,
        n_bootstrap=50,
    )
    return result.save(root / "audit")


def table_slots(page: str, table_id: str) -> list[str]:
    """The slot column of one report table, read back from the HTML."""
    body = re.search(rf'<table id="{table_id}".*?</table>', page, flags=re.S)
    if body is None:
        return []
    head = re.findall(r'data-key="([^"]+)"', body.group(0))
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(0).split("<tbody>")[1], flags=re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S) for r in rows]
    return [c[head.index("slot")] for c in cells]


def is_design(folder: Path) -> bool:
    return "role: design" in (folder.parent / "set.yaml").read_text(encoding="utf-8")


def test_report_puts_design_slots_in_their_own_table(folder: Path) -> None:
    page = render_report([folder])
    if is_design(folder):
        assert table_slots(page, "summary-gaps") == ["person"]
        assert table_slots(page, "summary-design-gaps") == ["mood"]
        assert "Design slots: manipulated variables, not identity bias" in page
        assert "not an identity bias" in page
        headlines = re.findall(r'<p class="headline">(.*?)</p>', page, flags=re.S)
        assert headlines and all("<em>mood</em>" not in h for h in headlines)
    else:  # both identity: one table, the larger gap (mood) first
        assert table_slots(page, "summary-gaps") == ["mood", "person"]
        assert 'id="summary-design-gaps"' not in page
        assert "Design slots" not in page


def test_card_puts_design_slots_in_their_own_table(folder: Path, tmp_path: Path) -> None:
    card = build_card([folder], out=tmp_path / "BIAS.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (person|mood) \| ", card, flags=re.M)
    if is_design(folder):
        head = card.index("**Design slots: manipulated variables, not identity bias.**")
        assert card.index("| person | ") < head < card.index("| mood | ")
        assert rows == ["person", "mood"]
    else:
        assert "Design slots" not in card and sorted(rows) == ["mood", "person"]
