"""Short, unique, folder-safe names for the models of a multi-model audit or a diff."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

NON_DTYPES = ("float32", None, "")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


def model_name(info: Mapping[str, Any]) -> str:
    """A readable name from a scorer's ``info`` (or an audit.json ``model`` record):
    the last part of the id or path, ``@revision`` and the dtype when not float32.

    Examples
    --------
    >>> model_name({"model": "../shared/models/minilm-l6-sst2", "dtype": "int8"})
    'minilm-l6-sst2-int8'
    >>> model_name({"model": "org/m", "revision": "v2"})
    'm@v2'
    """
    base = PurePath(str(info.get("model") or "model")).name or "model"
    name = base
    if info.get("revision"):
        name += f"@{str(info['revision'])[:12]}"
    if info.get("dtype") not in NON_DTYPES:
        name += f"-{info['dtype']}"
    return _UNSAFE.sub("_", name)


def unique_names(names: Sequence[str]) -> list[str]:
    """``names`` with ``-2``, ``-3`` ... appended to repeats (first keeps its name).

    >>> unique_names(["m", "m", "n"])
    ['m', 'm-2', 'n']
    """
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return out
