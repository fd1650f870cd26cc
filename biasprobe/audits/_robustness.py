"""Wording robustness of an audit's findings: does the named extreme hold in every wording?

An audit names the lowest and highest group of each slot over all wordings. Each wording
(template) is a separate, equally valid measurement, so a finding is only as good as its
agreement across wordings. Estimands, per slot:

- per wording: each value's mean score and its rank (1 = lowest) among the slot's values;
- per value: the share of wordings that put it in the bottom-k (top-k), the number of
  wordings where it lies below (above) that wording's median value ("sign agreement",
  a deviation from the median group, so it does not hang on one neutral filler), and
  the range of its ranks across wordings;
- per slot: Kendall's tau-b between every pair of wordings (``pairwise_tau``),
  Kendall's W over all wordings, and the overlap of each wording's bottom-k / top-k
  with the overall bottom-k / top-k.

Rule (``ROBUST_RULE``): an extreme is *robust* when it is in the bottom-k (for the
minimum; top-k for the maximum) of at least ``share`` (default 80%) of wordings and lies
on the same side of the wording's median in all wordings but at most one. With one
wording nothing is robust: there is nothing to agree.

Kendall's W is computed here (scipy has no coefficient of concordance); it is checked
in the tests against its identity with the mean pairwise Spearman correlation. Kendall's
tau-b is computed here too (over all pairs, n is at most a few hundred values): the
report reads these tables, and ``scipy.stats.kendalltau`` would cost it the import of
``scipy.stats`` (about half a second); the tests check it against ``scipy.stats.kendalltau``.
"""

from __future__ import annotations

import functools
from itertools import combinations
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import special


class AuditResult(Protocol):
    """What this module reads of an audit (``biasprobe.AuditResult``; a protocol, so that
    the result's accessors can call this module without an import loop)."""

    slots: list[str]

    def per_template(self, slot: str | None = None) -> pd.DataFrame: ...
    def by_group(self, slot: str | None = None) -> pd.DataFrame: ...
    def summary(self) -> pd.DataFrame: ...


DEFAULT_SHARE = 0.8
EDGE_N = 20  # values at each end of the table whose order ``tau_top``/``tau_bottom`` check
ROBUST_RULE = (
    "robust: in the bottom-k (top-k for the maximum) of >= {share:.0%} of wordings and on "
    "the same side of the wording's median group in all wordings but at most one"
)


