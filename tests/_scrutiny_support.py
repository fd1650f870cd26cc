"""Synthetic audits of known truth for the robustness, confound and limits tests."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np
import pandas as pd

from biasprobe import AuditResult

VALUES = [f"v{i:02d}" for i in range(20)]
WORDINGS = [f"t{j}" for j in range(8)]


def scored_audit(score: Callable[[str, str], float]) -> AuditResult:
    """Every value in every wording, scored by ``score(template_id, value)``; one baseline each."""
    rows = [
        {"template_id": t, "group": "something", "is_baseline": True, "score": 0.5}
        for t in WORDINGS
    ]
    rows += [
        {"template_id": t, "group": v, "is_baseline": False, "score": score(t, v)}
        for t in WORDINGS
        for v in VALUES
    ]
    probes = pd.DataFrame(rows)
    probes.insert(0, "probe_id", range(len(probes)))
    probes["template"] = probes["template_id"] + " {group}."
    probes["text"] = probes["template_id"] + " " + probes["group"] + "."
    meta = {"slots": ["group"]}
    return AuditResult(probes=probes, slots=["group"], metadata=meta, seed=0, n_bootstrap=200)


def noise(t: str, v: str) -> float:
    rng = np.random.default_rng(zlib.crc32(f"{t}|{v}".encode()))
    return float(0.5 + rng.normal(0, 0.03))
