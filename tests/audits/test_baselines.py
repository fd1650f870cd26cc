"""Neutral baselines as a set: deltas against several fillers, checked against numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from biasprobe import AuditResult
from biasprobe.audits._baselines import baseline_sensitivity, filler_table, neutral_deltas

FILLERS = {"a thing": 0.40, "this thing": 0.50, "another thing": 0.70}
GROUPS = {"low": 0.30, "mid": 0.55, "high": 0.80}
WORDINGS = {"t0": 0.0, "t1": 0.05}


def audit() -> AuditResult:
    rows = []
    for t, shift in WORDINGS.items():
        for f, s in FILLERS.items():
            rows.append({"template_id": t, "g": f, "is_baseline": True, "score": s + shift})
        for g, s in GROUPS.items():
            rows.append({"template_id": t, "g": g, "is_baseline": False, "score": s + shift})
    probes = pd.DataFrame(rows)
    probes.insert(0, "probe_id", range(len(probes)))
    probes["template"] = probes["text"] = probes["template_id"]
    return AuditResult(probes=probes, slots=["g"], seed=0, n_bootstrap=100)


def test_delta_is_against_the_mean_of_the_fillers() -> None:
    result = audit()
    base = np.mean(list(FILLERS.values()))
    got = result.by_group("g").set_index("value")["delta"]
    for g, s in GROUPS.items():
        assert got[g] == pytest.approx(s - base)


def test_neutral_deltas_match_numpy() -> None:
    table = neutral_deltas(audit(), "g").set_index("value")
    for g, s in GROUPS.items():
        per_filler = np.array([s - f for f in FILLERS.values()])
        assert table.loc[g, "delta"] == pytest.approx(per_filler.mean())
        se = per_filler.std(ddof=1) / np.sqrt(len(per_filler))
        assert table.loc[g, "delta_se"] == pytest.approx(se)
        assert table.loc[g, "delta_ci_low"] < table.loc[g, "delta"] < table.loc[g, "delta_ci_high"]
    # mid (0.55) lies between the fillers: neither below nor above the neutral set
    assert table["side"].to_dict() == {"high": "above", "low": "below", "mid": "within"}


def test_filler_choice_moves_the_share_below() -> None:
    result = audit()
    fillers = filler_table(result, "g").set_index("filler")
    assert fillers.loc["a thing", "share_below"] == pytest.approx(1 / 3)
    assert fillers.loc["another thing", "share_below"] == pytest.approx(2 / 3)
    row = baseline_sensitivity(result).iloc[0]
    assert (row["share_below_min"], row["share_below_max"]) == pytest.approx((1 / 3, 2 / 3))
    assert row["n_fillers"] == 3 and row["share_below_set"] == pytest.approx(1 / 3)
