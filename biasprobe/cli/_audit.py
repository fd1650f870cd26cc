"""``biasprobe audit``: run a template audit and write an audit directory."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"


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
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    p.add_argument(
        "--n-bootstrap", type=int, default=2000, help="bootstrap resamples (default: 2000)"
    )
    p.add_argument("--confidence", type=float, default=0.95, help="CI level (default: 0.95)")
    p.add_argument("--max-probes", type=int, default=5_000_000, help="refuse larger expansions")
    p.add_argument(
        "--engine",
        default="local",
        type=_engine,
        help="local, ray (local Ray or $RAY_ADDRESS) or ray://HOST:PORT (default: local)",
    )
    p.set_defaults(func=run_audit)


def add_scoring_options(p: argparse.ArgumentParser) -> None:
    """Options shared by every subcommand that scores texts."""
    p.add_argument(
        "--batch-size", type=int, default=64, help="texts per forward pass (default: 64)"
    )
    p.add_argument(
        "--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)"
    )
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    p.add_argument(
        "--fast",
        dest="dtype",
        type=_fast_mode,
        default=argparse.SUPPRESS,
        metavar="MODE",
        help="opt-in approximate speed-up: bf16, int8 (CPU only, least exact), or auto (bf16 "
        "where the hardware has it, else int8); its difference from float32 is measured on "
        "the first texts and recorded in audit.json",
    )
    p.add_argument("--score-label", default=None, help="label whose probability is the score")
    p.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit)")
    p.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="SQLite score cache (default: ~/.cache/biasprobe/scores.sqlite)",
    )
    p.add_argument("--no-cache", action="store_true", help="do not read or write the score cache")
    p.add_argument(
        "--trust-remote-code", action="store_true", help="allow a model's own Python code to run"
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _fast_mode(value: str) -> str:
    modes = {"int8": "int8", "bf16": "bfloat16", "auto": "fast"}
    if value not in modes:
        raise argparse.ArgumentTypeError(f"invalid mode {value!r}; valid: int8, bf16, auto")
    return modes[value]


def _engine(value: str) -> str:
    if value in ("local", "ray") or value.startswith("ray://"):
        return value
    raise argparse.ArgumentTypeError(
        f"invalid engine {value!r}; valid: local, ray, ray://HOST:PORT"
    )


def cache_arg(args: argparse.Namespace) -> Any:
    """The ``cache=`` value for the Python API from --cache/--no-cache."""
    from biasprobe._errors import UsageError
    from biasprobe.scoring._cache import USE_DEFAULT_CACHE

    if args.no_cache and args.cache is not None:
        raise UsageError("--cache and --no-cache exclude each other")
    if args.no_cache:
        return None
    return args.cache if args.cache is not None else USE_DEFAULT_CACHE


def scoring_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword options of ``add_scoring_options`` (plus seed/bootstrap) for the API."""
    return {
        "device": args.device,
        "batch_size": args.batch_size,
        "score_label": args.score_label,
        "cache": cache_arg(args),
        "revision": args.revision,
        "dtype": args.dtype,
        "trust_remote_code": args.trust_remote_code,
        "progress": not args.no_progress,
        "seed": args.seed,
        "n_bootstrap": args.n_bootstrap,
        "confidence": args.confidence,
    }


def run_audit(args: argparse.Namespace) -> int:
    from biasprobe.audits._audit import audit

    result = audit(
        args.templates,
        model=args.model,
        max_probes=args.max_probes,
        engine=args.engine,
        **scoring_kwargs(args),
    )
    result.metadata["command"] = ["biasprobe", *args.argv]
    out = result.save(args.out)
    print(result.summary())
    print(f"wrote {out}/probes.parquet, groups.csv, templates.csv, gaps.csv, audit.json")
    return 0
