"""``biasprobe compare``: WinoBias / StereoSet / CrowS-Pairs scores for several models."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from biasprobe.cli._options import add_scoring_options, add_statistics_options, scoring_kwargs

BENCHMARK_CHOICES = ("winobias", "stereoset", "crows-pairs", "all")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "compare",
        help="compare models on WinoBias, StereoSet and CrowS-Pairs pairs",
        description="Score benchmark minimal pairs with one or more classifiers and write "
        "pairs.parquet, summary.csv, utility.csv, comparison.png and compare.json.",
    )
    p.add_argument(
        "--benchmark",
        action="append",
        choices=BENCHMARK_CHOICES,
        help="benchmark to run (repeatable; default: all)",
    )
    p.add_argument(
        "--model",
        action="append",
        required=True,
        help="Hub id or local model folder (repeat to compare several)",
    )
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder laid out like ../shared/datasets (default: $BIASPROBE_DATA, "
        "else the Hugging Face Hub)",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        help="a seeded sample of at most N pairs per benchmark (quick runs)",
    )
    p.add_argument(
        "--no-utility", action="store_true", help="skip the SST-2 dev accuracy/F1/AUC measurement"
    )
    add_scoring_options(p)
    add_statistics_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from biasprobe.comparisons._compare import compare

    result = compare(
        args.benchmark or "all",
        models=args.model,
        data_dir=args.data_dir,
        limit=args.limit,
        utility=not args.no_utility,
        **scoring_kwargs(args),
    )
    result.metadata["command"] = ["biasprobe", *args.argv]
    out = result.save(args.out)
    print("\n".join(result.report_lines()))
    print(f"wrote {out}/pairs.parquet, summary.csv, utility.csv, comparison.png, compare.json")
    return 0
