"""Bias against task quality: each model's headline bias beside its SST-2 dev accuracy/F1.

Estimands: a model's accuracy and F1 on the 872 SST-2 dev sentences (positive class: the
score label; predicted label: the arg-max), with percentile bootstrap intervals over
sentences (``scipy.stats.bootstrap``, paired resampling of label and prediction for F1);
next to each slot's gap (highest minus lowest group mean) with the audit's cluster
interval. A model is on the Pareto front of a slot when no other model has both a gap at
most as large and an accuracy at least as high, one of them strictly (point estimates;
the intervals show how firm that ordering is).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from biasprobe.audits._result import AuditResult
from biasprobe.scoring._score_texts import score_texts

QUALITY_COLUMNS = (
    "model",
    "slot",
    "gap",
    "gap_ci_low",
    "gap_ci_high",
    "accuracy",
    "accuracy_ci_low",
    "accuracy_ci_high",
    "f1",
    "f1_ci_low",
    "f1_ci_high",
    "n_sentences",
    "pareto",
)


def sst2_predictions(scorer: Any, sst2: pd.DataFrame, *, cache: Any) -> np.ndarray:
    """1 where the scorer's arg-max label is its score label, per SST-2 sentence."""
    scores = score_texts(sst2["text"].tolist(), scorer=scorer, cache=cache, progress=False)
    probs = scores[[f"p_{label}" for label in scorer.labels]].to_numpy()
    return (np.asarray(scorer.labels)[probs.argmax(axis=1)] == scorer.score_label).astype(int)


def _f1(labels: np.ndarray, preds: np.ndarray, axis: int = -1) -> np.ndarray:
    tp = ((preds == 1) & (labels == 1)).sum(axis=axis)
    den = (preds == 1).sum(axis=axis) + (labels == 1).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 2 * tp / np.maximum(den, 1), np.nan)


def task_quality(
    labels: Any, preds: Any, *, n_bootstrap: int, confidence: float, seed: int
) -> dict[str, float]:
    """Accuracy and F1 with percentile bootstrap intervals over sentences.

    Examples
    --------
    >>> labels, preds = [0, 1] * 50, [0, 1] * 45 + [1, 0] * 5
    >>> q = task_quality(labels, preds, n_bootstrap=200, confidence=0.9, seed=0)
    >>> q["accuracy"], round(q["f1"], 3), q["accuracy_ci_low"] < 0.9 < q["accuracy_ci_high"]
    (0.9, 0.9, True)
    """
    y, p = np.asarray(labels, dtype=int), np.asarray(preds, dtype=int)
    correct = (y == p).astype(float)
    opts = {"n_resamples": n_bootstrap, "confidence_level": confidence, "method": "percentile"}
    acc = stats.bootstrap((correct,), np.mean, rng=np.random.default_rng(seed), **opts)
    f1 = stats.bootstrap(
        (y, p), _f1, paired=True, vectorized=True, rng=np.random.default_rng(seed), **opts
    )
    return {
        "accuracy": float(correct.mean()),
        "accuracy_ci_low": float(acc.confidence_interval.low),
        "accuracy_ci_high": float(acc.confidence_interval.high),
        "f1": float(_f1(y, p)),
        "f1_ci_low": float(f1.confidence_interval.low),
        "f1_ci_high": float(f1.confidence_interval.high),
        "n_sentences": len(y),
    }


def pareto_front(gap: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """True for the models no other model dominates (gap lower-or-equal and accuracy
    higher-or-equal, one strictly).

    >>> pareto_front(np.array([0.1, 0.2, 0.3]), np.array([0.8, 0.9, 0.85])).tolist()
    [True, True, False]
    """
    g, a = np.asarray(gap, dtype=float), np.asarray(accuracy, dtype=float)
    out = []
    for i in range(len(g)):
        better = (g <= g[i]) & (a >= a[i]) & ((g < g[i]) | (a > a[i]))
        out.append(not better.any())
    return np.array(out, dtype=bool)


def quality_table(
    audits: Mapping[str, AuditResult], quality: Mapping[str, Mapping[str, float]]
) -> pd.DataFrame:
    """One row per model and slot: the slot's gap with CI, task quality with CIs, Pareto."""
    rows = []
    for name, result in audits.items():
        for g in result.summary().itertuples():
            rows.append(
                {
                    "model": name,
                    "slot": g.slot,
                    "gap": g.gap,
                    "gap_ci_low": g.gap_ci_low,
                    "gap_ci_high": g.gap_ci_high,
                    **quality[name],
                }
            )
    table = pd.DataFrame(rows)
    table["pareto"] = False
    for _, part in table.groupby("slot", sort=False):
        front = pareto_front(part["gap"].to_numpy(), part["accuracy"].to_numpy())
        table.loc[part.index, "pareto"] = front
    return table.reindex(columns=list(QUALITY_COLUMNS))
