"""Contrasts between groups: signed differences with cluster intervals, p-values and BH.

A contrast is a weighted sum of group means whose weights sum to zero: ``woman - man``,
"low income countries - high income countries", "Syria - mean of all countries". Its
replicates come from the same cluster-bootstrap weights as the group means, so the
interval follows the design (wordings, other slots' values); the p-value is the t test
that the interval inverts, so ``p < 1 - confidence`` exactly when the interval excludes
zero. Benjamini-Hochberg across a slot's contrasts (``bh``) gives what
``scipy.stats.false_discovery_control`` gives (tested), without importing scipy.stats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from biasprobe._errors import UsageError
from biasprobe.stats._intervals import bootstrap_se, mde, t_interval, t_p_value
from biasprobe.stats._paired import benjamini_hochberg

Side = str | Sequence[str]
ContrastSpec = Mapping[str, tuple[Side, Side]]

CONTRAST_COLUMNS = (
    "slot",
    "contrast",
    "kind",
    "estimate",
    "ci_low",
    "ci_high",
    "se",
    "p_value",
    "p_adjusted",
    "mde",
    "n_wordings",
)


def default_contrasts(groups: Sequence[str]) -> dict[str, np.ndarray]:
    """Two groups: the signed difference (later minus earlier in sorted order, e.g.
    ``woman - man``). More: each group minus the mean of the others."""
    k = len(groups)
    if k < 2:
        return {}
    if k == 2:
        lo, hi = sorted(range(2), key=lambda i: groups[i])
        w = np.zeros(2)
        w[hi], w[lo] = 1.0, -1.0
        return {f"{groups[hi]} - {groups[lo]}": w}
    out = {}
    for i, g in enumerate(groups):
        w = np.full(k, -1.0 / (k - 1))
        w[i] = 1.0
        out[f"{g} - others"] = w
    return out


def named_contrasts(
    spec: ContrastSpec, groups: Sequence[str], metadata: pd.DataFrame | None = None
) -> dict[str, np.ndarray]:
    """Weights for named contrasts ``{name: (side_a, side_b)}``.

    A side is a group value, a list of values, or ``"COLUMN=VALUE"`` selecting every group
    whose metadata column (e.g. ``income`` of countries) has that value. Each side is the
    unweighted mean of its groups. A contrast with a side that selects no group of this
    audit (a lexicon filtered by ``where``) is left out.
    """
    out = {}
    for name, (a, b) in spec.items():
        side_a, side_b = _side(a, groups, metadata, name), _side(b, groups, metadata, name)
        if side_a.any() and side_b.any():  # a side with no group here (filtered lexicon): skip
            out[name] = side_a - side_b
    return out


def _side(side: Side, groups: Sequence[str], meta: pd.DataFrame | None, name: str) -> np.ndarray:
    values = [side] if isinstance(side, str) else list(side)
    chosen: set[str] = set()
    for v in values:
        if v in groups:
            chosen.add(v)
        elif "=" in v and meta is not None:
            col, _, want = v.partition("=")
            if col not in meta.columns:
                cols = ", ".join(c for c in meta.columns if c != "value")
                raise UsageError(f"contrast {name!r}: no group column {col!r}; columns: {cols}")
            chosen |= set(meta.loc[meta[col].astype(str) == want, "value"].astype(str))
        else:
            shown = ", ".join(list(groups)[:8])
            raise UsageError(
                f"contrast {name!r}: {v!r} is neither a group nor COLUMN=VALUE; "
                f"groups: {shown}, ..."
            )
    picked = [i for i, g in enumerate(groups) if g in chosen]
    w = np.zeros(len(groups))
    if not picked:
        return w
    w[picked] = 1.0 / len(picked)
    return w


def contrast_table(
    slot: str,
    means: np.ndarray,
    replicates: np.ndarray,
    weights: Mapping[str, np.ndarray],
    *,
    kind: str,
    confidence: float,
    n_clusters: int,
    resample_sides: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per contrast: estimate, t interval, p-value, BH-adjusted p, MDE.

    ``resample_sides``: a side that averages several groups (low-income countries) is a
    sample of such groups, so its groups are resampled too (stratified by side, on top of
    the shared wording draws): the interval then speaks of low- vs high-income countries,
    not only of these ones.
    """
    if not weights:
        return pd.DataFrame(columns=list(CONTRAST_COLUMNS))
    w = np.vstack(list(weights.values()))  # K x G
    est = w @ means
    filled = np.where(np.isfinite(replicates), replicates, 0.0)
    if resample_sides:
        rng = np.random.default_rng([seed, 13])
        reps = np.column_stack([_side_replicates(filled, row, rng) for row in w])
    else:
        reps = filled @ w.T
    reps[~np.isfinite(replicates).all(axis=1)] = np.nan
    se = bootstrap_se(reps, n_clusters)
    lo, hi = t_interval(est, se, confidence=confidence, n_clusters=n_clusters)
    p = t_p_value(est, se, n_clusters)
    return pd.DataFrame(
        {
            "slot": slot,
            "contrast": list(weights),
            "kind": kind,
            "estimate": est,
            "ci_low": lo,
            "ci_high": hi,
            "se": se,
            "p_value": p,
            "p_adjusted": bh(p),
            "mde": mde(se, confidence=confidence, n_clusters=n_clusters),
            "n_wordings": n_clusters,
        }
    )


def _side_replicates(reps: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replicates of ``w @ means`` with each side's groups resampled (multinomial counts)."""
    out = np.zeros(len(reps))
    for sign in (1.0, -1.0):
        idx = np.flatnonzero(np.sign(w) == sign)
        if len(idx) < 2:
            out += reps[:, idx] @ w[idx]
            continue
        counts = rng.multinomial(len(idx), np.full(len(idx), 1 / len(idx)), size=len(reps))
        out += (counts * reps[:, idx]) @ w[idx]
    return out


def bh(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; NaN stays NaN and is not counted.

    ``_paired.benjamini_hochberg`` (tested against ``scipy.stats.false_discovery_control``
    and statsmodels): importing ``scipy.stats`` for it cost 0.8 s of every audit."""
    return benjamini_hochberg(p_values)


def rank_intervals(replicates: np.ndarray, *, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals of each group's rank (1 = highest mean) over the replicates."""
    filled = np.where(np.isfinite(replicates), replicates, -np.inf)
    ranks = (-filled).argsort(axis=1).argsort(axis=1) + 1
    alpha = (1 - confidence) / 2
    lo = np.quantile(ranks, alpha, axis=0, method="lower")
    hi = np.quantile(ranks, 1 - alpha, axis=0, method="higher")
    return lo.astype(float), hi.astype(float)
