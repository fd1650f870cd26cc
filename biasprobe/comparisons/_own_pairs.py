"""Your own pair set: two texts per row that should score the same, through the same
paired statistics, report and checks as the built-in benchmarks.

The file (CSV/TSV/Parquet/JSONL, a folder of them, or a ``datasets`` id) has a ``text_a``
and a ``text_b`` column and optionally ``group`` (a breakdown), ``pair_id`` and
``direction`` (``a`` or ``b``: which side is the one expected to score higher, e.g. the
stereotypical one; rows marked ``b`` are swapped so that ``text_a`` is always that side).
Every column name can be changed. The pairs become a pair table of the benchmark schema
with ``benchmark`` set to the set's name and the breakdown column ``pair_group``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Unpack, cast

import pandas as pd

from biasprobe._defaults import DEFAULT_CONFIDENCE, DEFAULT_N_BOOTSTRAP, DEFAULT_SEED
from biasprobe._errors import DataError, UsageError
from biasprobe._provenance import biasprobe_version, environment
from biasprobe.comparisons._compare import ModelSpec, _score_models, check_options
from biasprobe.comparisons._comparison import ComparisonResult
from biasprobe.comparisons._pairs import PAIR_COLUMNS
from biasprobe.probes._corpus import read_table, require_columns
from biasprobe.scoring._cache import (
    USE_DEFAULT_CACHE,
    open_cache,
    resolve_cache_path,
)
from biasprobe.scoring._options import ScorerKwargs, ScorerOptions

GROUP_COLUMN = "pair_group"
DIRECTIONS = {"a": False, "b": True, "1": False, "-1": True, "+1": False}


def load_own_pairs(
    source: str | Path | pd.DataFrame,
    *,
    text_a: str = "text_a",
    text_b: str = "text_b",
    group: str | None = None,
    pair_id: str | None = None,
    direction: str | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """A pair table (benchmark schema plus ``pair_group``, ``swapped``) from your file.

    ``group``, ``pair_id`` and ``direction`` default to columns of those names when the
    file has them.

    Examples
    --------
    >>> pairs = load_own_pairs("examples/pairs.csv")
    >>> pairs[["benchmark", "pair_group"]].drop_duplicates().shape[0] > 1
    True
    """
    label = "the pair table" if isinstance(source, pd.DataFrame) else str(source)
    raw = source.copy() if isinstance(source, pd.DataFrame) else read_table(source)
    if raw.empty:
        raise DataError(f"{label}: no rows; expected one pair per row")
    group = group or ("group" if "group" in raw.columns else None)
    pair_id = pair_id or ("pair_id" if "pair_id" in raw.columns else None)
    direction = direction or ("direction" if "direction" in raw.columns else None)
    need = [c for c in (text_a, text_b, group, pair_id, direction) if c is not None]
    flags = "--text-a-column / --text-b-column / --group-column / --pair-id-column"
    require_columns(raw, need, source=label, flag=flags)
    a, b = _texts(raw, text_a, label), _texts(raw, text_b, label)
    _check_counts(a, b, text_a, text_b, label)
    swapped = _directions(raw, direction, label)
    ids = raw[pair_id].astype(str) if pair_id else pd.Series(range(len(raw))).astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise DataError(f"{label}: pair id {dup!r} appears twice; ids must be unique")
    set_name = name or (Path(label).stem if not isinstance(source, pd.DataFrame) else "pairs")
    out = pd.DataFrame(
        {
            "pair_id": [f"{set_name}/{i}" for i in ids],
            "benchmark": set_name,
            "split": "all",
            "text_a": b.where(swapped, a).to_numpy(),
            "text_b": a.where(swapped, b).to_numpy(),
            "bias_type": "",
            "target": "",
            GROUP_COLUMN: raw[group].astype(str).to_numpy() if group else "all",
            "swapped": swapped.to_numpy(),
        }
    )
    return out[[*PAIR_COLUMNS, GROUP_COLUMN, "swapped"]]


def _texts(raw: pd.DataFrame, column: str, label: str) -> pd.Series:
    values = raw[column]
    return values.where(values.notna(), "").astype(str).str.strip().reset_index(drop=True)


def _check_counts(a: pd.Series, b: pd.Series, ca: str, cb: str, label: str) -> None:
    has_a, has_b = a != "", b != ""
    if (has_a != has_b).any():
        row = int((has_a != has_b).to_numpy().argmax())
        raise DataError(
            f"{label}: unequal pair counts ({int(has_a.sum())} {ca} vs {int(has_b.sum())} "
            f"{cb}); row {row + 1} has only one side; every pair needs both texts"
        )
    if not has_a.any():
        raise DataError(f"{label}: every {ca} and {cb} is empty")
    if not has_a.all():
        row = int((~has_a).to_numpy().argmax())
        raise DataError(f"{label}: row {row + 1} has neither {ca} nor {cb}; remove it")


def _directions(raw: pd.DataFrame, column: str | None, label: str) -> pd.Series:
    if column is None:
        return pd.Series(False, index=range(len(raw)))
    values = raw[column].astype(str).str.strip().str.lower().reset_index(drop=True)
    bad = ~values.isin(list(DIRECTIONS))
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataError(
            f"{label}: row {row + 1} has {column}={raw[column].iloc[row]!r}; valid: a, b "
            "(the side expected to score higher) or 1, -1"
        )
    return values.map(DIRECTIONS).astype(bool)


def compare_pairs(
    pairs: str | Path | pd.DataFrame,
    *,
    models: ModelSpec | Sequence[ModelSpec],
    text_a: str = "text_a",
    text_b: str = "text_b",
    group: str | None = None,
    pair_id: str | None = None,
    direction: str | None = None,
    name: str | None = None,
    cache: str | Path | None = USE_DEFAULT_CACHE,
    seed: int = DEFAULT_SEED,
    n_bootstrap: int = DEFAULT_N_BOOTSTRAP,
    confidence: float = DEFAULT_CONFIDENCE,
    progress: bool = True,
    options: ScorerOptions | None = None,
    **scorer_options: Unpack[ScorerKwargs],
) -> ComparisonResult:
    """Score your own pair set with one or more models: a ``ComparisonResult`` like
    ``compare`` gives (paired statistics overall and per ``pair_group``).

    Examples
    --------
    >>> fake = lambda texts: [[0.4, 0.6] if "she" in t else [0.5, 0.5] for t in texts]
    >>> result = compare_pairs("examples/pairs.csv", models=fake, cache=None, progress=False)
    >>> result.overall()["benchmark"].tolist()
    ['pairs']
    """
    check_options(limit=None, confidence=confidence, n_bootstrap=n_bootstrap)
    specs = list(models) if isinstance(models, list | tuple) else [cast(ModelSpec, models)]
    if not specs:
        raise UsageError("give at least one model")
    table = load_own_pairs(
        pairs, text_a=text_a, text_b=text_b, group=group, pair_id=pair_id,
        direction=direction, name=name,
    )  # fmt: skip
    load_options = ScorerOptions.of(options, scorer_options).as_kwargs()
    cache_path = resolve_cache_path(cache)
    with open_cache(cache_path) as store:
        scored, utilities, infos = _score_models(
            specs, table, None, store=store, options=load_options, progress=progress
        )
    set_name = str(table["benchmark"].iloc[0])
    meta: dict[str, Any] = {
        "biasprobe_version": biasprobe_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "models": infos,
        "benchmarks": {set_name: {"split": "all", "n_pairs": len(table), "own_pairs": True}},
        "data_source": "DataFrame" if isinstance(pairs, pd.DataFrame) else str(pairs),
        "columns": {"text_a": text_a, "text_b": text_b, "group": group, "pair_id": pair_id,
                    "direction": direction},
        "n_swapped": int(table["swapped"].sum()),
        "seed": seed,
        "n_bootstrap": n_bootstrap,
        "confidence": confidence,
        "utility_dataset": None,
        "cache": str(cache_path) if cache_path is not None else None,
        **environment(("datasets", "matplotlib")),
        "command": None,
    }  # fmt: skip
    return ComparisonResult(pairs=scored, utility=utilities, metadata=meta)
