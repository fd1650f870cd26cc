"""Command-line entry point: ``biasprobe SUBCOMMAND ...``.

Each subcommand lives in its own module of this package exposing ``register(subparsers)``;
heavy imports happen inside the subcommand's ``run`` so that start-up stays fast.
Exit codes: 0 success, 1 a check failed, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from biasprobe._errors import BiasprobeError

SUBCOMMAND_MODULES: tuple[str, ...] = (
    "biasprobe.cli._audit",
    "biasprobe.cli._templates",
    "biasprobe.cli._compare",
    "biasprobe.cli._map",
    "biasprobe.cli._check",
    "biasprobe.cli._report",
    "biasprobe.cli._diff",
    "biasprobe.cli._counterfactual",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="biasprobe", description="Audit text classifiers for bias.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _one_line_warning(command: str) -> Callable[..., None]:
    """Print warnings as one line on stderr (no source line, no file/line of our code)."""

    def show(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
        text = " ".join(str(message).split())
        print(f"biasprobe {command}: warning: {text}", file=sys.stderr)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # recorded in outputs
    if args.version:
        from biasprobe._provenance import biasprobe_version

        print(biasprobe_version())
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _one_line_warning(args.command)
            return int(args.func(args) or 0)
    except BiasprobeError as exc:
        message = " ".join(str(exc).split())
        print(f"biasprobe {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"biasprobe {args.command}: interrupted; cached scores are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
