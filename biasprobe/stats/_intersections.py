"""Intersections of two crossed slots: cell means, interaction contrasts, omnibus test.

For slots ``a`` (e.g. person: man, woman) and ``b`` (e.g. nationality), a cell is one
``(a, b)`` pair; its mean is over the wordings, and wordings are the resampled clusters
(the cell fixes both slots). The interaction asks whether ``a``'s contrast changes
with ``b``: with two ``a`` groups the contrast at ``b`` is their signed difference
(``woman - man`` at Syria) and its interaction is that difference minus its mean over
``b``; with more ``a`` groups each group's difference from the others' mean is used.
Benjamini-Hochberg runs across the values of ``b``. The omnibus test is the mixed-model
F test of the ``a x b`` interaction against the ``a x b x wording`` residual (wordings
random), on the balanced cell-by-wording table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from biasprobe.stats._contrasts import bh, default_contrasts
from biasprobe.stats._design import Design, build_design, cluster_weights
from biasprobe.stats._intervals import bootstrap_se, logit_t_interval, t_interval, t_p_value
from biasprobe.stats._slots import Options


def _cells(rows: pd.DataFrame, a: str, b: str, opts: Options) -> tuple[Design, np.ndarray]:
    rows = rows[rows[a].notna() & rows[b].notna()]
    design = build_design(rows, a, others=[b])
    g, t, o = design.shape
    w = cluster_weights(t, 1, n_resamples=opts.n_resamples, seed=opts.seed, key=f"cells|{a}|{b}")
    flat = lambda x: x.transpose(1, 0, 2).reshape(t, g * o)  # noqa: E731
    with np.errstate(invalid="ignore", divide="ignore"):
        reps = (w.wordings @ flat(design.sums)) / (w.wordings @ flat(design.counts))
    return design, reps.reshape(-1, g, o)


def cell_table(rows: pd.DataFrame, a: str, b: str, opts: Options) -> pd.DataFrame:
    """One row per cell: n, mean, se and interval (clusters: wordings)."""
    design, reps = _cells(rows, a, b, opts)
    g, t, o = design.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        means = design.sums.sum(axis=1) / design.counts.sum(axis=1)
    se = bootstrap_se(reps.reshape(len(reps), -1), t).reshape(g, o)
    interval = logit_t_interval if opts.logit else t_interval
    lo, hi = interval(means, se, confidence=opts.confidence, n_clusters=t)
    return pd.DataFrame(
        {
            "slot_a": a,
            "value_a": np.repeat(design.groups, o),
            "slot_b": b,
            "value_b": np.tile(design.others, g),
            "n": design.counts.sum(axis=1).ravel().astype(int),
            "mean": means.ravel(),
            "se": se.ravel(),
            "ci_low": lo.ravel(),
            "ci_high": hi.ravel(),
            "n_wordings": t,
        }
    )


def interaction_table(rows: pd.DataFrame, a: str, b: str, opts: Options) -> pd.DataFrame:
    """Per value of ``b`` (and contrast of ``a``): the contrast, its interaction, CIs, BH.

    The last row (``value_b == "all"``) is the omnibus F test; ``attrs`` holds it too.
    """
    design, reps = _cells(rows, a, b, opts)
    t = design.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = design.sums.sum(axis=1) / design.counts.sum(axis=1)
    weights = default_contrasts(design.groups)
    frames = []
    for name, w in weights.items():
        diff, diff_reps = w @ means, np.einsum("g,bgo->bo", w, reps)
        inter = diff - np.nanmean(diff)
        inter_reps = diff_reps - np.nanmean(diff_reps, axis=1, keepdims=True)
        frames.append(
            pd.DataFrame(
                {
                    "slot_a": a,
                    "slot_b": b,
                    "value_b": design.others,
                    "contrast": name,
                    **_inference("difference", diff, diff_reps, t, opts),
                    **_inference("interaction", inter, inter_reps, t, opts),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    f, df1, df2, p = omnibus_interaction(design.cell_means)
    omnibus = {
        "slot_a": a,
        "slot_b": b,
        "value_b": "all",
        "contrast": "omnibus F",
        "interaction": f,
        "interaction_p": p,
        "df1": df1,
        "df2": df2,
    }
    table = pd.concat([table, pd.DataFrame([omnibus])], ignore_index=True)
    table.attrs.update(F=f, df1=df1, df2=df2, p_value=p)
    return table


def _inference(
    name: str, est: np.ndarray, reps: np.ndarray, n: int, opts: Options
) -> dict[str, np.ndarray]:
    se = bootstrap_se(reps, n)
    lo, hi = t_interval(est, se, confidence=opts.confidence, n_clusters=n)
    p = t_p_value(est, se, n)
    return {
        name: est,
        f"{name}_ci_low": lo,
        f"{name}_ci_high": hi,
        f"{name}_p": p,
        f"{name}_p_adjusted": bh(p),
    }


def omnibus_interaction(cells: np.ndarray) -> tuple[float, int, int, float]:
    """F test of the a x b interaction in an ``a x wording x b`` table of cell means
    (one value per cell, wordings random): ``MS(ab) / MS(ab x wording)``.

    Returns ``(F, df1, df2, p)``; NaN when the table has empty cells or too few levels.
    """
    g, t, o = cells.shape
    if g < 2 or o < 2 or t < 2 or not np.isfinite(cells).all():
        return float("nan"), 0, 0, float("nan")
    y = cells.transpose(0, 2, 1)  # a x b x t
    m = y.mean()
    ma, mb, mt = y.mean(axis=(1, 2)), y.mean(axis=(0, 2)), y.mean(axis=(0, 1))
    mab, mat, mbt = y.mean(axis=2), y.mean(axis=1), y.mean(axis=0)
    ab = mab - ma[:, None] - mb[None, :] + m
    resid = (
        y
        - mab[:, :, None]
        - mat[:, None, :]
        - mbt[None, :, :]
        + ma[:, None, None]
        + mb[None, :, None]
        + mt[None, None, :]
        - m
    )
    df1, df2 = (g - 1) * (o - 1), (g - 1) * (o - 1) * (t - 1)
    ms_ab, ms_res = t * float((ab**2).sum()) / df1, float((resid**2).sum()) / df2
    if ms_res <= 0:
        return float("nan"), df1, df2, float("nan")
    f = ms_ab / ms_res
    from scipy import stats  # here: importing scipy.stats costs ~0.5 s (readers skip it)

    return f, df1, df2, float(stats.f.sf(f, df1, df2))
