"""Subgroup AUCs (Borkan et al. 2019) on labelled sentences, with bootstrap intervals.

For a group ``g`` (the sentences that mention it) and the background (labelled sentences
that do not):

- subgroup AUC: the AUC on the sentences that mention ``g``;
- BPSN (background positive, subgroup negative): positives of the background and
  negatives of the subgroup; low when the model scores mentions of ``g`` too low;
- BNSP (background negative, subgroup positive): negatives of the background and
  positives of the subgroup; low when it scores mentions of ``g`` too high.

An AUC needs both classes: a metric is estimated only when each side it uses has at least
``min_count`` labelled sentences; otherwise the row says so (``note``) and holds no number.
Sentences are the resampling unit (each appears once). Intervals: the bootstrap SE with a
t interval, clipped to [0, 1]. The weighted AUC of a replicate counts, for each positive,
the weight of negatives scored below it (ties count half), so all replicates of a metric
come from one sort; scikit-learn is not a dependency, and scipy's ``mannwhitneyu`` gives
the point estimate the tests compare against.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from biasprobe.stats._design import rng_for
from biasprobe.stats._intervals import bootstrap_se, t_interval
from biasprobe.stats._slots import Options

MIN_COUNT = 10
METRICS = ("subgroup_auc", "bpsn_auc", "bnsp_auc")
_CHUNK = 50


def weighted_auc(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """AUC of ``scores`` for binary ``labels`` under each row of ``weights`` (``B x n``)."""
    order = np.argsort(scores, kind="stable")
    s, y, w = scores[order], labels[order].astype(bool), np.atleast_2d(weights)[:, order]
    # ties: group equal scores; each positive counts negatives strictly below + half of equal
    _, first, inverse = np.unique(s, return_index=True, return_inverse=True)
    neg = np.where(~y, w, 0.0)
    cum_neg = np.cumsum(neg, axis=1)
    below = np.concatenate([np.zeros((len(w), 1)), cum_neg], axis=1)[:, first][:, inverse]
    tie_neg = np.add.reduceat(neg, first, axis=1)[:, inverse]
    pos = np.where(y, w, 0.0)
    num = (pos * (below + 0.5 * tie_neg)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / (pos.sum(axis=1) * neg.sum(axis=1))


def _interval(
    scores: np.ndarray, labels: np.ndarray, opts: Options, key: str
) -> tuple[float, float, float]:
    estimate = float(weighted_auc(scores, labels, np.ones(len(scores)))[0])
    rng = rng_for(opts.seed, "auc", key)
    n = len(scores)
    reps = []
    for start in range(0, opts.n_resamples, _CHUNK):
        size = min(_CHUNK, opts.n_resamples - start)
        w = rng.multinomial(n, np.full(n, 1 / n), size=size).astype(float)
        reps.append(weighted_auc(scores, labels, w))
    se = bootstrap_se(np.concatenate(reps), n)
    lo, hi = t_interval(estimate, se, confidence=opts.confidence, n_clusters=n)
    return estimate, float(np.clip(lo, 0, 1)), float(np.clip(hi, 0, 1))


def subgroup_aucs(
    scores: np.ndarray,
    labels: np.ndarray,
    members: Mapping[str, np.ndarray],
    opts: Options,
    *,
    min_count: int = MIN_COUNT,
) -> pd.DataFrame:
    """One row per group and metric: counts, AUC and CI, or a note saying why not.

    ``members`` maps each group to a boolean mask over the sentences (mentions it).
    """
    y = np.asarray(labels).astype(bool)
    rows = []
    for group, mask in members.items():
        sub = np.asarray(mask, dtype=bool)
        sides = {
            "subgroup_auc": (sub & y, sub & ~y),
            "bpsn_auc": (~sub & y, sub & ~y),
            "bnsp_auc": (sub & y, ~sub & ~y),
        }
        for metric, (pos, neg) in sides.items():
            row: dict[str, object] = {
                "group": group,
                "metric": metric,
                "n_mentions": int(sub.sum()),
                "n_positive": int(pos.sum()),
                "n_negative": int(neg.sum()),
                "auc": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "note": "",
            }
            if min(pos.sum(), neg.sum()) < min_count:
                row["note"] = (
                    f"too few labelled sentences to estimate ({int(pos.sum())} positive, "
                    f"{int(neg.sum())} negative; need {min_count} of each)"
                )
            else:
                keep = pos | neg
                est, lo, hi = _interval(scores[keep], y[keep], opts, f"{group}|{metric}")
                row.update(auc=est, ci_low=lo, ci_high=hi)
                if est in (0.0, 1.0):
                    row["note"] = "perfect separation in this sample: the interval is degenerate"
            rows.append(row)
    return pd.DataFrame(rows)
