"""Benchmark comparison: score WinoBias / StereoSet / CrowS-Pairs pairs with several models.

The recipe: load the pair tables, score every distinct text once per model (through the
cache), attach the scores to the pairs, compute paired statistics per model, benchmark
and breakdown, and measure task quality on SST-2 dev beside them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Unpack, cast

import numpy as np
import pandas as pd

from biasprobe._defaults import DEFAULT_CONFIDENCE, DEFAULT_N_BOOTSTRAP, DEFAULT_SEED
from biasprobe._errors import UsageError
from biasprobe._provenance import biasprobe_version, environment
from biasprobe.comparisons._comparison import (
    TEXT_MODE_NOTE,
    ComparisonResult,
)
from biasprobe.comparisons._pairs import BENCHMARKS, load_pairs, resolve_data_dir
from biasprobe.comparisons._sst2 import METRIC_COLUMNS, classification_metrics, load_sst2
from biasprobe.scoring._cache import (
    USE_DEFAULT_CACHE,
    ScoreCache,
    open_cache,
    resolve_cache_path,
)
from biasprobe.scoring._options import ScorerKwargs, ScorerOptions
from biasprobe.scoring._score_texts import score_texts
from biasprobe.scoring._scorer import Scorer, load_scorer
from biasprobe.stats._paired import STAT_COLUMNS

INT_COLUMNS = {"wb_type", "wb_id", "crows_id"}
SPLITS = {"winobias": "all", "stereoset": "dev", "crows-pairs": "test"}
ModelSpec = str | Path | Callable[[list[str]], Any] | Scorer


def benchmark_names(benchmarks: str | Sequence[str]) -> list[str]:
    """``"all"`` or one name or a list of names -> validated list of benchmark names."""
    names = [benchmarks] if isinstance(benchmarks, str) else list(benchmarks)
    if "all" in names:
        return list(BENCHMARKS)
    bad = [n for n in names if n not in BENCHMARKS]
    if bad or not names:
        raise UsageError(
            f"unknown benchmark {bad[0] if bad else ''!r}; valid: {', '.join(BENCHMARKS)}, all"
        )
    return list(dict.fromkeys(names))


def load_benchmarks(
    names: Sequence[str], *, data_dir: Path | None, limit: int | None, seed: int
) -> pd.DataFrame:
    """All requested pair tables stacked; ``limit`` keeps a seeded sample per benchmark."""
    tables = []
    for name in names:
        pairs = load_pairs(name, data_dir=data_dir, split=SPLITS[name])
        if limit is not None and limit < len(pairs):
            pairs = pairs.sample(n=limit, random_state=seed).sort_index()
        tables.append(pairs)
    stacked = pd.concat(tables, ignore_index=True)
    for col in INT_COLUMNS.intersection(stacked.columns):
        stacked[col] = stacked[col].astype("Int64")  # stays integer beside other benchmarks
    return stacked


def check_options(*, limit: int | None, confidence: float, n_bootstrap: int) -> None:
    """UsageError for a limit or bootstrap count below 1 or a confidence outside (0, 1)."""
    if limit is not None and limit < 1:
        raise UsageError(f"limit must be at least 1, got {limit}")
    if n_bootstrap < 1:
        raise UsageError(f"n_bootstrap must be at least 1, got {n_bootstrap}")
    if not 0 < confidence < 1:
        raise UsageError(f"confidence must be between 0 and 1, got {confidence}")


def model_name(spec: ModelSpec, scorer: Scorer, taken: set[str]) -> str:
    """A display name: the id or path given, else the scorer's own; made unique."""
    base = str(spec) if isinstance(spec, str | Path) else str(scorer.info.get("model", "model"))
    name, k = base, 2
    while name in taken:
        name, k = f"{base}#{k}", k + 1
    taken.add(name)
    return name


def score_pairs(
    pairs: pd.DataFrame, scorer: Scorer, *, cache: ScoreCache | None, progress: bool
) -> pd.DataFrame:
    """Pairs with score_a/score_b, label_a/label_b and p_<LABEL>_a/_b for one model."""
    texts = pd.concat([pairs["text_a"], pairs["text_b"]]).drop_duplicates().tolist()
    scores = score_texts(texts, scorer=scorer, cache=cache, progress=progress)
    scores = scores.set_index("text")
    prob_cols = [f"p_{label}" for label in scorer.labels]
    out = pairs.copy()
    for side in ("a", "b"):
        table = scores.loc[pairs[f"text_{side}"]]
        out[f"score_{side}"] = table["score"].to_numpy()
        probs = table[prob_cols].to_numpy()
        out[f"label_{side}"] = np.asarray(scorer.labels, dtype=object)[probs.argmax(axis=1)]
        for col in prob_cols:
            out[f"{col}_{side}"] = table[col].to_numpy()
    return out


def model_utility(
    scorer: Scorer, sst2: pd.DataFrame, *, cache: ScoreCache | None, progress: bool
) -> pd.DataFrame:
    """SST-2 metrics with the score label as the positive class (argmax predictions)."""
    scores = score_texts(sst2["text"].tolist(), scorer=scorer, cache=cache, progress=progress)
    probs = scores[[f"p_{label}" for label in scorer.labels]].to_numpy()
    predicted = np.asarray(scorer.labels)[probs.argmax(axis=1)] == scorer.score_label
    return classification_metrics(sst2["label"], scores["score"], predictions=predicted)


