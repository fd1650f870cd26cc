"""Checks against the real Hub model; they run only with BIASPROBE_ONLINE=1 and internet."""

from __future__ import annotations

import pytest

from biasprobe import DEFAULT_MODEL, load_scorer, score_texts


@pytest.mark.online
def test_model_card_figures_on_the_real_model() -> None:
    scorer = load_scorer(DEFAULT_MODEL, device="cpu")
    texts = ["This film was filmed in France.", "This film was filmed in Afghanistan."]
    scores = score_texts(texts, scorer=scorer, progress=False)["score"].tolist()
    assert scores[0] == pytest.approx(0.89, abs=0.02)
    assert scores[1] == pytest.approx(0.08, abs=0.02)
    assert scorer.info["revision"] and len(scorer.info["revision"]) == 40
