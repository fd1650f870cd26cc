"""Group effects adjusted for lexical confounds, and the findings those confounds could explain.

Unit of analysis: the slot value (each value's audit mean is one observation; values, not
probes, are the units of a group comparison). Estimands:

- ``raw``: difference of the mean of value means between a group and the reference group
  (the group with the highest mean), OLS ``mean ~ C(group)``;
- ``pieces``, ``bare_score``, ``pieces+bare_score``: the same difference adjusted for the
  number of word pieces and/or the bare-term score (OLS with the covariates);
- ``strata:pieces``: within matched strata, i.e. with a fixed effect per number of word
  pieces, over the strata that hold values of more than one group.

Intervals follow the audit's design, as the inference layer's named contrasts do: the
values of each group are a sample of such values and the wordings a sample of wordings,
so both are resampled (values within their group, wordings shared; a two-way cluster
bootstrap) and the OLS is refitted on each replicate's value means (weighted by the
values' resampling counts); the interval is the estimate -/+ t(n_wordings - 1) x the
bootstrap SE. statsmodels' HC3 errors treat value means as independent and miss the
wording x group variation (for AA - EA names [-0.135, -0.058] against [-0.181, -0.012] from
the audit's own contrast); it has no crossed-cluster bootstrap, hence this code. Without
the per-wording cells (``cells=None``) the HC3 interval is given, and ``interval`` says so.

The design matrix is built here (intercept, treatment dummies of the group with the
reference left out, the covariates, treatment dummies of ``n_pieces`` for the strata) and
the coefficients come from ``numpy.linalg.lstsq``; tests check them against statsmodels'
formula OLS. statsmodels (HC3) and ``scipy.stats`` are imported only for the fallback
interval: importing them cost 1.1 s of every audit (issue 17: a warm audit in < 3 s). The
Spearman correlations are Pearson's on average ranks with the t-distribution p-value, as
``scipy.stats.spearmanr`` computes them (tested against it).

A group effect whose raw interval excludes 0 is flagged as one the confounds could explain
when an adjustment puts 0 inside its interval or shrinks the effect by half or more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special

if TYPE_CHECKING:
    from biasprobe.audits._result import AuditResult

GROUP_COLUMNS = ("perceived_ethnicity", "income_group", "gender", "category")
ADJUSTMENTS: dict[str, tuple[str, ...]] = {  # the covariates; "C(...)": one dummy per level
    "raw": (),
    "pieces": ("n_pieces",),
    "bare_score": ("bare_score",),
    "pieces+bare_score": ("n_pieces", "bare_score"),
    "strata:pieces": ("C(n_pieces)",),
}
SHRINK = 0.5  # an adjustment that removes this share of the raw effect explains it
COVARIATES = ("n_pieces", "bare_score", "frame_score", "corpus_positive_share")


def default_group(result: AuditResult, slot: str) -> str | None:
    """The metadata column that groups the slot's values (first of ``GROUP_COLUMNS`` with
    two or more levels of at least two values each), or ``None``."""
    groups = result.by_group(slot)
    for col in GROUP_COLUMNS:
        if col in groups.columns:
            sizes = groups[col].dropna().value_counts()
            if len(sizes) >= 2 and (sizes >= 2).all():
                return col
    return None


def associations(terms: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation of the value means with each lexical covariate.

    Columns: slot, covariate, rho, p_value, n_values.
    """
    rows = []
    for cov in COVARIATES:
        both = terms[["mean", cov]].dropna()
        if len(both) < 3 or both[cov].nunique() < 2 or both["mean"].nunique() < 2:
            continue
        rho, p_value = spearman(both["mean"].to_numpy(float), both[cov].to_numpy(float))
        rows.append(
            {
                "slot": terms["slot"].iloc[0],
                "covariate": cov,
                "rho": rho,
                "p_value": p_value,
                "n_values": len(both),
            }
        )
    return pd.DataFrame(rows, columns=["slot", "covariate", "rho", "p_value", "n_values"])


def spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman's rho (Pearson's r of average ranks) and its two-sided p-value from
    t = rho sqrt((n - 2) / (1 - rho^2)) on n - 2 degrees of freedom, as
    ``scipy.stats.spearmanr`` gives them."""
    rx = pd.Series(x).rank(method="average").to_numpy()
    ry = pd.Series(y).rank(method="average").to_numpy()
    rho = np.clip(np.corrcoef(rx, ry)[0, 1], -1.0, 1.0)
    df = len(x) - 2
    with np.errstate(divide="ignore", invalid="ignore"):  # |rho| = 1: t infinite, p = 0
        t = rho * np.sqrt(df / ((1.0 - rho) * (1.0 + rho)))
    return float(rho), float(2 * special.stdtr(df, -abs(t)))


def group_effects(
    terms: pd.DataFrame,
    *,
    confidence: float = 0.95,
    cells: pd.DataFrame | None = None,
    n_resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Each group minus the reference group, raw and adjusted for the lexical confounds.

    ``cells``: the audit's scored probes of the slot (columns ``value``, ``template_id``,
    ``score``), for intervals that resample wordings and values (module docstring).

    Columns: slot, contrast, adjustment, estimate, ci_low, ci_high, p_value, n_values,
    n_wordings, interval. Empty when ``terms`` has no group column.
    """
    cols = ["slot", "contrast", "adjustment", "estimate", "ci_low", "ci_high", "p_value"]
    cols += ["n_values", "n_wordings", "interval"]
    data = terms.dropna(subset=["group"]) if "group" in terms else terms.iloc[:0]
    if data.empty or data["group"].nunique() < 2:
        return pd.DataFrame(columns=cols)
    ref = str(data.groupby("group")["mean"].mean().idxmax())
    rows = []
    for name, covariates in ADJUSTMENTS.items():
        fit_data = _fit_data(data, name, covariates)
        if fit_data is None:
            continue
        boot = (
            _Bootstrap(fit_data, cells, n_resamples=n_resamples, seed=seed, key=name)
            if cells is not None
            else None
        )
        rows += _fit(
            fit_data, ref=ref, covariates=covariates, name=name, confidence=confidence, boot=boot
        )
    return pd.DataFrame(rows, columns=cols)


class _Bootstrap:
    """Two-way cluster bootstrap of OLS coefficients on value means (wordings x values)."""

    def __init__(
        self, data: pd.DataFrame, cells: pd.DataFrame, *, n_resamples: int, seed: int, key: str
    ) -> None:
        from biasprobe.stats._design import rng_for

        values = data["value"].astype(str).tolist()
        part = cells[cells["value"].astype(str).isin(values)]
        sums = part.pivot_table(
            index="value", columns="template_id", values="score", aggfunc="sum", fill_value=0.0
        )
        counts = part.pivot_table(
            index="value", columns="template_id", values="score", aggfunc="count", fill_value=0
        )
        self.sums = sums.reindex(values).fillna(0.0).to_numpy(dtype=float)
        self.counts = counts.reindex(values).fillna(0).to_numpy(dtype=float)
        self.n_wordings = self.sums.shape[1]
        rng = rng_for(seed, "confound-effects", data["slot"].iloc[0], key)
        t = self.n_wordings
        self.w_words = rng.multinomial(t, np.full(t, 1 / t), size=n_resamples).astype(float)
        group = data["group"].astype(str).to_numpy()
        self.w_values = np.zeros((n_resamples, len(values)))
        for level in pd.unique(group):
            idx = np.flatnonzero(group == level)
            draws = rng.multinomial(len(idx), np.full(len(idx), 1 / len(idx)), size=n_resamples)
            self.w_values[:, idx] = draws

    def coefficients(self, exog: np.ndarray) -> np.ndarray:
        """OLS coefficients refitted on every replicate: shape ``B x p`` (NaN if singular).

        Each replicate is a weighted least-squares fit (weights: the values' resampling
        counts; a value without probes in the replicate's wordings drops out), solved for
        all replicates at once through the normal equations ``X'WX b = X'Wm``."""
        with np.errstate(invalid="ignore", divide="ignore"):
            means = (self.w_words @ self.sums.T) / (self.w_words @ self.counts.T)  # B x V
        weights = np.where(np.isfinite(means), self.w_values, 0.0)
        weighted = weights[:, :, None] * exog[None, :, :]  # B x V x p
        gram = weighted.transpose(0, 2, 1) @ exog  # B x p x p
        rhs = np.einsum("bvp,bv->bp", weighted, np.where(weights > 0, means, 0.0))
        out = np.full((len(means), exog.shape[1]), np.nan)
        full = np.linalg.matrix_rank(gram, hermitian=True) == exog.shape[1]
        out[full] = np.linalg.solve(gram[full], rhs[full][:, :, None])[:, :, 0]
        return out


