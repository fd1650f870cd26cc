"""Headlines on probability, logit and label-rate scales, checked against numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _scrutiny_support import noise, scored_audit
from scipy import special

from biasprobe.audits._scales import headline_scales


def test_scales_match_numpy_and_flag_a_changed_extreme() -> None:
    # v03 has the lowest mean probability; v05 one extreme probe, so the lowest mean logit
    def score(t: str, v: str) -> float:
        if v == "v03":
            return 0.30
        if v == "v05":
            return 1e-5 if t == "t0" else 0.45
        return noise(t, v)

    result = scored_audit(score)
    table = headline_scales(result).set_index("scale")
    probes = result.probes[~result.probes["is_baseline"]]
    by = probes.groupby("group")["score"]
    assert table.loc["probability", "min_group"] == by.mean().idxmin() == "v03"
    logits = special.logit(probes["score"].clip(1e-6, 1 - 1e-6)).groupby(probes["group"]).mean()
    assert table.loc["logit", "min_group"] == logits.idxmin() == "v05"
    assert table.loc["logit", "min_mean"] == pytest.approx(logits.min())
    assert not table.loc["logit", "same_min"]
    rate = (probes["score"] >= 0.5).groupby(probes["group"]).mean()
    assert table.loc["label_rate", "gap"] == pytest.approx(rate.max() - rate.min())


def test_scores_outside_probabilities_give_an_empty_table() -> None:
    result = scored_audit(lambda t, v: 3.0 + noise(t, v))
    assert headline_scales(result).empty
    assert isinstance(headline_scales(result), pd.DataFrame)
    assert np.isfinite(result.by_group("group")["mean"]).all()
