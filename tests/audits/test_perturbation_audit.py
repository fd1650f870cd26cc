"""--perturb: headline statistics across rewording families (synthetic scorer of known truth)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biasprobe
from biasprobe.audits._perturb import perturbation_summary, variant_headlines
from biasprobe.probes._template_set import load_template_set


def exclaimed_zed(texts: list[str]) -> np.ndarray:
    """Known truth: Zed scores 0.3 lower, but only in sentences ending with '!'."""
    return np.array([0.6 - 0.3 * ("Zed" in t and t.endswith("!")) for t in texts])


def test_a_wording_specific_gap_shows_in_the_spread(tmp_path: Path) -> None:
    (tmp_path / "lex.csv").write_text("value\nAmy\nBob\nZed\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        "name: s\nslots:\n  name: {lexicon: lex.csv, neutral: [someone, a person]}\n"
        "templates:\n  - {id: a, text: 'I met {name} today.'}\n"
        "  - {id: b, text: '{name} called.'}\n",
        encoding="utf-8",
    )
    tset = load_template_set(tmp_path / "s.yaml")

    def run(t: object) -> biasprobe.AuditResult:
        return biasprobe.audit(t, model=exclaimed_zed, cache=None, progress=False, n_bootstrap=50)

    headlines = variant_headlines(tset, run(tset), run)
    gaps = headlines.set_index("variant")["gap"]
    assert gaps["original"] == pytest.approx(0.0)
    assert gaps["punctuation"] == pytest.approx(0.3)
    assert headlines.set_index("variant").loc["punctuation", "min_group"] == "Zed"
    summary = perturbation_summary(headlines).iloc[0]
    assert summary["gap_max"] == pytest.approx(gaps.max())
    assert summary["gap_median"] == pytest.approx(gaps.median())
    assert summary["n_variants"] == len(headlines) - 1
    assert isinstance(headlines, pd.DataFrame)
