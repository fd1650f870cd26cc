"""Flags shared by the commands that score texts, mapped to the library's options once.

``add_scoring_options`` / ``add_statistics_options`` declare them (defaults from
``biasprobe._defaults``); ``scoring_kwargs`` turns them into the keywords of ``audit`` and
``compare``. Light: nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from biasprobe._defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CONFIDENCE,
    DEFAULT_DEVICE,
    DEFAULT_DTYPE,
    DEFAULT_N_BOOTSTRAP,
    DEFAULT_SEED,
)


def add_statistics_options(p: argparse.ArgumentParser) -> None:
    """Seed, resamples and CI level (the library's defaults)."""
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="resampling seed (default: %(default)s)"
    )
    p.add_argument(
        "--n-bootstrap",
        type=int,
        default=DEFAULT_N_BOOTSTRAP,
        help="bootstrap resamples (default: %(default)s)",
    )
    p.add_argument(
        "--confidence",
        type=float,
        default=DEFAULT_CONFIDENCE,
        help="CI level (default: %(default)s)",
    )


def add_scoring_options(p: argparse.ArgumentParser) -> None:
    """Options shared by every subcommand that scores texts (``ScorerOptions`` + cache)."""
    p.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help="texts per forward pass (default: %(default)s)",
    )
    p.add_argument(
        "--device",
        default=DEFAULT_DEVICE,
        help="auto, cpu, cuda, cuda:N or mps (default: %(default)s)",
    )
    p.add_argument("--dtype", default=DEFAULT_DTYPE, choices=["float32", "bfloat16", "float16"])
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


def engine_arg(value: str) -> str:
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


def scorer_options(args: argparse.Namespace) -> Any:
    """The ``ScorerOptions`` given by the flags of ``add_scoring_options``."""
    from biasprobe.scoring._options import ScorerOptions

    return ScorerOptions(
        device=args.device,
        batch_size=args.batch_size,
        score_label=args.score_label,
        revision=args.revision,
        dtype=args.dtype,
        trust_remote_code=args.trust_remote_code,
    )


def scoring_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The API keywords of the scoring and statistics flags (mapped once, for every command)."""
    return {
        "options": scorer_options(args),
        "cache": cache_arg(args),
        "progress": not args.no_progress,
        "seed": args.seed,
        "n_bootstrap": args.n_bootstrap,
        "confidence": args.confidence,
    }
