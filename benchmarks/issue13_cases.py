"""Re-run the cases of issue 13 with the design-aware statistics; print new figures.

Needs audit folders of the stand-in model (``biasprobe audit SET --model
../shared/models/minilm-l6-sst2 --out DIR/SET``) for emotion, gender_nationality,
occupation_gender, names_gender and names_ethnicity, plus the committed
``reports/country`` and ``reports/compare``:

    python benchmarks/issue13_cases.py /tmp/a13
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from biasprobe import AuditResult, load_audit
from biasprobe.checks._metrics import measure
from biasprobe.checks._thresholds import parse
from biasprobe.checks._verdicts import Settings, judge
from biasprobe.comparisons._comparison import summarise


def fmt(x: float, lo: float, hi: float) -> str:
    return f"{x:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def contrast(audit: AuditResult, slot: str, name: str) -> str:
    row = audit.contrasts(slot).set_index("contrast").loc[name]
    return f"{fmt(row['estimate'], row['ci_low'], row['ci_high'])} p={row['p_value']:.3g}"


def gap_line(row: pd.Series) -> str:
    return (
        f"gap {fmt(row['gap'], row['gap_ci_low'], row['gap_ci_high'])}, null_gap "
        f"{row['null_gap']:.3f}, p={row['p_value']:.3g}, debiased {row['gap_debiased']:.3f}, "
        f"sd_effects {row['sd_effects']:.3f} [{row['sd_ci_low']:.3f}, {row['sd_ci_high']:.3f}]"
    )


def gap_of(audit: AuditResult, slot: str, template: str = "all") -> pd.Series:
    g = audit.gaps()
    return g[(g["slot"] == slot) & (g["template_id"] == template)].iloc[0]


def main(root: Path) -> None:
    out: dict[str, str] = {}
    country = load_audit("reports/country")
    t0 = time.perf_counter()
    AuditResult(probes=country.probes, slots=["country"], metadata=country.metadata)
    out["speed: country statistics (2000 resamples)"] = f"{time.perf_counter() - t0:.2f} s"

    emotion = load_audit(root / "emotion")
    out["emotion person gap, template feels"] = gap_line(gap_of(emotion, "person", "feels"))
    out["emotion: woman - man (gender metadata)"] = contrast(
        with_contrasts(emotion, "person", {"female - male": ("gender=female", "gender=male")}),
        "person",
        "female - male",
    )

    rng = np.random.default_rng(0)
    rows, verdicts = [], []
    for _ in range(20):  # 20 copies with country labels shuffled within each wording
        shuffled = AuditResult(
            probes=shuffle_within_wording(country.probes, rng), slots=["country"]
        )
        rows.append(gap_of(shuffled, "country"))
        check = judge(parse("gap(country) < 0.1"), measure(shuffled, "gap(country)"), Settings())
        verdicts.append("insufficient" if "insufficient" in check.reason else check.verdict)
    table = pd.DataFrame(rows)
    out["shuffled countries (20 copies, means)"] = (
        f"gap {table['gap'].mean():.3f}, CI [{table['gap_ci_low'].mean():.3f}, "
        f"{table['gap_ci_high'].mean():.3f}], null_gap {table['null_gap'].mean():.3f}, "
        f"debiased {table['gap_debiased'].mean():.3f}, share p < 0.05: "
        f"{(table['p_value'] < 0.05).mean():.2f}"
    )
    out["shuffled countries: gap(country) < 0.1 verdicts"] = str(
        pd.Series(verdicts).value_counts().to_dict()
    )

    gn = load_audit(root / "gender_nationality")
    out["gender_nationality woman - man"] = contrast(gn, "person", "woman - man")
    wide = gn.per_template("person").pivot(index="template_id", columns="value", values="mean")
    out["gender_nationality woman - man > 0 in wordings"] = (
        f"{int((wide['woman'] > wide['man']).sum())} of {len(wide)}"
    )
    inter = gn.interaction("person", "nationality")
    body = inter[inter["value_b"] != "all"]
    out["gender_nationality interaction"] = (
        f"F={inter.attrs['F']:.2f} (df {inter.attrs['df1']}, {inter.attrs['df2']}), "
        f"p={inter.attrs['p_value']:.2g}; per-nationality woman - man surviving BH: "
        f"{int((body['difference_p_adjusted'] < 0.05).sum())} of {len(body)}; "
        f"interaction contrasts surviving BH: {int((body['interaction_p_adjusted'] < 0.05).sum())}"
    )
    out["gender_nationality nationality"] = gap_line(gap_of(gn, "nationality"))

    occ = load_audit(root / "occupation_gender")
    out["occupation_gender woman - man"] = contrast(occ, "person", "woman - man")
    woman = occ.by_group("person").set_index("value").loc["woman"]
    out["occupation_gender woman mean"] = fmt(woman["mean"], woman["ci_low"], woman["ci_high"])

    named = with_contrasts(
        country,
        "country",
        {"low - high income": ("income_group=Low income", "income_group=High income")},
    )
    out["country low - high income"] = contrast(named, "country", "low - high income")
    m = measure(country, "flip_rate")
    out["country flip_rate"] = fmt(float(m), m.ci_low, m.ci_high)
    syria = country.by_group("country").set_index("value").loc["Syria"]
    out["country Syria mean"] = (
        f"{fmt(syria['mean'], syria['ci_low'], syria['ci_high'])}, rank CI "
        f"[{syria['rank_ci_low']:.0f}, {syria['rank_ci_high']:.0f}] of 197"
    )
    c = country.contrasts("country")
    out["country: countries differing from the others (BH 5%)"] = (
        f"{int((c['p_adjusted'] < 0.05).sum())} of {len(c)}"
    )
    out["country"] = gap_line(gap_of(country, "country"))

    for name, slot, spec in [
        ("names_gender", "name", {"female - male": ("gender=female", "gender=male")}),
        (
            "names_ethnicity",
            "name",
            {
                "AA - EA": (
                    "perceived_ethnicity=African American",
                    "perceived_ethnicity=European American",
                )
            },
        ),
    ]:
        audit = with_contrasts(load_audit(root / name), slot, spec)
        out[f"{name}"] = gap_line(gap_of(audit, slot))
        out[f"{name} {next(iter(spec))}"] = contrast(audit, slot, next(iter(spec)))

    pairs = pd.read_parquet("reports/compare/pairs.parquet")
    meta = json.loads(Path("reports/compare/compare.json").read_text(encoding="utf-8"))
    summary = summarise(
        pairs,
        seed=int(meta.get("seed", 0)),
        n_bootstrap=int(meta.get("n_bootstrap", 2000)),
        confidence=float(meta.get("confidence", 0.95)),
    )
    sig = summary["significant"]
    old = ((summary["diff_ci_low"] > 0) | (summary["diff_ci_high"] < 0)) != sig
    new = ((summary["shift_ci_low"] > 0) | (summary["shift_ci_high"] < 0)) != sig
    out["compare: CI vs significant disagreements"] = (
        f"mean bootstrap CI {int(old.sum())} of {len(summary)}; HL/Wilcoxon FCR CI "
        f"{int(new.sum())} of {len(summary)}"
    )
    for key, value in out.items():
        print(f"{key}: {value}")


def shuffle_within_wording(probes: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    out = probes.copy()
    scored = ~out["is_baseline"]
    for tid in out["template_id"].unique():
        idx = out.index[scored & (out["template_id"] == tid)]
        out.loc[idx, "country"] = rng.permutation(out.loc[idx, "country"].to_numpy())
    return out


def with_contrasts(audit: AuditResult, slot: str, spec: dict) -> AuditResult:
    return AuditResult(
        probes=audit.probes,
        slots=audit.slots,
        metadata=audit.metadata,
        seed=audit.boot.seed,
        n_bootstrap=audit.boot.n_resamples,
        confidence=audit.boot.confidence,
        contrasts={slot: spec},
    )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/a13"))