def _fit_data(data: pd.DataFrame, name: str, covariates: tuple[str, ...]) -> pd.DataFrame | None:
    if "bare_score" in name and data["bare_score"].isna().any():
        return None
    used = [c.removeprefix("C(").removesuffix(")") for c in covariates]
    data = data.dropna(subset=["mean", *used])  # as a formula OLS drops incomplete rows
    if name.startswith("strata"):
        mixed = data.groupby("n_pieces")["group"].transform("nunique") > 1
        data = data[mixed]
    if data["group"].nunique() < 2:
        return None
    return data


def design(
    data: pd.DataFrame, *, ref: str, covariates: tuple[str, ...]
) -> tuple[np.ndarray, list[str]]:
    """The OLS design matrix and its column names: ``Intercept``, ``group[T.LEVEL]`` per
    group level but the reference (levels sorted), each covariate, and for ``C(COL)`` a
    ``COL[T.LEVEL]`` dummy per level of COL but the lowest (what the formula
    ``mean ~ C(group, Treatment(reference=ref)) + ...`` builds)."""
    group = data["group"].astype(str).to_numpy()
    columns = [np.ones(len(data))]
    names = ["Intercept"]
    for level in sorted(set(group) - {ref}):
        columns.append((group == level).astype(float))
        names.append(f"group[T.{level}]")
    for cov in covariates:
        if cov.startswith("C("):
            col = cov[2:-1]
            values = data[col].to_numpy()
            for level in sorted(set(values))[1:]:
                columns.append((values == level).astype(float))
                names.append(f"{col}[T.{level}]")
        else:
            columns.append(data[cov].to_numpy(dtype=float))
            names.append(cov)
    return np.column_stack(columns), names


def _fit(
    data: pd.DataFrame,
    *,
    ref: str,
    covariates: tuple[str, ...],
    name: str,
    confidence: float,
    boot: _Bootstrap | None,
) -> list[dict[str, Any]]:
    from biasprobe.stats._intervals import bootstrap_se, t_interval, t_p_value

    exog, names = design(data, ref=ref, covariates=covariates)
    n, k = exog.shape
    if np.linalg.matrix_rank(exog) < k or n - k < 1:
        return []
    y = data["mean"].to_numpy(dtype=float)
    params = np.linalg.lstsq(exog, y, rcond=None)[0]
    reps = boot.coefficients(exog) if boot is not None and boot.n_wordings > 1 else None
    hc3 = _hc3(exog, y, confidence) if reps is None else None
    rows = []
    for j, term in enumerate(names):
        if not term.startswith("group[T."):
            continue
        level = term.removeprefix("group[T.").removesuffix("]")
        est = float(params[j])
        if reps is not None and boot is not None:
            n_words = boot.n_wordings
            col = reps[:, j]
            se = float(bootstrap_se(col[np.isfinite(col)], n_words))
            lo, hi = (
                float(x) for x in t_interval(est, se, confidence=confidence, n_clusters=n_words)
            )
            p = float(t_p_value(est, se, n_words))
            interval = "wordings x values resampled, t"
        else:
            assert hc3 is not None
            lo, hi, p = (float(v) for v in hc3[j])
            interval = "HC3 (value means as independent units)"
        rows.append(
            {
                "slot": data["slot"].iloc[0],
                "contrast": f"{level} - {ref}",
                "adjustment": name,
                "estimate": est,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": p,
                "n_values": n,
                "n_wordings": boot.n_wordings if boot is not None else np.nan,
                "interval": interval,
            }
        )
    return rows


def _hc3(exog: np.ndarray, y: np.ndarray, confidence: float) -> np.ndarray:
    """Per coefficient: HC3 interval and p-value from statsmodels (the fallback without
    per-wording cells; imported here, see the module docstring)."""
    from statsmodels.regression.linear_model import OLS

    fit = OLS(y, exog).fit(cov_type="HC3")
    ci = np.asarray(fit.conf_int(alpha=1 - confidence))
    return np.column_stack([ci, np.asarray(fit.pvalues)])


