"""Benchmark pair tables: one schema for WinoBias, StereoSet and CrowS-Pairs.

A pair table is a plain ``pandas.DataFrame`` with one row per minimal pair. Columns
shared by every benchmark:

``pair_id``
    Unique id, e.g. ``"winobias/type1/dev/17"``.
``benchmark``
    ``"winobias"``, ``"stereoset"`` or ``"crows-pairs"``.
``split``
    The benchmark split the pair comes from (``"dev"``, ``"test"``).
``text_a``
    The stereotypical side (WinoBias: the pro-stereotypical sentence).
``text_b``
    The anti-stereotypical side (WinoBias: the anti-stereotypical sentence).
``bias_type``
    Bias category (``"gender"`` for WinoBias; StereoSet domain; CrowS-Pairs bias type).
``target``
    The group or occupation the pair is about (missing for CrowS-Pairs, which has none).

Each benchmark adds its own columns, listed in ``EXTRA_COLUMNS``.

Where the data comes from: ``data_dir`` (or the ``BIASPROBE_DATA`` environment variable)
names a folder laid out like ``../shared/datasets`` (``winobias/``, ``stereoset/``,
``crows_pairs/``, ``sst2/``); without either, the Hugging Face Hub is used through
``datasets``.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError, UsageError

BENCHMARKS: tuple[str, ...] = ("winobias", "stereoset", "crows-pairs")
PAIR_COLUMNS: tuple[str, ...] = (
    "pair_id",
    "benchmark",
    "split",
    "text_a",
    "text_b",
    "bias_type",
    "target",
)
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    "winobias": (
        "wb_type",
        "wb_id",
        "occupation",
        "occupation_gender",
        "pronoun_gender",
        "pronoun_gender_anti",
    ),
    "stereoset": ("kind", "domain", "context", "text_unrelated", "text_mode"),
    "crows-pairs": ("crows_id", "stereo_antistereo", "disadvantaged_side"),
}
DATA_SUBDIRS: dict[str, str] = {
    "winobias": "winobias",
    "stereoset": "stereoset",
    "crows-pairs": "crows_pairs",
    "sst2": "sst2",
}
DATA_ENV = "BIASPROBE_DATA"
PARQUET_REVISION = "refs/convert/parquet"


class BenchmarkCountWarning(UserWarning):
    """A benchmark file holds a different number of rows than the published dataset."""


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path | None:
    """Return the local data folder (argument, else ``BIASPROBE_DATA``), or None for the Hub."""
    chosen = data_dir if data_dir is not None else os.environ.get(DATA_ENV) or None
    if chosen is None:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        origin = "data_dir" if data_dir is not None else DATA_ENV
        raise DataError(
            f"{origin} {str(path)!r} is not a folder; expected a folder laid out "
            "like ../shared/datasets (winobias/, stereoset/, crows_pairs/, sst2/)"
        )
    return path


def benchmark_folder(root: Path, name: str) -> Path:
    """The sub-folder of ``root`` holding benchmark ``name``; DataError when missing."""
    folder = root / DATA_SUBDIRS[name]
    if not folder.is_dir():
        raise DataError(
            f"no {DATA_SUBDIRS[name]}/ folder in {root}; expected the layout of "
            "../shared/datasets (winobias/, stereoset/, crows_pairs/, sst2/)"
        )
    return folder


def check_count(n: int, expected: int, *, what: str, source: str) -> None:
    """Warn with ``BenchmarkCountWarning`` when ``n`` differs from the published count."""
    if n == 0:
        raise DataError(f"{source}: {what} is empty")
    if n != expected:
        warnings.warn(
            f"{source}: {what} has {n} rows, the published dataset has {expected}; "
            "results are not comparable with published figures",
            BenchmarkCountWarning,
            stacklevel=3,
        )


def load_hub(hub_id: str, config: str | None, split: str) -> Any:
    """Load one split of a Hub dataset, preferring its Parquet export.

    Script-based datasets (all three benchmarks) no longer load under ``datasets>=4``;
    the Hub's automatic Parquet conversion lives at revision ``refs/convert/parquet``.
    The default revision is tried second, for repositories converted in place, unless
    the first attempt showed that the Hub cannot be reached.
    """
    import datasets

    name = f"{hub_id} ({config}, {split})" if config else f"{hub_id} ({split})"
    error = ""
    for revision in (PARQUET_REVISION, None):
        try:
            return datasets.load_dataset(hub_id, config, split=split, revision=revision)
        except Exception as exc:  # every failure becomes one DataError
            error = " ".join(str(exc).split()) or type(exc).__name__
            if _unreachable(error):
                raise DataError(
                    f"cannot reach the Hugging Face Hub for {name} ({error[:200]}); pass "
                    f"data_dir / --data-dir or set {DATA_ENV} to a local copy"
                ) from None
    raise DataError(
        f"cannot load {name} from the Hugging Face Hub: {error[:300]}; pass "
        f"data_dir / --data-dir or set {DATA_ENV} to a local copy"
    )


def _unreachable(message: str) -> bool:
    words = ("offline", "couldn't reach", "connect", "name or service", "network", "timed out")
    return any(w in message.lower() for w in words)


def class_names(dataset: Any, column: str, fallback: Sequence[str]) -> list[str]:
    """Names of an integer label column: from its ClassLabel feature, else ``fallback``."""
    names = getattr(getattr(dataset, "features", {}).get(column), "names", None)
    return list(names) if names else list(fallback)


def validate_pairs(pairs: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Check a pair table's schema; return it unchanged or raise ``DataError``."""
    missing = [c for c in PAIR_COLUMNS if c not in pairs.columns]
    if missing:
        raise DataError(
            f"{source}: pair table lacks columns {', '.join(missing)}; "
            f"required: {', '.join(PAIR_COLUMNS)}"
        )
    if pairs.empty:
        raise DataError(f"{source}: no pairs")
    dup = pairs["pair_id"][pairs["pair_id"].duplicated()]
    if not dup.empty:
        raise DataError(f"{source}: duplicate pair_id {dup.iloc[0]!r}")
    bad = sorted(set(pairs["benchmark"]) - set(BENCHMARKS))
    if bad:
        raise DataError(f"{source}: unknown benchmark {bad[0]!r}; valid: {', '.join(BENCHMARKS)}")
    for col in ("text_a", "text_b"):
        empty = pairs[col].isna() | (pairs[col].astype(str).str.strip() == "")
        if empty.any():
            raise DataError(f"{source}: empty {col} in pair {pairs['pair_id'][empty].iloc[0]!r}")
    return pairs


