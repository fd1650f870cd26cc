"""Render time and size of the HTML report: a 10-template country audit + three benchmarks.

Builds the inputs once with deterministic fake scorers (the report never calls a model,
so its cost does not depend on the model), then renders the report ``--repeat`` times.
Prints numbers only; the target is < 5 s and < 3 MB.

    python benchmarks/bench_report.py [--data-dir ../shared/datasets] [--repeat 3]
    python benchmarks/bench_report.py --dirs reports/country reports/compare   # real outputs
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

import biasprobe

REPO = Path(__file__).resolve().parents[1]


def fake_model(texts: list[str]) -> np.ndarray:
    pos = np.array([(zlib.crc32(t.encode()) % 1000) / 1000 for t in texts])
    return np.column_stack([1 - pos, pos])


def build_inputs(root: Path, data_dir: Path) -> list[Path]:
    from biasprobe.comparisons._compare import compare

    t0 = time.perf_counter()
    audit = biasprobe.audit("country", model=fake_model, cache=None, progress=False)
    audit_dir = audit.save(root / "country")
    comparison = compare("all", models=fake_model, data_dir=data_dir, cache=None, progress=False)
    compare_dir = comparison.save(root / "compare")
    n_pairs = len(comparison.pairs)
    n_templates = audit.probes["template_id"].nunique()
    took = time.perf_counter() - t0
    print(f"inputs: {len(audit.probes):,} probes, {n_templates} templates; "
          f"{n_pairs:,} benchmark pairs; built in {took:.1f} s")  # fmt: skip
    return [audit_dir, compare_dir]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--dirs", type=Path, nargs="+", help="render these dirs instead")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        dirs = args.dirs or build_inputs(root, args.data_dir)
        t0 = time.perf_counter()
        cli = root / "cli.html"
        subprocess.run(["biasprobe", "report", *map(str, dirs), "--out", str(cli)], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        print(f"cold CLI run (python start-up, imports, world geometry, render, write): "
              f"{time.perf_counter() - t0:.2f} s")  # fmt: skip
        times = []
        for i in range(args.repeat):
            t0 = time.perf_counter()
            out = biasprobe.build_report(dirs, out=root / f"report{i}.html")
            times.append(time.perf_counter() - t0)
        size = out.stat().st_size
        print(f"build_report in one process: first {times[0]:.2f} s (loads the world geometry), "
              f"then median {statistics.median(times[1:] or times):.2f} s "
              f"over {max(1, args.repeat - 1)} runs (target < 5 s)")  # fmt: skip
        print(f"size: {size / 1e6:.2f} MB (target < 3 MB)")


if __name__ == "__main__":
    main()
