"""Provenance recorded in every output: package versions, platform, the command given.

One owner, so that audits, comparisons, reports and the CLI record the same facts the same
way; it imports nothing heavy.
"""

from __future__ import annotations

import functools
import platform
import sys
from importlib import metadata as importlib_metadata
from typing import Any

PACKAGES: tuple[str, ...] = (
    "biasprobe",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "torch",
    "transformers",
    "tokenizers",
)


@functools.cache  # a metadata lookup scans sys.path; every output asks for the same few
def package_version(name: str) -> str | None:
    """The installed version of distribution ``name``, or None when it is not installed.

    >>> package_version("surely-not-installed-biasprobe-test") is None
    True
    """
    try:
        return importlib_metadata.version(name)
    except importlib_metadata.PackageNotFoundError:
        return None


def biasprobe_version() -> str:
    """This package's version (``0.0.0+unknown`` when running from an uninstalled tree)."""
    return package_version("biasprobe") or "0.0.0+unknown"


def environment(extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Versions of the packages that shape a result, the Python version and the platform."""
    return {
        "packages": {name: package_version(name) for name in (*PACKAGES, *extra)},
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
