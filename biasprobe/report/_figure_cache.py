"""Drawn report figures kept for the next report of the same audit folder.

The country map, the per-wording small multiples and the region bars are most of the
time of ``biasprobe report`` (matplotlib and the world geometry). Each is a function of
the audit folder's ``probes.parquet`` and ``audit.json``, the figure's name and options,
the code that draws it and the versions of the drawing libraries. The report stores each
drawn figure (its SVG or PNG markup, caption and alt text) in
``<score cache folder>/figures/<sha256 of all of those>.json`` (the score cache folder:
``$BIASPROBE_CACHE``'s, else ``~/.cache/biasprobe``) and reuses it when the same key comes
again: the report is the same, byte for byte, without drawing. A change to the probes, the
metadata, biasprobe's map code or a library version gives a new key. A cache that cannot
be read or written is passed over: the figure is drawn as before.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from markupsafe import Markup

from biasprobe._io import write_text_atomic
from biasprobe.report._figures import Figure
from biasprobe.scoring._cache import default_cache_path

FOLDER_FILES = ("probes.parquet", "audit.json")
LIBRARIES = ("matplotlib", "geopandas", "shapely", "pyproj", "numpy", "pandas", "biasprobe")
KEEP = 64  # figures kept; the oldest go first


def cache_dir() -> Path:
    """Where drawn figures are kept: ``figures/`` next to the score cache."""
    return default_cache_path().parent / "figures"


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """The map-drawing code and the library versions (a change of either: a new key)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    files = [
        *sorted((root / "maps").glob("*.py")),
        root / "report" / "_maps_view.py",
        root / "report" / "_figures.py",
        root / "data" / "world" / "countries_110m.geojson",
    ]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?".encode())
    return digest.hexdigest()


def figure_key(folder: Path, *parts: str) -> str | None:
    """The key of one figure of an audit folder, or None when the folder's files cannot
    be read (then nothing is cached)."""
    digest = hashlib.sha256(_code_digest().encode())
    try:
        for name in FOLDER_FILES:
            digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
    except OSError:
        return None
    digest.update("\0".join(parts).encode())
    return digest.hexdigest()


def cached_figure(key: str | None, draw: Callable[[], Figure]) -> Figure:
    """The figure stored under ``key``; else ``draw()``, stored when it drew (no problem)."""
    if key is None:
        return draw()
    path = cache_dir() / f"{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        svg = data["svg"]
        return Figure(
            caption=data["caption"],
            svg=Markup(svg) if svg is not None else None,
            data_uri=data["data_uri"],
            alt=data["alt"],
        )
    except (OSError, ValueError, KeyError, TypeError):
        pass
    fig = draw()
    if not fig.problem:
        _store(path, fig)
    return fig


def _store(path: Path, fig: Figure) -> None:
    data = {
        "caption": fig.caption,
        "svg": str(fig.svg) if fig.svg is not None else None,
        "data_uri": fig.data_uri,
        "alt": fig.alt,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(data))
        old = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only or full cache: the report is still written
