"""Group statistics: means with seeded bootstrap confidence intervals, and gaps."""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

BOOTSTRAP_CELL_LIMIT = 50_000_000  # n x B beyond which a normal-theory interval is used


@dataclass(frozen=True)
class Bootstrap:
    """Options for bootstrap intervals (percentile method)."""

    n_resamples: int = 2000
    confidence: float = 0.95
    seed: int = 0

    def rng(self, *key: str) -> np.random.Generator:
        """A generator seeded by ``seed`` and ``key``: the same group gets the same draws."""
        return np.random.default_rng([self.seed, *(zlib.crc32(k.encode()) for k in key)])

    @property
    def quantiles(self) -> tuple[float, float]:
        alpha = (1 - self.confidence) / 2
        return alpha, 1 - alpha


def bootstrap_means(values: np.ndarray, boot: Bootstrap, *key: str) -> np.ndarray:
    """``boot.n_resamples`` means of resamples (with replacement) of ``values``.

    Beyond ``BOOTSTRAP_CELL_LIMIT`` cells, draws from the normal approximation instead.
    """
    n = len(values)
    rng = boot.rng(*key)
    if n < 2:  # one value carries no sampling information: no interval
        return np.full(boot.n_resamples, np.nan)
    if n * boot.n_resamples > BOOTSTRAP_CELL_LIMIT:
        sem = values.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
        return rng.normal(values.mean(), sem, size=boot.n_resamples)
    idx = rng.integers(0, n, size=(boot.n_resamples, n))
    return values[idx].mean(axis=1)


def interval(replicates: np.ndarray, boot: Bootstrap) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.quantile(finite, boot.quantiles)
    return float(lo), float(hi)


def group_summary(
    probes: pd.DataFrame, slot: str, boot: Bootstrap
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Per value of ``slot``: n, mean, std, CI, delta to baseline and its CI.

    Also returns each group's bootstrap replicates of the mean (for gap intervals).
    """
    rows = []
    replicates: dict[str, np.ndarray] = {}
    for value, grp in probes.groupby(slot, sort=False):
        key = str(value)
        scores = grp["score"].to_numpy(dtype=float)
        reps = bootstrap_means(scores, boot, slot, key, "score")
        deltas = grp["delta"].to_numpy(dtype=float)
        deltas = deltas[np.isfinite(deltas)]
        d_lo, d_hi = interval(bootstrap_means(deltas, boot, slot, key, "delta"), boot)
        lo, hi = interval(reps, boot)
        replicates[key] = reps
        rows.append(
            {
                "slot": slot,
                "value": key,
                "n": len(scores),
                "mean": float(scores.mean()),
                "ci_low": lo,
                "ci_high": hi,
                "std": float(scores.std(ddof=1)) if len(scores) > 1 else float("nan"),
                "delta": float(deltas.mean()) if deltas.size else float("nan"),
                "delta_ci_low": d_lo,
                "delta_ci_high": d_hi,
            }
        )
    return pd.DataFrame(rows), replicates


def template_cluster_means(
    rows: pd.DataFrame, slot: str, boot: Bootstrap
) -> dict[str, np.ndarray] | None:
    """Each group's bootstrap means under a bootstrap that resamples whole templates.

    Every group sees the same template draws, so an effect that a wording has on all
    groups cancels in their differences: the design is paired by template. ``None``
    when there are fewer than two templates.
    """
    keyed = rows.assign(_group=rows[slot].astype(str))
    sums = keyed.pivot_table(index="_group", columns="template_id", values="score", aggfunc="sum")
    counts = keyed.pivot_table(
        index="_group", columns="template_id", values="score", aggfunc="count"
    )
    n_templates = sums.shape[1]
    if n_templates < 2:
        return None
    weights = boot.rng(slot, "templates").multinomial(
        n_templates, np.full(n_templates, 1 / n_templates), size=boot.n_resamples
    )
    s = sums.fillna(0).to_numpy()
    n = counts.reindex_like(sums).fillna(0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (weights @ s.T) / (weights @ n.T)
    return {str(g): means[:, i] for i, g in enumerate(sums.index)}


def gap_row(
    summary: pd.DataFrame, replicates: dict[str, np.ndarray], boot: Bootstrap
) -> dict[str, object]:
    """Gap (highest minus lowest group mean) and spread of one slot, with a bootstrap CI.

    ``replicates`` maps each group to its bootstrap means; with shared draws (from
    ``template_cluster_means``) the gap's CI respects the pairing by template.
    """
    ordered = summary.sort_values("mean", ascending=False)
    top, bottom = ordered.iloc[0], ordered.iloc[-1]
    matrix = np.vstack([replicates[str(v)] for v in ordered["value"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: no interval
        gap_reps = np.nanmax(matrix, axis=0) - np.nanmin(matrix, axis=0)
    lo, hi = interval(gap_reps, boot)
    return {
        "n_groups": len(ordered),
        "gap": float(top["mean"] - bottom["mean"]),
        "gap_ci_low": lo,
        "gap_ci_high": hi,
        "max_group": str(top["value"]),
        "max_mean": float(top["mean"]),
        "min_group": str(bottom["value"]),
        "min_mean": float(bottom["mean"]),
        "spread": float(ordered["mean"].std(ddof=1)) if len(ordered) > 1 else 0.0,
        "overall_mean": float(np.average(ordered["mean"], weights=ordered["n"])),
    }
