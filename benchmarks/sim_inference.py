"""Simulation study of the audit's inference (issue 13): coverage, null rejection, power.

Synthetic scorers with known truth score probes of crossed designs at the shapes of the
shipped sets: ``country`` (197 groups x 10 wordings), ``names`` (37 x 8) and
``gender_nationality`` (2 persons x 8 wordings x 197 nationalities). On the logit scale a
probe's score is

    mu + group + wording + wording x group + other + other x group + wording x other + noise

with wordings (and nationalities) redrawn in every replicate and the group effects fixed.
The truths (expected probabilities over the random terms) come from Gauss-Hermite
quadrature. Each replicate runs the same functions ``AuditResult`` runs
(``biasprobe.stats``) and records whether each 95% interval covers its truth, and whether
the permutation test rejects at 5%.

Run: ``python benchmarks/sim_inference.py --resamples 400`` (1,000 replicates for coverage
and power, 2,000 under no effect; writes ``benchmarks/results/sim_inference.json``);
``--reps 40 --null-reps 40`` for a quick look.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from biasprobe.stats._contrasts import contrast_table, default_contrasts
from biasprobe.stats._design import build_design
from biasprobe.stats._intersections import interaction_table
from biasprobe.stats._intervals import (
    bootstrap_se,
    logit_t_interval,
    percentile_interval,
    t_quantile,
)
from biasprobe.stats._slots import Options, gap_stats, group_intervals, slot_stats

Scorer = Callable[[list[str]], np.ndarray]
NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(60)
WEIGHTS = WEIGHTS / WEIGHTS.sum()


@dataclass(frozen=True)
class Shape:
    """A crossed design and its variance components (logit scale)."""

    name: str
    n_groups: int
    n_wordings: int
    n_others: int = 1
    mu: float = 1.5
    sd_group: float = 0.8
    sd_wording: float = 1.0
    sd_wording_group: float = 0.5
    sd_other: float = 0.8
    sd_other_group: float = 0.3
    sd_wording_other: float = 0.3
    sd_noise: float = 0.2
    effects: np.ndarray | None = field(default=None, compare=False)

    def group_effects(self, rng: np.random.Generator) -> np.ndarray:
        if self.effects is not None:
            return self.effects
        return rng.normal(0, self.sd_group, self.n_groups)

    @property
    def others_random(self) -> bool:
        return self.n_others > 1


def expected_probability(centre: np.ndarray, variance: float) -> np.ndarray:
    """E[expit(centre + Z)], Z ~ N(0, variance), by Gauss-Hermite quadrature."""
    z = np.sqrt(variance) * NODES
    return special.expit(np.asarray(centre)[..., None] + z) @ WEIGHTS


def make_scorer(shape: Shape, effects: np.ndarray, rng: np.random.Generator) -> tuple[Scorer, dict]:
    """A callable scorer (texts "g|t|o" -> [[1 - p, p]]) for one replicate, and its draws."""
    g, t, o = shape.n_groups, shape.n_wordings, shape.n_others
    draws = {
        "wording": rng.normal(0, shape.sd_wording, t),
        "wording_group": rng.normal(0, shape.sd_wording_group, (g, t)),
        "other": rng.normal(0, shape.sd_other, o) if o > 1 else np.zeros(1),
        "other_group": rng.normal(0, shape.sd_other_group, (g, o)) if o > 1 else np.zeros((g, 1)),
        "wording_other": (
            rng.normal(0, shape.sd_wording_other, (t, o)) if o > 1 else np.zeros((t, 1))
        ),
        "noise": rng.normal(0, shape.sd_noise, (g, t, o)),
    }
    logit = (
        shape.mu
        + effects[:, None, None]
        + draws["wording"][None, :, None]
        + draws["wording_group"][:, :, None]
        + draws["other"][None, None, :]
        + draws["other_group"][:, None, :]
        + draws["wording_other"][None, :, :]
        + draws["noise"]
    )

    def scorer(texts: list[str]) -> np.ndarray:
        idx = np.array([[int(x) for x in text.split("|")] for text in texts])
        p = special.expit(logit[idx[:, 0], idx[:, 1], idx[:, 2]])
        return np.column_stack([1 - p, p])

    return scorer, draws


def probes(shape: Shape, scorer: Scorer) -> pd.DataFrame:
    """The probe table of one replicate, scored by ``scorer``."""
    grid = np.meshgrid(
        np.arange(shape.n_groups),
        np.arange(shape.n_wordings),
        np.arange(shape.n_others),
        indexing="ij",
    )
    g, t, o = (axis.ravel() for axis in grid)
    texts = [f"{a}|{b}|{c}" for a, b, c in zip(g, t, o, strict=True)]
    return pd.DataFrame(
        {
            "template_id": [f"t{x}" for x in t],
            "group": [f"g{x:03d}" for x in g],
            "other": [f"o{x:03d}" for x in o],
            "score": scorer(texts)[:, 1],
        }
    )


def truths(shape: Shape, effects: np.ndarray, draws: dict) -> dict[str, np.ndarray]:
    """Group means over the population of wordings (and others); cell means over wordings."""
    within = shape.sd_wording**2 + shape.sd_wording_group**2 + shape.sd_noise**2
    if shape.others_random:
        within_cell = within + shape.sd_wording_other**2
        total = within_cell + shape.sd_other**2 + shape.sd_other_group**2
    else:
        within_cell, total = within, within
    means = expected_probability(shape.mu + effects, total)
    out = {"means": means}
    if shape.others_random:
        centre = shape.mu + effects[:, None] + draws["other"][None, :] + draws["other_group"]
        out["cells"] = expected_probability(centre, within_cell)
    return out


def covered(lo: Any, hi: Any, truth: Any) -> np.ndarray:
    return np.asarray((lo <= truth) & (truth <= hi))


def one_replicate(
    shape: Shape, effects: np.ndarray, rng: np.random.Generator, opts: Options, *, seed: int
) -> dict[str, Any]:
    scorer, draws = make_scorer(shape, effects, rng)
    rows = probes(shape, scorer)
    truth = truths(shape, effects, draws)
    others = ["other"] if shape.others_random else []
    design = build_design(rows, "group", others=others)
    run = Options(opts.n_resamples, opts.confidence, seed, logit=True)
    s = slot_stats(design, run)
    assert s is not None
    out: dict[str, Any] = {}
    table = group_intervals(s, run)
    out["mean_logit_t"] = covered(table["ci_low"], table["ci_high"], truth["means"]).mean()
    d_lo, d_hi = logit_t_interval(
        s.means, s.se, confidence=run.confidence, n_clusters=s.n_clusters
    )  # the delta-method logit t interval, for comparison with the logit-normal pivot
    out["mean_logit_delta"] = covered(d_lo, d_hi, truth["means"]).mean()
    plain = group_intervals(s, Options(run.n_resamples, run.confidence, seed, logit=False))
    out["mean_t"] = covered(plain["ci_low"], plain["ci_high"], truth["means"]).mean()
    p_lo, p_hi = percentile_interval(s.replicates, confidence=run.confidence)
    out["mean_percentile"] = covered(p_lo, p_hi, truth["means"]).mean()
    weights = default_contrasts(design.groups)
    contrasts = contrast_table(
        "group",
        s.means,
        s.replicates,
        weights,
        kind="default",
        confidence=run.confidence,
        n_clusters=s.n_clusters,
    )
    w = np.vstack(list(weights.values()))
    c_truth = w @ truth["means"]
    out["contrast_t"] = covered(contrasts["ci_low"], contrasts["ci_high"], c_truth).mean()
    c_lo, c_hi = percentile_interval(s.replicates @ w.T, confidence=run.confidence)
    out["contrast_percentile"] = covered(c_lo, c_hi, c_truth).mean()
    out["contrast_reject"] = float((contrasts["p_value"].to_numpy()[0]) < 0.05)
    out["contrast0_truth"] = float(c_truth[0])
    out["contrast0_mde"] = float(contrasts["mde"].iloc[0])
    gap = gap_stats(s, run, key="sim")
    g_truth = truth["means"].max() - truth["means"].min()
    out["gap"] = float(gap["gap_ci_low"] <= g_truth <= gap["gap_ci_high"])
    g_est = float(s.means.max() - s.means.min())
    g_se = float(bootstrap_se(s.replicates.max(axis=1) - s.replicates.min(axis=1), s.n_clusters))
    half = t_quantile(run.confidence, s.n_clusters) * g_se
    out["gap_symmetric"] = float(g_est - half <= g_truth <= g_est + half)
    d = gap["gap_debiased"]
    out["gap_debiased_centre"] = float(min(d, g_est) - half <= g_truth <= max(d, g_est) + half)
    sd_truth = truth["means"].std(ddof=1)
    reported = np.isfinite(gap["sd_ci_low"])  # not reported for two-group slots
    out["sd_effects"] = (
        float(gap["sd_ci_low"] <= sd_truth <= gap["sd_ci_high"]) if reported else float("nan")
    )
    out["permutation_reject"] = float(gap["p_value"] < 0.05)
    out["null_gap"] = gap["null_gap"]
    if shape.others_random:
        full = interaction_table(rows, "group", "other", run)
        inter = full[full["value_b"] != "all"]
        diff = truth["cells"][1] - truth["cells"][0]  # g001 - g000, sorted order
        i_truth = diff - diff.mean()
        out["cell_difference"] = covered(
            inter["difference_ci_low"], inter["difference_ci_high"], diff
        ).mean()
        out["interaction"] = covered(
            inter["interaction_ci_low"], inter["interaction_ci_high"], i_truth
        ).mean()
        out["omnibus_reject"] = float(full.attrs["p_value"] < 0.05)
    return out


def study(shape: Shape, reps: int, opts: Options, *, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    effects = shape.group_effects(rng)
    started = time.perf_counter()
    results = [one_replicate(shape, effects, rng, opts, seed=seed + i) for i in range(reps)]
    frame = pd.DataFrame(results)
    summary = {k: round(float(frame[k].mean()), 4) for k in frame.columns}
    summary["replicates"] = reps
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(shape.name, json.dumps(summary), flush=True)
    return summary


SHAPES = {
    "names_37x8": Shape("names", 37, 8),
    "country_197x10": Shape("country", 197, 10),
    "gender_nationality_2x8x197": Shape("gender_nationality", 2, 8, 197),
}


def null_shape(shape: Shape) -> Shape:
    """No group effect of any kind: group, wording x group, other x group are all zero."""
    return Shape(
        shape.name + "_null",
        shape.n_groups,
        shape.n_wordings,
        shape.n_others,
        sd_wording_group=0.0,
        sd_other_group=0.0,
        effects=np.zeros(shape.n_groups),
    )


def power_shape(shape: Shape, mde: float) -> Shape:
    """One contrast of size ``mde`` (score scale, first default contrast), nothing else."""
    base = null_shape(shape)
    within = (
        base.sd_wording**2
        + base.sd_noise**2
        + (base.sd_other**2 + base.sd_wording_other**2 if shape.others_random else 0.0)
    )
    effects = np.zeros(shape.n_groups)
    k = shape.n_groups

    def target(x: float) -> float:
        return float(
            expected_probability(np.array(shape.mu + x), within)
            - expected_probability(np.array(shape.mu), within)
        )

    lo, hi = 0.0, 5.0
    for _ in range(60):  # bisection: the logit effect whose probability contrast is mde
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if float(target(mid)) < mde else (lo, mid)
    index = 1 if k == 2 else 0  # the contrast's leading group (g001 - g000; g000 - others)
    effects[index] = lo
    return Shape(
        base.name.replace("_null", "_power"),
        k,
        shape.n_wordings,
        shape.n_others,
        sd_wording_group=0.0,
        sd_other_group=0.0,
        effects=effects,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000, help="coverage and power replicates")
    parser.add_argument(
        "--null-reps",
        type=int,
        default=2000,
        help="replicates under no effect (a 5%% rate needs ~2,000 for a +-1 point band)",
    )
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--out", default="benchmarks/results/sim_inference.json")
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES))
    parser.add_argument("--skip-coverage", action="store_true", help="null and power only")
    args = parser.parse_args()
    opts = Options(n_resamples=args.resamples, confidence=0.95)
    report: dict[str, Any] = {
        "command": f"python benchmarks/sim_inference.py --reps {args.reps} "
        f"--null-reps {args.null_reps} --resamples {args.resamples}",
        "confidence": 0.95,
        "results": {},
    }
    for name in args.shapes:
        shape, i = SHAPES[name], list(SHAPES).index(name)  # seeds follow the shape, not the run
        cov = {} if args.skip_coverage else study(shape, args.reps, opts, seed=100 * i)
        null = study(null_shape(shape), args.null_reps, opts, seed=100 * i + 1)
        mde = null["contrast0_mde"]
        power = study(power_shape(shape, mde), args.reps, opts, seed=100 * i + 2)
        report["results"][name] = {
            "coverage": {k: v for k, v in cov.items() if k not in ("contrast0_truth",)},
            "null": {
                k: null[k]
                for k in (
                    "permutation_reject",
                    "contrast_reject",
                    "mean_logit_t",
                    "gap",
                    "null_gap",
                    "replicates",
                    "seconds",
                )
                if k in null
            }
            | ({"omnibus_reject": null["omnibus_reject"]} if "omnibus_reject" in null else {}),
            "power_at_mde": {
                "mde": mde,
                "truth": power["contrast0_truth"],
                "contrast_reject": power["contrast_reject"],
                "permutation_reject": power["permutation_reject"],
                "replicates": power["replicates"],
                "seconds": power["seconds"],
            },
        }
        print(name, json.dumps(report["results"][name]), flush=True)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
