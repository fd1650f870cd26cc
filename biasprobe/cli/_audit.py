"""``biasprobe audit``: run a template audit and write an audit directory."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from biasprobe._defaults import DEFAULT_MAX_PROBES, DEFAULT_MODEL
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
        "--model", default=DEFAULT_MODEL, help="Hub id or local model folder (default: %(default)s)"
    )
    p.add_argument("--out", required=True, type=Path, help="output directory")
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

    corpus = reference_corpus(args)
    kwargs = scoring_kwargs(args)
    result = audit(
        args.templates,
        model=args.model,
        max_probes=args.max_probes,
        engine=args.engine,
        **kwargs,
    )
    result.metadata["command"] = ["biasprobe", *args.argv]
    out = result.save(args.out)
    print("\n".join(result.report_lines()))
    print(f"wrote {out}/probes.parquet, groups.csv, templates.csv, gaps.csv, audit.json")
    # the scorer again (the audit keeps none): its tokenizer and the bare-term scores
    scorer = None if args.no_confounds else load_scorer(args.model, **kwargs["options"].as_kwargs())
    extra = write_scrutiny(result, scorer, args, out, corpus=corpus)
    if args.perturb:
        model = scorer or args.model
        run = lambda t: audit(  # noqa: E731
            t, model=model, max_probes=args.max_probes, engine=args.engine, **kwargs
        )
        extra += write_perturbations(result, run, out, templates=args.templates)
    print(f"wrote {', '.join(p.name for p in extra)}")
    return 0
