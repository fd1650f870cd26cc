"""Paired model differences of two comparison folders (benchmark pairs, by ``pair_id``).

Per pair, each model's bias is its pair difference ``score_a - score_b`` (e.g. WinoBias
pro minus anti); the change from model A to model B is ``(a - b)_B - (a - b)_A``, and
the same paired statistics as the comparison itself (``paired_stats``: bootstrap CI of
the mean, Wilcoxon signed-rank p-value, BH across each benchmark's breakdowns) describe
it. Pairs are independent units here (benchmarks have no crossed wordings). In the
``DiffResult``: ``gaps`` holds each benchmark's overall change (``slot`` = benchmark),
``groups`` each breakdown's (``slot`` = ``benchmark:breakdown``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from biasprobe._errors import DataError
from biasprobe.comparisons._comparison import BREAKDOWNS, ComparisonResult
from biasprobe.diffs._diff import DiffResult
from biasprobe.diffs._diff_stats import verdicts
from biasprobe.stats._paired import paired_stats

KEYS = ["benchmark", "pair_id"]


def one_model(result: ComparisonResult, label: str) -> pd.DataFrame:
    """The scored pairs of the folder's only model (``DataError`` when it has several)."""
    pairs = result.pairs
    models = list(pairs["model"].unique())
    if len(models) != 1 or "pair_id" not in pairs.columns:
        raise DataError(
            f"{label}: a comparison diff needs scored pairs (pairs.parquet with pair_id) of "
            f"one model; found models: {', '.join(map(str, models)) or 'none'}"
        )
    return pairs


def diff_comparisons(
    a: ComparisonResult,
    b: ComparisonResult,
    *,
    names: tuple[str, str],
    n_bootstrap: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> DiffResult:
    """Change of every benchmark breakdown's mean pair difference, model B minus A."""
    pa, pb = one_model(a, names[0]), one_model(b, names[1])
    cols = [*KEYS, "text_a", "text_b"]
    both = pa.merge(pb[[*cols, "score_a", "score_b"]], on=KEYS, suffixes=("", "_B"), how="outer")
    lost = both["score_a_B"].isna() | both["score_a"].isna()
    same = [both[c].fillna("").eq(both[f"{c}_B"].fillna("")) for c in ("text_a", "text_b")]
    moved = ~(same[0] & same[1])
    if lost.any() or moved.any():
        bad = both[lost | moved].iloc[0]
        raise DataError(
            f"cannot diff {names[0]} and {names[1]}: the pairs differ "
            f"({int((lost | moved).sum())} of {len(both)}, e.g. {bad['pair_id']}); compare "
            "both models on the same benchmarks, splits and limits"
        )
    both["bias_A"] = both["score_a"] - both["score_b"]
    both["bias_B"] = both["score_a_B"] - both["score_b_B"]
    tables = [
        paired_stats(
            part,
            by=BREAKDOWNS.get(str(bench), ()),
            a="bias_B",
            b="bias_A",
            n_bootstrap=n_bootstrap,
            confidence=confidence,
            seed=seed,
        )
        for bench, part in both.groupby("benchmark", sort=True)
    ]
    stats_ = pd.concat(tables, ignore_index=True)
    zero = stats_["mean_diff"] == 0
    stats_.loc[zero, ["p_value", "p_adjusted"]] = 1.0
    table = pd.DataFrame(
        {
            "slot": stats_["benchmark"] + ":" + stats_["breakdown"],
            "value": stats_["group"].astype(str),
            "n": stats_["n"],
            "mean_a": stats_["mean_b"],  # bias under model A
            "mean_b": stats_["mean_a"],  # bias under model B
            "diff": stats_["mean_diff"],
            "ci_low": stats_["diff_ci_low"],
            "ci_high": stats_["diff_ci_high"],
            "p_value": stats_["p_value"],
            "p_adjusted": stats_["p_adjusted"],
        }
    )
    table["verdict"] = verdicts(table, alpha=1 - confidence)
    overall = table["value"].eq("all") & table["slot"].str.endswith(":overall")
    gaps = table[overall].rename(columns={"mean_a": "gap_a", "mean_b": "gap_b"})
    gaps = gaps.assign(slot=gaps["slot"].str.split(":").str[0]).drop(columns=["value", "verdict"])
    metadata = {
        "kind": "comparison",
        "name_a": names[0],
        "name_b": names[1],
        "models": [str(pa["model"].iloc[0]), str(pb["model"].iloc[0])],
        "n_pairs": len(both),
        "n_bootstrap": n_bootstrap,
        "confidence": confidence,
        "seed": seed,
        "max_abs_pair_change": float(np.abs(both["bias_B"] - both["bias_A"]).max()),
    }
    return DiffResult(
        groups=table[~overall].reset_index(drop=True),
        contrasts=pd.DataFrame(columns=["slot", "contrast", "diff", "verdict"]),
        gaps=gaps.reset_index(drop=True),
        metadata=metadata,
    )
