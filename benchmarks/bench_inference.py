"""Speed of the audit statistics (issue 13 goal: country, 2000 resamples, < 5 s on 2 cores).

Times, side by side in one run on the committed ``reports/country`` probes, the
design-aware statistics (``AuditResult``: cluster bootstrap, permutation null,
contrasts, per-template rows) and the former per-group probe bootstrap
(``biasprobe.stats._groups``), and prints their ratio:

    python benchmarks/bench_inference.py
"""

from __future__ import annotations

import time

import pandas as pd

from biasprobe import AuditResult, load_audit
from biasprobe.stats._groups import (
    Bootstrap,
    gap_row,
    group_summary,
    template_cluster_means,
)


def former(probes: pd.DataFrame, slot: str, boot: Bootstrap) -> None:
    rows = probes.loc[~probes["is_baseline"], ["template_id", slot, "score", "delta"]]
    summary, reps = group_summary(rows, slot, boot)
    paired = template_cluster_means(rows, slot, boot)
    gap_row(summary, reps if paired is None else paired, boot)
    for _, trows in rows.groupby("template_id", sort=False):
        tsum, treps = group_summary(trows, slot, boot)
        gap_row(tsum, treps, boot)


def best_of(n: int, fn: object) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    audit = load_audit("reports/country")
    probes = audit.probes
    new = best_of(3, lambda: AuditResult(probes=probes, slots=["country"], n_bootstrap=2000))
    probes_delta = audit.probes  # load_audit added baseline_score and delta
    old = best_of(3, lambda: former(probes_delta, "country", Bootstrap(n_resamples=2000)))
    print(
        f"country (197 x 10, 2000 resamples): design-aware {new:.2f} s, former {old:.2f} s, "
        f"ratio {new / old:.2f}; goal < 5 s: {'met' if new < 5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
