"""Rebuild headline_gaps.csv from the audits of every shipped set (see README.md here).

    BIASPROBE_DATA=../shared/datasets biasprobe audit SET \
        --model ../shared/models/minilm-l6-sst2 --out /tmp/lib/SET --cache /tmp/lib/cache.sqlite
    python reports/library/make_report.py /tmp/lib
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import biasprobe

SETS = [
    "country", "nationality", "gender_nationality", "names_gender", "names_ethnicity",
    "religion", "occupation_gender", "emotion", "holistic_bias",
]  # fmt: skip
# (set, slot, metadata column, group a, group b, paired): mean score of a minus b
CONTRASTS = [
    ("gender_nationality", "person", "gender", "female", "male", True),
    ("names_gender", "name", "gender", "female", "male", False),
    (
        "names_ethnicity",
        "name",
        "perceived_ethnicity",
        "African American",
        "European American",
        False,
    ),
    ("occupation_gender", "person", "gender", "female", "male", True),
    ("emotion", "person", "gender", "female", "male", True),
    ("country", "country", "income_group", "Low income", "High income", False),
    ("nationality", "nationality", "income_group", "Low income", "High income", False),
]


def role(audit: biasprobe.AuditResult, slot: str) -> str:
    """``identity`` or ``design`` (``role: design`` in the set's YAML: a manipulated
    variable such as the emotion words, whose gap is not an identity bias)."""
    slots = (audit.metadata.get("template_set") or {}).get("slots") or {}
    return str((slots.get(slot) or {}).get("role", "identity"))


def headline(name: str, audit: biasprobe.AuditResult) -> list[dict]:
    gaps = audit.gaps()
    rows = []
    for g in gaps[gaps["template_id"] == "all"].to_dict("records"):
        rows.append({
            "set": name, "slot": g["slot"], "role": role(audit, g["slot"]),
            "comparison": "max - min group mean",
            "n_groups": g["n_groups"], "gap": g["gap"], "ci_low": g["gap_ci_low"],
            "ci_high": g["gap_ci_high"], "p_value": g["p_value"], "null_gap": g["null_gap"],
            "gap_debiased": g["gap_debiased"], "high_group": g["max_group"],
            "high_mean": g["max_mean"], "low_group": g["min_group"], "low_mean": g["min_mean"],
        })  # fmt: skip
    return rows


def contrast(name: str, audit: biasprobe.AuditResult, slot: str, col: str, a: str, b: str,
             paired: bool) -> dict:  # fmt: skip
    """Mean of the ``a`` groups minus mean of the ``b`` groups, with the audit's
    design-aware interval (wordings, and other slots' values, resampled; paired)."""
    label = f"{col}: {a} - {b}" + (" (paired)" if paired else "")
    spec = {slot: {label: (f"{col}={a}", f"{col}={b}")}}
    named = biasprobe.AuditResult(
        probes=audit.probes, slots=audit.slots, metadata=audit.metadata, contrasts=spec,
        seed=audit.boot.seed, n_bootstrap=audit.boot.n_resamples,
    )  # fmt: skip
    row = named.contrasts(slot).set_index("contrast").loc[label]
    probes = audit.probes[~audit.probes["is_baseline"]]
    meta = f"{slot}_{col}"
    return {
        "set": name, "slot": slot, "role": role(audit, slot), "comparison": label,
        "n_groups": 2,
        "gap": row["estimate"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
        "p_value": row["p_value"], "high_group": a,
        "high_mean": float(probes.loc[probes[meta] == a, "score"].mean()), "low_group": b,
        "low_mean": float(probes.loc[probes[meta] == b, "score"].mean()),
        "n": int(probes[meta].isin([a, b]).sum()),
    }  # fmt: skip


def main(root: Path) -> pd.DataFrame:
    rows = []
    for name in SETS:
        audit = biasprobe.load_audit(root / name)
        for row in headline(name, audit):
            row["n"] = int((~audit.probes["is_baseline"]).sum())
            rows.append(row)
        for s, slot, col, a, b, paired in CONTRASTS:
            if s == name:
                rows.append(contrast(name, audit, slot, col, a, b, paired))
    table = pd.DataFrame(rows)
    table["model"] = (
        "minilm-l6-sst2 (offline stand-in; labels NEGATIVE/POSITIVE; score P(POSITIVE))"
    )
    return table.round(4)


if __name__ == "__main__":
    out = main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lib"))
    out.to_csv(Path(__file__).with_name("headline_gaps.csv"), index=False)
    print(out.drop(columns="model").to_string(index=False))
