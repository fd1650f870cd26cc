"""A warm re-run: the country audit with every score cached, and ``biasprobe report`` on it.

Each command runs as a fresh ``biasprobe`` process (what a user types), timed end to end,
median of ``--repeats`` runs. The score cache is filled once first (not timed). With
``--against TREE`` the same commands also run from another checkout of biasprobe (say,
the commit before a change), alternating with this one, and the ratio is printed: the two
are measured side by side on the same machine in the same run.

    python benchmarks/bench_warm.py --against /work/wt17-old

Targets (issue 17): warm audit < 3 s, report < 3 s. ``report`` is the first report of
the folder just audited (an empty figure cache: every map is drawn); ``report again`` reruns
it right after, with the figures the first one kept (``biasprobe/report/_figure_cache.py``;
a tree without that cache draws them again). Which tree runs first alternates. The
load average of the machine is printed with the times.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
MODEL = HERE.parent / "shared" / "models" / "minilm-l6-sst2"


def run(tree: Path, argv: list[str], *, cwd: Path, cache: Path) -> tuple[float, float]:
    """(wall, CPU) seconds that ``biasprobe ARGV`` takes, run from the package in ``tree``.

    CPU time (user + system of the child) is less sensitive than wall time to other load
    on a shared machine."""
    env = dict(
        os.environ,
        PYTHONPATH=str(tree),
        BIASPROBE_CACHE=str(cache),
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
    )
    code = f"import sys; from biasprobe.cli import main; sys.exit(main({argv!r}))"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: biasprobe {' '.join(argv)} failed:\n{proc.stderr[-2000:]}")
    return elapsed, cpu


def commands(model: Path) -> dict[str, list[str]]:
    audit = ["audit", "country", "--model", str(model), "--out", "country", "--no-progress"]
    report = ["report", "country", "--out", "report.html"]
    return {"warm audit": audit, "report": report, "report again": report}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, default=None, help="another biasprobe checkout")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args()
    trees = {"this": HERE} | ({"against": args.against.resolve()} if args.against else {})
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        root = Path(tmp)
        cache = root / "scores.sqlite"
        for name in trees:
            (root / name).mkdir()
        cmds = commands(args.model.resolve())
        run(HERE, cmds["warm audit"], cwd=root / "this", cache=cache)  # fills the cache
        for name, tree in trees.items():  # each tree's own audit folder
            run(tree, cmds["warm audit"], cwd=root / name, cache=cache)
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        started = load()
        for i in range(args.repeats):
            order = list(trees.items()) if i % 2 == 0 else list(trees.items())[::-1]
            for label, argv in cmds.items():
                for name, tree in order:  # alternating which tree goes first
                    # the report: a figure cache of its own, empty (each map is drawn);
                    # report again: the same cache, right after (the audit did not change)
                    fresh = root / f"fresh-{name}-{i}" / "scores.sqlite"
                    own = cache if label == "warm audit" else fresh
                    seconds = run(tree, argv, cwd=root / name, cache=own)
                    times.setdefault((label, name), []).append(seconds)
    print(f"load average (1, 5, 15 min): {started} at the start, {load()} at the end")
    for kind, k in (("wall", 0), ("CPU", 1)):
        print(f"{'command':<13} " + " ".join(f"{n:>10}" for n in trees) + f"   (median {kind} s)")
        for label in cmds:
            medians = [statistics.median(t[k] for t in times[label, name]) for name in trees]
            ratio = f"   {medians[1] / medians[0]:.1f}x faster" if len(medians) == 2 else ""
            print(f"{label:<13} " + " ".join(f"{m:>10.2f}" for m in medians) + ratio)


if __name__ == "__main__":
    main()
