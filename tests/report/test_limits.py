"""The "What this audit can and cannot say" section: generated from the audit's numbers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from _scrutiny_support import noise, scored_audit

from biasprobe.report._card import build_card
from biasprobe.report._html import render_report
from biasprobe.report._limits_view import limits_view
from biasprobe.scoring._tokens import WordPieces
from biasprobe.scrutiny._scrutiny import confound_report


def test_non_robust_extreme_is_a_limitation(tmp_path: Path) -> None:
    # v07 is the lowest only because of one wording
    result = scored_audit(lambda t, v: 0.01 if (t, v) == ("t0", "v07") else noise(t, v))
    result.save(tmp_path / "a")
    view = limits_view(result, path=tmp_path / "a")
    lowest = [line for line in view.cannot if "v07" in line]
    assert lowest and lowest[0].startswith("Limitation, wording") and "not robust" in lowest[0]
    assert any("no confound report" in line for line in view.cannot)
    assert any("real text" in line for line in view.cannot)


def test_robust_extreme_is_supported(tmp_path: Path) -> None:
    result = scored_audit(lambda t, v: noise(t, v) - (0.3 if v == "v11" else 0.0))
    result.save(tmp_path / "a")
    view = limits_view(result, path=tmp_path / "a")
    assert any(line.startswith("group: v11 (lowest overall)") for line in view.can)
    assert not any("v11" in line and "wording" in line for line in view.cannot)


def test_baseline_share_below_matches_the_groups(tmp_path: Path) -> None:
    result = scored_audit(noise)
    result.save(tmp_path / "a")
    line = next(x for x in limits_view(result, path=tmp_path / "a").cannot if "baseline" in x)
    below = (result.by_group("group")["delta"] < 0).mean()
    assert "one neutral filler" in line and f"{below:.0%} of groups fall below it" in line


def test_report_and_card_carry_the_section(tmp_path: Path) -> None:
    result = scored_audit(lambda t, v: noise(t, v) - 0.05 * len(v))
    folder = tmp_path / "a"
    result.save(folder)
    pieces = WordPieces(tokenize=lambda s: list(s), unk_token=None, source="chars")
    confound_report(result, pieces=pieces, score=lambda ts: np.full(len(ts), 0.5)).save(folder)
    assert pd.read_csv(folder / "confound_flags.csv")["finding"].tolist()[:2] == [
        "lowest value",
        "highest value",
    ]
    page = render_report([folder])
    text = re.sub(r"<[^>]+>", " ", page)
    assert "What this audit can and cannot say" in text
    for word in ("Limitation", "Confound", "real text"):
        assert word.lower() in text.lower()
    card = build_card([folder], out=tmp_path / "card.md").read_text(encoding="utf-8")
    assert "What this audit cannot say" in card and "real text" in card


def test_design_slot_gap_is_not_called_bias(tmp_path: Path) -> None:
    result = scored_audit(noise)
    result.metadata["template_set"] = {"slots": {"group": {"role": "design"}}}
    result.save(tmp_path / "a")
    lines = limits_view(result, path=tmp_path / "a").cannot
    design = [x for x in lines if x.startswith("Limitation, design")]
    assert design and "not an identity bias" in design[0]


def test_occlusion_evidence_is_summarised(tmp_path: Path) -> None:
    from biasprobe.scrutiny._explain import explain_extremes

    result = scored_audit(lambda t, v: noise(t, v) - (0.3 if v == "v11" else 0.0))
    folder = tmp_path / "a"
    result.save(folder)

    def score(texts: list[str]) -> np.ndarray:
        return np.array([0.2 if "v11" in t else 0.6 for t in texts])

    explain_extremes(result, score=score, n=3).to_csv(folder / "attributions.csv", index=False)
    lines = [x for x in limits_view(result, path=folder).can if x.startswith("Evidence")]
    low = next(x for x in lines if "low texts" in x)
    assert "removing v11 changes the score by +0.400" in low
