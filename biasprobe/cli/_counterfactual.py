"""``biasprobe counterfactual``: swap group mentions in real sentences and audit the shifts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from biasprobe._defaults import DEFAULT_MODEL
from biasprobe.cli._options import (
    add_scoring_options,
    add_statistics_options,
    engine_arg,
    scoring_kwargs,
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "counterfactual",
        help="audit a classifier by swapping group mentions in real sentences",
        description="Find mentions of a lexicon's values in a corpus, swap each for every "
        "other value, score originals and counterfactuals, and write an audit folder "
        "(probes.parquet, groups.csv, gaps.csv, shifts.csv, metrics.csv, units.csv, "
        "mentions.csv, subgroup_auc.csv, agreement.csv, audit.json, counterfactual.json).",
    )
    p.add_argument(
        "corpus", help="CSV/TSV/Parquet/JSONL file, folder, or datasets ID[:CONFIG][:SPLIT]"
    )
    p.add_argument("--lexicon", required=True, help="shipped lexicon name or CSV path")
    p.add_argument(
        "--model", default=DEFAULT_MODEL, help="Hub id or local model folder (default: %(default)s)"
    )
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--text-column", default="text", help="text column (default: %(default)s)")
    p.add_argument("--label-column", default=None, help="0/1 label column (subgroup AUCs)")
    p.add_argument("--id-column", default=None, help="sentence id column (default: row number)")
    p.add_argument("--slot", default=None, help="group column name (default: from the lexicon)")
    p.add_argument(
        "--sample",
        type=int,
        default=None,
        help="swap in N values (one seeded draw for all mentions)",
    )
    p.add_argument(
        "--max-sentences", type=int, default=None, help="a seeded sample of N mentioning sentences"
    )
    p.add_argument("--case", default="auto", choices=["auto", "cased", "lower"])
    p.add_argument("--threshold", type=float, default=0.5, help="decision threshold of flips")
    p.add_argument(
        "--template-audit", type=Path, default=None, help="template audit folder to compare with"
    )
    p.add_argument(
        "--min-count",
        type=int,
        default=10,
        help="labelled sentences per class needed for an AUC (default: %(default)s)",
    )
    p.add_argument(
        "--auc-background",
        type=int,
        default=None,
        help="score a seeded sample of N unmentioning sentences as the AUC background "
        "(default: all)",
    )
    p.add_argument(
        "--engine", default="local", type=engine_arg, help="local, ray or ray://HOST:PORT"
    )
    add_scoring_options(p)
    add_statistics_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from biasprobe._errors import UsageError
    from biasprobe.audits._counterfactual import counterfactual

    for flag in ("sample", "max_sentences", "min_count", "auc_background"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag.replace('_', '-')} must be at least 1, got {value}")
    result = counterfactual(
        args.corpus,
        lexicon=args.lexicon,
        model=args.model,
        text_column=args.text_column,
        label_column=args.label_column,
        id_column=args.id_column,
        slot=args.slot,
        sample=args.sample,
        max_sentences=args.max_sentences,
        case=args.case,
        threshold=args.threshold,
        template_audit=args.template_audit,
        min_count=args.min_count,
        auc_background=args.auc_background,
        engine=args.engine,
        **scoring_kwargs(args),
    )
    result.metadata["command"] = ["biasprobe", *args.argv]
    result.audit.metadata["command"] = result.metadata["command"]
    out = result.save(args.out)
    print("\n".join(result.report_lines()))
    print(f"wrote {out}/probes.parquet, shifts.csv, metrics.csv, counterfactual.json and more")
    return 0
