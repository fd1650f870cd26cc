"""Rebuild reports/real_text: counterfactual audits of SST-2 dev and train (stand-in model).

Usage: python reports/real_text/run.py ../shared OUT_DIR [CACHE]

Writes one folder per split x lexicon under OUT_DIR (the full audit folders; an existing
one is read back, so an interrupted run resumes) and copies the small tables into
reports/real_text/<split>_<lexicon>/, then headline.csv. Train keeps a seeded sample of
the sentences that mention each lexicon (50 for names, 40 for countries, all 21 for
religions) and a seeded background of 1,000 unmentioning sentences for the AUCs, to fit
a 2-core machine; dev is complete.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd

import biasprobe
from biasprobe.audits._counterfactual import counterfactual, load_counterfactual

HERE = Path(__file__).resolve().parent
SMALL = ("shifts.csv", "metrics.csv", "subgroup_auc.csv", "agreement.csv", "gaps.csv",
         "contrasts.csv", "counterfactual.json")  # fmt: skip
LEXICONS = {  # lexicon: (template set, train sentences kept)
    "religions": ("religion", None),
    "names_ethnicity": ("names_ethnicity", 50),
    "countries": ("country", 40),
}
AA_EA = {
    "name": {
        "African American - European American": (
            "perceived_ethnicity=African American",
            "perceived_ethnicity=European American",
        )
    }
}


def main(shared: Path, out: Path, cache: Path) -> None:
    model = shared / "models" / "minilm-l6-sst2"
    templates = {}
    for lexicon, (tset, _) in LEXICONS.items():
        folder = HERE.parent / tset
        if (folder / "audit.json").is_file():
            templates[lexicon] = biasprobe.load_audit(folder)
        else:
            templates[lexicon] = biasprobe.audit(
                tset, model=str(model), cache=cache, progress=False
            )
    rows = []
    for split, column in (("dev", "content"), ("train", "sentence")):
        for lexicon, (_, keep) in LEXICONS.items():
            done = out / f"{split}_{lexicon}"
            if (done / "counterfactual.json").is_file():  # resume: read what an earlier run wrote
                rows.append(headline(split, lexicon, load_counterfactual(done), templates[lexicon]))
                continue
            result = counterfactual(
                shared / "datasets" / "sst2" / f"{split}.tsv",
                lexicon=lexicon,
                model=str(model),
                text_column=column,
                label_column="label",
                max_sentences=keep if split == "train" else None,
                auc_background=1000 if split == "train" else None,
                template_audit=templates[lexicon],
                contrasts=AA_EA if lexicon == "names_ethnicity" else None,
                cache=cache,
                progress=False,
            )
            folder = result.save(out / f"{split}_{lexicon}")
            small = HERE / f"{split}_{lexicon}"
            small.mkdir(exist_ok=True)
            for name in SMALL:
                shutil.copy(folder / name, small / name)
            rows.append(headline(split, lexicon, result, templates[lexicon]))
            print(json.dumps(rows[-1], default=str))
    pd.DataFrame(rows).to_csv(HERE / "headline.csv", index=False)


def headline(split: str, lexicon: str, result, template) -> dict[str, object]:
    slot = result.slot
    gap, tgap = result.audit.gap(slot), template.gap(slot)
    counts = result.metadata["counts"]
    metrics = result.metrics.set_index("metric")
    shifts = result.shifts
    row: dict[str, object] = {
        "split": split,
        "lexicon": lexicon,
        "sentences": counts["n_sentences"],
        "counterfactuals": counts["n_counterfactuals"],
        "mentions_kept": counts["n_kept"],
        "mentions_skipped": counts["n_skipped"],
        "real_gap": gap, "real_gap_ci": f"[{gap.ci_low:.3f}, {gap.ci_high:.3f}]",
        "template_gap": tgap, "template_gap_ci": f"[{tgap.ci_low:.3f}, {tgap.ci_high:.3f}]",
        "lowest_group": shifts.iloc[0]["value"],
        "lowest_shift_vs_all": shifts.iloc[0]["shift_vs_all"],
        "lowest_below_median": shifts.iloc[0]["below_median"],
        "groups_shift_bh_005": int((shifts["shift_vs_all_p_bh"] < 0.05).sum()),
        "spearman_rho_vs_template": result.metadata["agreement"].get("spearman_rho"),
        "template_extremes_surviving": int(result.agreement["survives"].sum())
        if len(result.agreement) else 0,
        "template_extremes": len(result.agreement),
    }  # fmt: skip
    for m in ("score_sens", "score_dev", "score_range", "label_dist", "ctf_gap"):
        r = metrics.loc[m]
        row[m] = f"{r['estimate']:.4f} [{r['ci_low']:.4f}, {r['ci_high']:.4f}]"
    contrasts = result.audit.contrasts(slot)
    named = contrasts[contrasts["kind"] == "named"]
    for _, c in named.iterrows():
        row[c["contrast"]] = f"{c['estimate']:.4f} [{c['ci_low']:.4f}, {c['ci_high']:.4f}]"
    aucs = result.subgroup_auc
    if len(aucs):
        row["auc_groups_estimated"] = int(
            aucs.loc[aucs["metric"] == "subgroup_auc", "auc"].notna().sum()
        )
        row["auc_groups"] = int(aucs["group"].nunique())
    return row


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    main(args[0], args[1], args[2] if len(args) > 2 else args[1] / "cache.sqlite")