def compare(
    benchmarks: str | Sequence[str] = "all",
    *,
    models: ModelSpec | Sequence[ModelSpec],
    data_dir: str | os.PathLike[str] | None = None,
    cache: str | Path | None = USE_DEFAULT_CACHE,
    seed: int = DEFAULT_SEED,
    n_bootstrap: int = DEFAULT_N_BOOTSTRAP,
    confidence: float = DEFAULT_CONFIDENCE,
    limit: int | None = None,
    utility: bool = True,
    progress: bool = True,
    options: ScorerOptions | None = None,
    **scorer_options: Unpack[ScorerKwargs],
) -> ComparisonResult:
    """Score benchmark pairs with one or more models and summarise them side by side.

    Parameters
    ----------
    benchmarks
        ``"winobias"``, ``"stereoset"``, ``"crows-pairs"``, a list of them, or ``"all"``.
        WinoBias uses dev and test (1,584 pairs), StereoSet dev, CrowS-Pairs its one split.
    models
        One model or a list: Hub ids, local folders, callables or scorers.
    options, **scorer_options
        How each model is loaded and run: a ``ScorerOptions``, or its fields as keywords
        (``device``, ``batch_size``, ``score_label``, ``revision``, ``dtype``,
        ``trust_remote_code``), as for ``audit``.
    data_dir
        Folder laid out like ``../shared/datasets``; default ``$BIASPROBE_DATA``, else Hub.
    cache
        SQLite score cache (default ``~/.cache/biasprobe/scores.sqlite``); None disables it.
    seed, n_bootstrap, confidence
        Seed of the ``limit`` sample and of the bootstrap; resamples; CI level.
    limit
        Keep a seeded random sample of at most ``limit`` pairs per benchmark (quick runs);
        the SST-2 utility set is always complete.
    utility
        Also score SST-2 dev for accuracy, precision, recall, F1 and AUC.

    Examples
    --------
    >>> fake = lambda texts: [[0.5, 0.5] for _ in texts]
    >>> result = compare("crows-pairs", models=fake, data_dir="../shared/datasets",
    ...                  cache=None, limit=20, utility=False, progress=False)  # doctest: +SKIP
    >>> result.overall()["mean_diff"].tolist()  # doctest: +SKIP
    [0.0]
    """
    check_options(limit=limit, confidence=confidence, n_bootstrap=n_bootstrap)
    specs = list(models) if isinstance(models, list | tuple) else [cast(ModelSpec, models)]
    if not specs:
        raise UsageError("give at least one model")
    names = benchmark_names(benchmarks)
    root = resolve_data_dir(data_dir)
    pairs = load_benchmarks(names, data_dir=root, limit=limit, seed=seed)
    sst2 = load_sst2(data_dir=root) if utility else None
    load_options = ScorerOptions.of(options, scorer_options).as_kwargs()
    cache_path = resolve_cache_path(cache)
    with open_cache(cache_path) as store:
        scored, utilities, infos = _score_models(
            specs, pairs, sst2, store=store, options=load_options, progress=progress
        )
    meta = {
        "biasprobe_version": biasprobe_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "models": infos,
        "benchmarks": {
            n: {"split": SPLITS[n], "n_pairs": int((pairs["benchmark"] == n).sum())} for n in names
        },
        "data_source": str(root) if root is not None else "huggingface hub",
        "limit": limit,
        "seed": seed,
        "n_bootstrap": n_bootstrap,
        "confidence": confidence,
        "utility_dataset": "sst2/dev" if utility else None,
        "text_mode_note": TEXT_MODE_NOTE,
        "cache": str(cache_path) if cache_path is not None else None,
        **environment(("datasets", "matplotlib")),
        "command": None,
    }
    return ComparisonResult(pairs=scored, utility=utilities, metadata=meta)


def _score_models(
    specs: list[ModelSpec],
    pairs: pd.DataFrame,
    sst2: pd.DataFrame | None,
    *,
    store: ScoreCache | None,
    options: dict[str, Any],
    progress: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """Scored pairs (stacked over models), utility rows and model descriptions."""
    scored, utilities, infos = [], [], []
    taken: set[str] = set()
    for spec in specs:
        scorer = load_scorer(spec, **options)
        name = model_name(spec, scorer, taken)
        scored.append(score_pairs(pairs, scorer, cache=store, progress=progress).assign(model=name))
        if sst2 is not None:
            utilities.append(
                model_utility(scorer, sst2, cache=store, progress=progress).assign(
                    model=name, dataset="sst2/dev"
                )
            )
        infos.append(
            {
                **scorer.info,
                "name": name,
                "labels": list(scorer.labels),
                "score_label": scorer.score_label,
                "fingerprint": scorer.fingerprint,
            }
        )
    table = pd.concat(scored, ignore_index=True)
    table = table[["model", *[c for c in table.columns if c != "model"]]]
    empty = pd.DataFrame(columns=["model", "dataset", *METRIC_COLUMNS])
    return table, pd.concat(utilities, ignore_index=True) if utilities else empty, infos


__all__ = ["STAT_COLUMNS", "ComparisonResult", "compare"]