def default_k(n_values: int) -> int:
    """Size of the bottom/top set: 5, or a quarter of the values when there are fewer than 20."""
    return int(min(5, max(1, n_values // 4)))


def wording_means(result: AuditResult, slot: str) -> pd.DataFrame:
    """Values x wordings table of mean scores (only values present in every wording)."""
    table = result.per_template(slot).pivot(index="value", columns="template_id", values="mean")
    return table.dropna(axis=0, how="any")


def wording_ranks(result: AuditResult, slot: str) -> pd.DataFrame:
    """Long table: slot, value, template_id, mean, rank (1 = lowest), relative (mean minus
    the wording's median value)."""
    means = wording_means(result, slot)
    ranks = means.rank(axis=0, method="average")
    relative = means - means.median(axis=0)
    out = pd.concat(
        {"mean": means.stack(), "rank": ranks.stack(), "relative": relative.stack()}, axis=1
    ).reset_index()
    out.insert(0, "slot", slot)
    return out


def value_stability(result: AuditResult, slot: str, *, k: int | None = None) -> pd.DataFrame:
    """Per value: its ranks across wordings (1 = lowest) and how often it is an extreme.

    Columns: slot, value, n_wordings, mean, rank_min, rank_median, rank_max,
    share_bottom_k, share_top_k, share_lowest, share_highest (share of wordings where it is
    the single extreme), n_below_median, n_above_median, k.
    """
    means = wording_means(result, slot)
    kk = default_k(len(means)) if k is None else k
    ranks = means.rank(axis=0, method="average")
    n_values = len(means)
    relative = means - means.median(axis=0)
    out = pd.DataFrame(
        {
            "slot": slot,
            "value": means.index.astype(str),
            "n_wordings": means.shape[1],
            "mean": means.mean(axis=1).to_numpy(),
            "rank_min": ranks.min(axis=1).to_numpy(),
            "rank_median": ranks.median(axis=1).to_numpy(),
            "rank_max": ranks.max(axis=1).to_numpy(),
            "share_bottom_k": (ranks <= kk).mean(axis=1).to_numpy(),
            "share_top_k": (ranks > n_values - kk).mean(axis=1).to_numpy(),
            "share_lowest": (ranks == ranks.min(axis=0)).mean(axis=1).to_numpy(),
            "share_highest": (ranks == ranks.max(axis=0)).mean(axis=1).to_numpy(),
            "n_below_median": (relative < 0).sum(axis=1).to_numpy(),
            "n_above_median": (relative > 0).sum(axis=1).to_numpy(),
            "k": kk,
        }
    )
    return out.sort_values("mean").reset_index(drop=True)


def kendall_w(ranks: np.ndarray) -> float:
    """Kendall's coefficient of concordance of an (items x raters) rank matrix, with the
    tie correction; 1 = all raters agree, 0 = no agreement."""
    n, m = ranks.shape
    if n < 2 or m < 2:
        return float("nan")
    r = ranks.sum(axis=1)
    s = float(((r - r.mean()) ** 2).sum())
    ties = 0.0
    for j in range(m):
        _, counts = np.unique(ranks[:, j], return_counts=True)
        ties += float((counts**3 - counts).sum())
    denom = m**2 * (n**3 - n) - m * ties
    return s * 12 / denom if denom > 0 else float("nan")


def wording_agreement(result: AuditResult, slot: str, *, k: int | None = None) -> pd.DataFrame:
    """One row: how well the wordings agree on the ordering of the slot's values.

    Columns: slot, n_wordings, n_values, k, tau_mean, tau_min (Kendall's tau over pairs of
    wordings), tau_bottom, tau_top (the same among the overall lowest / highest 20 values),
    kendall_w, w_p_value, bottom_k_overlap and top_k_overlap (mean share of each
    wording's bottom/top-k that is in the overall one),
    bottom_k_same (share of wordings whose bottom-k set equals the overall one).
    """
    means = wording_means(result, slot)
    n, m = means.shape
    kk = default_k(n) if k is None else k
    taus = pairwise_tau(means.to_numpy(float))
    ranks = means.rank(axis=0, method="average").to_numpy()
    w = kendall_w(ranks)
    chi2 = m * (n - 1) * w
    overall = means.mean(axis=1).sort_values()
    ends = min(EDGE_N, n)
    bottom, top = set(overall.index[:kk]), set(overall.index[-kk:])
    low_sets = [set(means[c].nsmallest(kk).index) for c in means]
    high_sets = [set(means[c].nlargest(kk).index) for c in means]
    row = {
        "slot": slot,
        "n_wordings": m,
        "n_values": n,
        "k": kk,
        "tau_mean": _mean(taus),
        "tau_min": float(np.min(taus)) if taus else float("nan"),
        "tau_bottom": _mean(pairwise_tau(means.loc[overall.index[:ends]].to_numpy(float))),
        "tau_top": _mean(pairwise_tau(means.loc[overall.index[-ends:]].to_numpy(float))),
        "kendall_w": w,
        "w_p_value": float(special.chdtrc(n - 1, chi2)) if np.isfinite(w) else float("nan"),
        "bottom_k_overlap": float(np.mean([len(s & bottom) / kk for s in low_sets])),
        "top_k_overlap": float(np.mean([len(s & top) / kk for s in high_sets])),
        "bottom_k_same": float(np.mean([s == bottom for s in low_sets])),
    }
    return pd.DataFrame([row])


def pairwise_tau(x: np.ndarray) -> list[float]:
    """Kendall's tau-b of every pair of columns of ``x`` (values x wordings), in
    ``combinations`` order, as ``scipy.stats.kendalltau`` gives it: (concordant -
    discordant) pairs over the square roots of the pairs untied in each column; NaN for a
    constant column or one with a NaN. The signs of all value pairs are taken once per
    column and multiplied as one matrix product (sums of +-1 and 0: exact)."""
    if x.shape[1] < 2:
        return []
    i, j = _pairs(len(x))
    signs = np.nan_to_num(np.sign(x[i] - x[j]))  # value pairs x columns
    dots = signs.T @ signs
    untied = np.count_nonzero(signs, axis=0)
    bad = np.isnan(x).any(axis=0) | (untied == 0)
    return [
        float("nan")
        if bad[a] or bad[b]
        else float(dots[a, b] / np.sqrt(untied[a]) / np.sqrt(untied[b]))
        for a, b in combinations(range(x.shape[1]), 2)
    ]


@functools.lru_cache(maxsize=4)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n, 1)


def _mean(values: list[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]  # tau is NaN for a constant wording
    return float(np.mean(finite)) if finite else float("nan")


def robustness(
    result: AuditResult,
    slot: str | None = None,
    *,
    k: int | None = None,
    share: float = DEFAULT_SHARE,
) -> pd.DataFrame:
    """The named extremes of each slot and whether they survive a change of wording.

    Parameters
    ----------
    result
        An audit.
    slot
        One slot, or every slot of the audit.
    k
        Size of the bottom/top set (default ``min(5, n_values // 4)``, at least 1).
    share
        Share of wordings that must put the extreme in its bottom/top-k.

    Returns
    -------
    pandas.DataFrame
        One row per slot and extreme (``min``, ``max``): value, mean, n_wordings, k,
        share_in_k, share_extreme (wordings where it is the single extreme), sign_agree
        (wordings on the extreme's side of the median), rank_min,
        rank_max (across wordings, 1 = lowest), boot_rank_low/high (bootstrap rank
        interval, 1 = lowest), tau_mean, kendall_w, robust, claim (what may be said), rule.
    """
    slots = result.slots if slot is None else [slot]
    rows = [row for s in slots for row in _slot_rows(result, s, k=k, share=share)]
    return pd.DataFrame(rows)


def _slot_rows(
    result: AuditResult, slot: str, *, k: int | None, share: float
) -> list[dict[str, Any]]:
    stab = value_stability(result, slot, k=k).set_index("value")
    agree = wording_agreement(result, slot, k=k).iloc[0]
    head = result.summary().set_index("slot").loc[slot]
    groups = result.by_group(slot).set_index("value")
    n_values = len(groups)
    rows = []
    for side, value in (("min", str(head["min_group"])), ("max", str(head["max_group"]))):
        if value not in stab.index:
            continue
        s = stab.loc[value].to_dict()
        m = int(s["n_wordings"])
        in_k = s["share_bottom_k"] if side == "min" else s["share_top_k"]
        sign = s["n_below_median"] if side == "min" else s["n_above_median"]
        first = s["share_lowest"] if side == "min" else s["share_highest"]
        robust = bool(m >= 2 and in_k >= share and sign >= m - 1)
        g = groups.loc[value].to_dict()
        rows.append(
            {
                "slot": slot,
                "extreme": side,
                "value": value,
                "mean": float(s["mean"]),
                "n_wordings": m,
                "k": int(s["k"]),
                "share_in_k": float(in_k),
                "share_extreme": float(first),
                "sign_agree": int(sign),
                "rank_min": float(s["rank_min"]),
                "rank_max": float(s["rank_max"]),
                "boot_rank_low": _flip(g.get("rank_ci_high"), n_values),
                "boot_rank_high": _flip(g.get("rank_ci_low"), n_values),
                "tau_mean": float(agree["tau_mean"]),
                "kendall_w": float(agree["kendall_w"]),
                "robust": robust,
                "claim": _claim(side, robust=robust, first=first, share=share, k=int(s["k"])),
                "rule": ROBUST_RULE.format(share=share),
            }
        )
    return rows


def _claim(side: str, *, robust: bool, first: float, share: float, k: int) -> str:
    word = "lowest" if side == "min" else "highest"
    if not robust:
        return f"not robust across wordings: do not name it the {word}"
    if first >= share:
        return f"the {word} in most wordings"
    return f"among the {k} {word}, but the {word} in only {first:.0%} of wordings"


def _flip(rank_from_top: Any, n: int) -> float:
    # by_group ranks 1 = highest; here 1 = lowest
    if rank_from_top is None or pd.isna(rank_from_top):
        return float("nan")
    return float(n + 1 - float(rank_from_top))
