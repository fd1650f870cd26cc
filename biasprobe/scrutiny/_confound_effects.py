"""Group effects adjusted for lexical confounds, and the findings those confounds could explain.

Unit of analysis: the slot value (each value's audit mean is one observation; values, not
probes, are the independent units of a group comparison). Estimands:

- ``raw``: difference of the mean of value means between a group and the reference group
  (the group with the highest mean), OLS ``mean ~ C(group)`` with HC3 standard errors;
- ``pieces``, ``bare_score``, ``pieces+bare_score``: the same difference adjusted for the
  number of word pieces and/or the bare-term score (OLS with the covariates);
- ``strata:pieces``: within matched strata, i.e. with a fixed effect per number of word
  pieces, over the strata that hold values of more than one group.

A group effect whose raw interval excludes 0 is flagged as one the confounds could explain
when an adjustment puts 0 inside its interval or shrinks the effect by half or more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

if TYPE_CHECKING:
    from biasprobe.audits._result import AuditResult

GROUP_COLUMNS = ("perceived_ethnicity", "income_group", "gender", "category")
ADJUSTMENTS = {
    "raw": "",
    "pieces": " + n_pieces",
    "bare_score": " + bare_score",
    "pieces+bare_score": " + n_pieces + bare_score",
    "strata:pieces": " + C(n_pieces)",
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
        res = stats.spearmanr(both["mean"], both[cov])
        rows.append(
            {
                "slot": terms["slot"].iloc[0],
                "covariate": cov,
                "rho": float(res.statistic),
                "p_value": float(res.pvalue),
                "n_values": len(both),
            }
        )
    return pd.DataFrame(rows, columns=["slot", "covariate", "rho", "p_value", "n_values"])


def group_effects(terms: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Each group minus the reference group, raw and adjusted for the lexical confounds.

    Columns: slot, contrast, adjustment, estimate, ci_low, ci_high, p_value, n_values.
    Empty when ``terms`` has no group column.
    """
    cols = ["slot", "contrast", "adjustment", "estimate", "ci_low", "ci_high", "p_value"]
    cols.append("n_values")
    data = terms.dropna(subset=["group"]) if "group" in terms else terms.iloc[:0]
    if data.empty or data["group"].nunique() < 2:
        return pd.DataFrame(columns=cols)
    ref = str(data.groupby("group")["mean"].mean().idxmax())
    rows = []
    for name, extra in ADJUSTMENTS.items():
        fit_data = _fit_data(data, name)
        if fit_data is None:
            continue
        rows += _fit(fit_data, ref=ref, extra=extra, name=name, confidence=confidence)
    return pd.DataFrame(rows, columns=cols)


def _fit_data(data: pd.DataFrame, name: str) -> pd.DataFrame | None:
    if "bare_score" in name and data["bare_score"].isna().any():
        return None
    if name.startswith("strata"):
        mixed = data.groupby("n_pieces")["group"].transform("nunique") > 1
        data = data[mixed]
        if data["group"].nunique() < 2:
            return None
    return data


def _fit(
    data: pd.DataFrame, *, ref: str, extra: str, name: str, confidence: float
) -> list[dict[str, Any]]:
    formula = f"mean ~ C(group, Treatment(reference={ref!r})){extra}"
    model = smf.ols(formula, data=data)
    if np.linalg.matrix_rank(model.exog) < model.exog.shape[1] or model.df_resid < 1:
        return []
    fit = model.fit(cov_type="HC3")
    ci = fit.conf_int(alpha=1 - confidence)
    rows = []
    for term in fit.params.index:
        if not term.startswith("C(group"):
            continue
        level = term.split("[T.", 1)[1].rstrip("]")
        rows.append(
            {
                "slot": data["slot"].iloc[0],
                "contrast": f"{level} - {ref}",
                "adjustment": name,
                "estimate": float(fit.params[term]),
                "ci_low": float(ci.loc[term, 0]),
                "ci_high": float(ci.loc[term, 1]),
                "p_value": float(fit.pvalues[term]),
                "n_values": int(fit.nobs),
            }
        )
    return rows


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
