"""Bias against task quality: SST-2 accuracy/F1 intervals, Pareto front, multi-model table."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import biasprobe
from biasprobe.diffs._quality import pareto_front, task_quality
from biasprobe.report._quality_view import quality_lines, save_quality_figure


def test_accuracy_and_f1_against_independent_computations() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 872)
    p = np.where(rng.random(872) < 0.85, y, 1 - y)
    q = task_quality(y, p, n_bootstrap=2000, confidence=0.95, seed=0)
    assert q["accuracy"] == pytest.approx((y == p).mean())
    tp = ((p == 1) & (y == 1)).sum()
    assert q["f1"] == pytest.approx(2 * tp / ((p == 1).sum() + (y == 1).sum()))
    # the bootstrap interval of a proportion is close to the Wilson interval (statsmodels-free)
    ci = stats.binomtest(int((y == p).sum()), len(y)).proportion_ci(method="wilson")
    assert q["accuracy_ci_low"] == pytest.approx(ci.low, abs=0.006)
    assert q["accuracy_ci_high"] == pytest.approx(ci.high, abs=0.006)
    assert q["f1_ci_low"] < q["f1"] < q["f1_ci_high"]


def test_pareto_front_by_brute_force() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        g, a = rng.random(6).round(1), rng.random(6).round(1)
        got = pareto_front(g, a)
        for i in range(6):
            dominated = any(
                g[j] <= g[i] and a[j] >= a[i] and (g[j] < g[i] or a[j] > a[i]) for j in range(6)
            )
            assert got[i] == (not dominated)


def _score(text: str) -> float:
    return (zlib.crc32(text.encode()) % 1000) / 1000


def words(texts: list[str]) -> np.ndarray:
    """A scorer that knows a few sentiment words (so its SST-2 accuracy is above chance)."""
    good = ("good", "great", "best", "fun", "beautiful", "love")
    s = np.array([0.8 if any(w in t.lower() for w in good) else 0.3 for t in texts])
    return np.column_stack([1 - s, s])


def noise(texts: list[str]) -> np.ndarray:
    s = np.array([_score(t) for t in texts])
    return np.column_stack([1 - s, s])


@pytest.mark.slow
def test_multi_audit_quality_table_and_outputs(datasets_dir: Path, tmp_path: Path) -> None:
    multi = biasprobe.audit_models(
        "religion",
        models=[words, noise],
        utility_data=datasets_dir,
        cache=None,
        progress=False,
        n_bootstrap=300,
    )
    table = multi.quality
    assert table is not None and list(table["model"]) == ["callable_words", "callable_noise"]
    sst2 = biasprobe.load_sst2(data_dir=datasets_dir)
    for fn, row in zip((words, noise), table.itertuples(), strict=True):
        pred = (np.asarray(fn(sst2["text"].tolist()))[:, 1] > 0.5).astype(int)
        assert row.accuracy == pytest.approx((pred == sst2["label"]).mean())
        assert row.gap == pytest.approx(float(multi.audits[row.model].gap("religion")))
        assert row.accuracy_ci_low <= row.accuracy <= row.accuracy_ci_high
    expected = pareto_front(table["gap"].to_numpy(), table["accuracy"].to_numpy())
    assert list(table["pareto"]) == list(expected)
    out = multi.save(tmp_path / "m")
    back = pd.read_csv(out / "quality.csv")
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    png = save_quality_figure(table, out / "quality.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    md = "\n".join(quality_lines(table))
    assert "| callable_words | religion |" in md
