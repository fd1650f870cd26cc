"""Flips are decided against the whole neutral set of a wording, never one filler."""

from __future__ import annotations

import pandas as pd

from biasprobe import AuditResult
from biasprobe.checks._metrics import flip_table


def audit(fillers: list[float]) -> AuditResult:
    rows = [
        {"template_id": "t0", "g": f"filler{i}", "is_baseline": True, "score": s}
        for i, s in enumerate(fillers)
    ]
    rows += [
        {"template_id": "t0", "g": g, "is_baseline": False, "score": s}
        for g, s in (("low", 0.2), ("high", 0.8))
    ]
    probes = pd.DataFrame(rows)
    probes.insert(0, "probe_id", range(len(probes)))
    probes["template"] = probes["text"] = probes["g"]
    return AuditResult(probes=probes, slots=["g"], seed=0, n_bootstrap=50)


def test_one_filler_decides_alone() -> None:
    flips = flip_table(audit([0.3])).set_index("g")["flipped"]
    assert flips.to_dict() == {"low": False, "high": True}


def test_fillers_on_both_sides_leave_nothing_to_flip() -> None:
    flips = flip_table(audit([0.3, 0.7])).set_index("g")["flipped"]
    assert not flips.any()


def test_all_fillers_negative_flip_the_positive_probe() -> None:
    flips = flip_table(audit([0.1, 0.3, 0.4])).set_index("g")["flipped"]
    assert flips.to_dict() == {"low": False, "high": True}
