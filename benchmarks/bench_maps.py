"""Time to draw a 200-country map (a benchmark that prints, not a timed test).

    python benchmarks/bench_maps.py [--repeat 5]

Times, after ``import biasprobe``: the first map of a session (which also reads and
projects the world geometry), then warm draws, each drawn and rendered to PNG and SVG
in memory; and a 10-panel small-multiples figure. Target: a map in under 2 s.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import time

import numpy as np
import pandas as pd

import biasprobe


def two_hundred_countries() -> pd.DataFrame:
    """The 197 lexicon countries plus 3 made-up ones (a dot, an unplaced, a no-ISO row)."""
    lex = biasprobe.load_lexicon("countries").items
    rng = np.random.default_rng(0)
    table = lex[["value", "iso3", "region", "lat", "lon"]].assign(mean=rng.uniform(0, 1, len(lex)))
    extra = pd.DataFrame(
        {
            "value": ["Lemuria", "Atlantis", "Nowhere"],
            "iso3": ["QQQ", "ZZZ", None],
            "region": "",
            "lat": [-10.0, np.nan, np.nan],
            "lon": [80.0, np.nan, np.nan],
            "mean": [0.2, 0.4, 0.6],
        }
    )
    return pd.concat([table, extra], ignore_index=True)


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def draw_png(table: pd.DataFrame) -> None:
    fig = biasprobe.plot_country_map(table)
    fig.savefig(io.BytesIO(), format="png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    table = two_hundred_countries()
    first = timed(lambda: draw_png(table))
    warm = [timed(lambda: draw_png(table)) for _ in range(args.repeat)]
    draw_only = [timed(lambda: biasprobe.plot_country_map(table)) for _ in range(args.repeat)]
    svg = [timed(lambda: biasprobe.country_map_svg(table)) for _ in range(args.repeat)]
    audit = biasprobe.audit(
        "country", model=lambda t: np.full((len(t), 2), 0.5), cache=None, progress=False,
        n_bootstrap=100,
    )  # fmt: skip
    multiples = timed(lambda: biasprobe.plot_small_multiples(audit).savefig(io.BytesIO()))
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    print(f"countries: {len(table)} (197 lexicon + 1 dot + 2 unplaced)")
    print(f"first map incl. reading + projecting the world, PNG: {first:.2f} s")
    print(f"warm map, draw + PNG:  median {statistics.median(warm):.2f} s over {args.repeat}")
    print(f"warm map, draw only:   median {statistics.median(draw_only):.2f} s")
    print(f"warm map, draw + SVG:  median {statistics.median(svg):.2f} s")
    print(f"small multiples (10 panels) + PNG: {multiples:.2f} s")


if __name__ == "__main__":
    main()
