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
    _add_pairs_options(p)
    add_scoring_options(p)
    add_statistics_options(p)
    p.set_defaults(func=run)


def _add_pairs_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("your own pairs (instead of the benchmarks)")
    g.add_argument("--pairs", default=None, help="CSV/TSV/Parquet/JSONL or datasets id of pairs")
    g.add_argument("--text-a-column", default="text_a", help="default: %(default)s")
    g.add_argument("--text-b-column", default="text_b", help="default: %(default)s")
    g.add_argument("--group-column", default=None, help="breakdown column (default: group)")
    g.add_argument("--pair-id-column", default=None, help="id column (default: pair_id)")
    g.add_argument(
        "--direction-column", default=None, help="a/b: side expected higher (default: direction)"
    )
    g.add_argument("--pairs-name", default=None, help="name of the set (default: file name)")


def run_pairs(args: argparse.Namespace) -> int:
    from biasprobe._errors import UsageError
    from biasprobe.comparisons._own_pairs import compare_pairs

    if args.benchmark:
        raise UsageError("--pairs and --benchmark exclude each other; run them separately")
    result = compare_pairs(
        args.pairs,
        models=args.model,
        text_a=args.text_a_column,
        text_b=args.text_b_column,
        group=args.group_column,
        pair_id=args.pair_id_column,
        direction=args.direction_column,
        name=args.pairs_name,
        **scoring_kwargs(args),
    )
    result.metadata["command"] = ["biasprobe", *args.argv]
    out = result.save(args.out)
    print("\n".join(result.report_lines()))
    print(f"wrote {out}/pairs.parquet, summary.csv, comparison.png, compare.json")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.pairs is not None:
        return run_pairs(args)
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