def explained_group_effects(effects: pd.DataFrame) -> pd.DataFrame:
    """Per contrast: the raw effect and the adjustments that could explain it away.

    Columns: slot, finding, value, estimate, flags, could_explain, note.
    """
    rows = []
    for contrast, rows_c in effects.groupby("contrast", sort=False):
        by = rows_c.set_index("adjustment")
        if "raw" not in by.index:
            continue
        raw = {str(k): v for k, v in by.loc["raw"].to_dict().items()}
        raw_sig = raw["ci_low"] > 0 or raw["ci_high"] < 0
        hits = []
        for adj, r in by.drop(index="raw").iterrows():
            covers = r["ci_low"] <= 0 <= r["ci_high"]
            shrunk = abs(r["estimate"]) <= (1 - SHRINK) * abs(raw["estimate"])
            if raw_sig and (covers or shrunk):
                hits.append(
                    f"{adj} ({r['estimate']:+.3f} [{r['ci_low']:+.3f}, {r['ci_high']:+.3f}])"
                )
        rows.append(
            {
                "slot": raw["slot"],
                "finding": "group effect",
                "value": contrast,
                "estimate": float(raw["estimate"]),
                "flags": "; ".join(hits),
                "could_explain": bool(hits),
                "note": _group_note(raw, hits),
            }
        )
    return pd.DataFrame(rows)


def _group_note(raw: dict[str, Any], hits: list[str]) -> str:
    head = f"raw {raw['estimate']:+.3f} [{raw['ci_low']:+.3f}, {raw['ci_high']:+.3f}]"
    if raw["ci_low"] <= 0 <= raw["ci_high"]:
        return f"{head}: the interval includes 0, no group difference shown"
    if not hits:
        return f"{head}; no lexical adjustment removes it"
    return f"{head}; adjusted: " + "; ".join(hits)


def extreme_flags(result: AuditResult, slot: str, terms: pd.DataFrame) -> pd.DataFrame:
    """Per named extreme (lowest, highest value): the lexical facts that could explain it.

    Columns: slot, finding, value, estimate, flags, could_explain, note.
    """
    head = result.summary().set_index("slot").loc[slot]
    table = terms.set_index("value")
    assoc = {
        str(r["covariate"]): (float(r["rho"]), float(r["p_value"]))
        for _, r in associations(terms).iterrows()
    }
    rows = []
    for side, value in (("min", str(head["min_group"])), ("max", str(head["max_group"]))):
        if value not in table.index:
            continue
        flags = _value_flags(table, value, side=side, assoc=assoc)
        rows.append(
            {
                "slot": slot,
                "finding": f"{'lowest' if side == 'min' else 'highest'} value",
                "value": value,
                "estimate": float(table["mean"][value]),
                "flags": "; ".join(flags),
                "could_explain": bool(flags),
                "note": "; ".join(flags) or "no lexical confound found",
            }
        )
    return pd.DataFrame(rows)


def _value_flags(
    table: pd.DataFrame, value: str, *, side: str, assoc: dict[str, tuple[float, float]]
) -> list[str]:
    row = {str(k): v for k, v in table.loc[value].to_dict().items()}
    flags = []
    if row["homograph"]:
        flags.append(f"homograph ({row['other_sense']})")
    if row["n_unk"] > 0:
        flags.append(f"{int(row['n_unk'])} unknown piece(s)")
    rho, p_pieces = assoc.get("n_pieces", (0.0, 1.0))
    if p_pieces < 0.05:
        typical = float(table["n_pieces"].median())
        # the extreme is where the association predicts it: e.g. fewer pieces and rho > 0
        push = np.sign(row["n_pieces"] - typical) * np.sign(rho)
        if push == (-1 if side == "min" else 1):
            flags.append(
                f"word pieces: {int(row['n_pieces'])} vs typical {typical:g} "
                f"(Spearman of means with pieces {rho:+.2f})"
            )
    if np.isfinite(row["bare_score"]):
        rank = float(table["bare_score"].rank(ascending=side == "min")[value])
        if rank <= max(1, len(table) // 4):
            flags.append(
                f"the bare word scores {row['bare_score']:.3f} on its own "
                f"({'lowest' if side == 'min' else 'highest'} quarter: rank {rank:g})"
            )
    share, n = row["corpus_positive_share"], row["corpus_n"]
    if np.isfinite(n) and n >= 3 and (share <= 0.25 if side == "min" else share >= 0.75):
        flags.append(f"reference corpus: {int(n)} lines, {share:.0%} positive")
    return flags
