"""Command-line interface: ``biasprobe SUBCOMMAND ...`` (one module per command).

Importing this package loads no pandas or torch; each command imports what it needs.
"""

from biasprobe.cli._main import build_parser, main

__all__ = ["build_parser", "main"]