def make_table(
    rows: list[dict[str, Any]] | pd.DataFrame, benchmark: str, *, source: str
) -> pd.DataFrame:
    """Build a pair table with the fixed column order from row dicts or a frame."""
    columns = list(PAIR_COLUMNS) + list(EXTRA_COLUMNS[benchmark])
    if isinstance(rows, pd.DataFrame):
        table = rows.reindex(columns=columns).reset_index(drop=True)
    else:
        table = pd.DataFrame(rows, columns=columns)
    table["target"] = table["target"].astype("str")  # CrowS-Pairs has none: missing values
    return validate_pairs(table, source=source)


_LOADERS: dict[str, tuple[str, str]] = {
    "winobias": ("biasprobe.comparisons._winobias", "load_winobias"),
    "stereoset": ("biasprobe.comparisons._stereoset", "load_stereoset"),
    "crows-pairs": ("biasprobe.comparisons._crows_pairs", "load_crows_pairs"),
}


def load_pairs(
    benchmark: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    split: str | None = None,
) -> pd.DataFrame:
    """Load one benchmark as a pair table.

    Parameters
    ----------
    benchmark
        ``"winobias"``, ``"stereoset"`` or ``"crows-pairs"``.
    data_dir
        Folder laid out like ``../shared/datasets``; defaults to ``$BIASPROBE_DATA``;
        without either, the Hugging Face Hub is used.
    split
        WinoBias: ``"dev"`` (default), ``"test"`` or ``"all"``; StereoSet: ``"dev"``
        (the only public split); CrowS-Pairs: ``"test"`` (its only split).
        ``"validation"`` is accepted for ``"dev"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``PAIR_COLUMNS`` then the benchmark's ``EXTRA_COLUMNS``.

    Examples
    --------
    >>> pairs = load_pairs("crows-pairs", data_dir="../shared/datasets")  # doctest: +SKIP
    >>> len(pairs)  # doctest: +SKIP
    1508
    """
    if benchmark not in _LOADERS:
        raise UsageError(f"unknown benchmark {benchmark!r}; valid: {', '.join(BENCHMARKS)}")
    module, name = _LOADERS[benchmark]
    loader: Callable[..., pd.DataFrame] = getattr(importlib.import_module(module), name)
    return loader(data_dir=resolve_data_dir(data_dir), split=split)


def check_split(split: str | None, *, benchmark: str, valid: Sequence[str]) -> str:
    """Normalise ``split`` (None -> first valid one, "validation" -> "dev")."""
    chosen = valid[0] if split is None else ("dev" if split == "validation" else split)
    if chosen not in valid:
        raise UsageError(f"unknown {benchmark} split {split!r}; valid: {', '.join(valid)}")
    return chosen
