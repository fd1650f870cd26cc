"""``biasprobe audit``: run a template audit and write an audit directory."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from biasprobe._defaults import DEFAULT_MAX_PROBES, DEFAULT_MODEL
from biasprobe.cli._multi import ModelsAction, run_multi
from biasprobe.cli._options import (
    add_scoring_options,
    add_statistics_options,
    engine_arg,
    scoring_kwargs,
)
from biasprobe.cli._scrutiny import (
    add_scrutiny_options,
    reference_corpus,
    write_perturbations,
    write_scrutiny,
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("audit", help="audit a classifier with a template set")
    p.add_argument(
        "templates", help="a shipped set name (see `biasprobe templates`) or a YAML path"
    )
    p.add_argument(
        "--model",
        action=ModelsAction,
        default=DEFAULT_MODEL,
        help=f"Hub id or local model folder (default: {DEFAULT_MODEL}); repeat it to audit "
        "several models on the same probes and diff them against the first (per model: "
        "MODEL,revision=R,fast=int8|bf16,name=N)",
    )
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument(
        "--utility-data",
        type=Path,
        default=None,
        metavar="DIR",
        help="with several --model: measure each model's SST-2 dev accuracy/F1 from "
        "DIR/sst2/dev.tsv (bias against task quality: quality.csv, quality.png)",
    )
    add_scoring_options(p)
    add_statistics_options(p)
    p.add_argument(
        "--max-probes",
        type=int,
        default=DEFAULT_MAX_PROBES,
        help="refuse larger expansions (default: %(default)s)",
    )
    p.add_argument(
        "--engine",
        default="local",
        type=engine_arg,
        help="local, ray (local Ray or $RAY_ADDRESS) or ray://HOST:PORT (default: local)",
    )
    add_scrutiny_options(p)
    p.set_defaults(func=run_audit)


def run_audit(args: argparse.Namespace) -> int:
    from biasprobe.audits._audit import audit
    from biasprobe.scoring._scorer import load_scorer

    models = [args.model] if isinstance(args.model, str) else list(args.model)
    if len(models) > 1:
        return run_multi(args, models)
    if args.utility_data is not None:
        from biasprobe._errors import UsageError

        raise UsageError("--utility-data compares models: give --model at least twice")

    corpus = reference_corpus(args)
    kwargs = scoring_kwargs(args)
    result = audit(
        args.templates,
        model=models[0],
        max_probes=args.max_probes,
        engine=args.engine,
        **kwargs,
    )
    result.metadata["command"] = ["biasprobe", *args.argv]
    out = result.save(args.out)
    print("\n".join(result.report_lines()))
    print(f"wrote {out}/probes.parquet, groups.csv, templates.csv, gaps.csv, audit.json")
    # the scorer again (the audit keeps none): its tokenizer and the bare-term scores
    scorer = None if args.no_confounds else load_scorer(models[0], **kwargs["options"].as_kwargs())
    extra = write_scrutiny(result, scorer, args, out, corpus=corpus)
    if args.perturb:
        model = scorer or models[0]
        run = lambda t: audit(  # noqa: E731
            t, model=model, max_probes=args.max_probes, engine=args.engine, **kwargs
        )
        extra += write_perturbations(result, run, out, templates=args.templates)
    print(f"wrote {', '.join(p.name for p in extra)}")
    return 0
