"""Benchmark comparison: score WinoBias / StereoSet / CrowS-Pairs pairs with several models.

The recipe: load the pair tables, score every distinct text once per model (through the
cache), attach the scores to the pairs, compute paired statistics per model, benchmark
and breakdown, and measure task quality on SST-2 dev beside them.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from biasprobe._errors import DataError, UsageError
from biasprobe._io import write_atomic, write_text_atomic
from biasprobe._provenance import biasprobe_version, environment
from biasprobe.comparisons._pairs import BENCHMARKS, load_pairs, resolve_data_dir
from biasprobe.comparisons._sst2 import METRIC_COLUMNS, classification_metrics, load_sst2
from biasprobe.scoring._cache import USE_DEFAULT_CACHE, ScoreCache, default_cache_path
from biasprobe.scoring._score_texts import score_texts
from biasprobe.scoring._scorer import Scorer, load_scorer
from biasprobe.stats._paired import STAT_COLUMNS, paired_stats

BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "winobias": ("split", "wb_type", "pronoun_gender", "occupation"),
    "stereoset": ("kind", "domain", "target"),
    "crows-pairs": ("bias_type", "stereo_antistereo"),
}
INT_COLUMNS = {"wb_type", "wb_id", "crows_id"}
SPLITS = {"winobias": "all", "stereoset": "dev", "crows-pairs": "test"}
TEXT_MODE_NOTE = (
    "StereoSet intersentence pairs are scored as one text: context + ' ' + candidate "
    "(text_mode 'concatenated'); intrasentence pairs are single sentences."
)
FINDINGS = {
    "a higher": "stereotypical side scores higher",
    "b higher": "anti-stereotypical side scores higher",
}
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
    batch_size: int = 64,
    device: str = "auto",
    score_label: str | int | None = None,
    revision: str | None = None,
    dtype: str = "float32",
    trust_remote_code: bool = False,
    seed: int = 0,
    n_bootstrap: int = 2000,
    confidence: float = 0.95,
    limit: int | None = None,
    utility: bool = True,
    progress: bool = True,
) -> ComparisonResult:
    """Score benchmark pairs with one or more models and summarise them side by side.

    Parameters
    ----------
    benchmarks
        ``"winobias"``, ``"stereoset"``, ``"crows-pairs"``, a list of them, or ``"all"``.
        WinoBias uses dev and test (1,584 pairs), StereoSet dev, CrowS-Pairs its one split.
    models
        One model or a list: Hub ids, local folders, callables or scorers. Model options
        (``batch_size`` to ``trust_remote_code``) are those of ``load_scorer``.
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
    options = {
        "device": device,
        "score_label": score_label,
        "batch_size": batch_size,
        "revision": revision,
        "dtype": dtype,
        "trust_remote_code": trust_remote_code,
    }
    cache_path = default_cache_path() if cache is USE_DEFAULT_CACHE else cache
    store = ScoreCache(cache_path) if cache_path is not None else None
    try:
        scored, utilities, infos = _score_models(
            specs, pairs, sst2, store=store, options=options, progress=progress
        )
    finally:
        if store is not None:
            store.close()
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


def finding(row: Any) -> str:
    """Plain words for one summary row: the direction where ranks and mean agree."""
    if not row.significant:
        return "no significant difference"
    if np.sign(row.rank_biserial) != np.sign(row.mean_diff):
        return "mixed: most pairs and the mean difference point different ways"
    return FINDINGS.get(row.direction, "no difference")


def summarise(
    pairs: pd.DataFrame, *, seed: int, n_bootstrap: int, confidence: float
) -> pd.DataFrame:
    """Paired statistics per model, benchmark and breakdown (BH across each one's breakdowns)."""
    tables = []
    for (model, bench), part in pairs.groupby(["model", "benchmark"], sort=False):
        table = paired_stats(
            part,
            by=BREAKDOWNS[str(bench)],
            labels=("label_a", "label_b"),
            seed=seed,
            n_bootstrap=n_bootstrap,
            confidence=confidence,
        )
        table.insert(0, "model", str(model))
        tables.append(table)
    out = pd.concat(tables, ignore_index=True)
    out["finding"] = [finding(r) for r in out.itertuples()]
    return out


class ComparisonResult:
    """Scored benchmark pairs for several models, with summary and utility tables.

    Attributes
    ----------
    pairs
        One row per pair and model: the pair table plus ``model``, ``score_a``,
        ``score_b``, ``label_a``, ``label_b`` and ``p_<LABEL>_a`` / ``p_<LABEL>_b``.
    metadata
        Models (with fingerprints), benchmarks, seed, package versions, text-mode note.
    """

    def __init__(
        self, *, pairs: pd.DataFrame, utility: pd.DataFrame, metadata: dict[str, Any]
    ) -> None:
        for col in ("model", "benchmark", "score_a", "score_b", "label_a", "label_b"):
            if col not in pairs.columns:
                raise DataError(f"scored pair table lacks column {col!r}")
        self.pairs = pairs
        self.metadata = dict(metadata)
        self._utility = utility[["model", "dataset", *METRIC_COLUMNS]].reset_index(drop=True)
        self._summary = summarise(
            pairs,
            seed=int(self.metadata.get("seed", 0)),
            n_bootstrap=int(self.metadata.get("n_bootstrap", 2000)),
            confidence=float(self.metadata.get("confidence", 0.95)),
        )

    def summary(self) -> pd.DataFrame:
        """One row per (model, benchmark, breakdown, group): ``STAT_COLUMNS`` + finding."""
        return self._summary.copy()

    def overall(self) -> pd.DataFrame:
        """The ``overall`` rows of ``summary()``: one per model and benchmark."""
        rows = self._summary[self._summary["breakdown"] == "overall"]
        return rows.reset_index(drop=True)

    def utility(self) -> pd.DataFrame:
        """Task quality per model on SST-2 dev (empty when ``utility=False``)."""
        return self._utility.copy()

    def plot(self, path: str | Path | None = None) -> Any:
        """Forest plot of mean differences with CIs; saved as PNG when ``path`` is given."""
        from biasprobe.comparisons._forest_plot import forest_plot

        fig = forest_plot(self._summary, breakdowns=BREAKDOWNS)
        if path is not None:
            write_atomic(Path(path), lambda p: fig.savefig(p, format="png", dpi=120))
        return fig

    def save(self, out_dir: str | Path) -> Path:
        """Write pairs.parquet, summary.csv, utility.csv, comparison.png and compare.json."""
        import matplotlib.pyplot as plt

        out = Path(out_dir)
        write_atomic(out / "pairs.parquet", lambda p: self.pairs.to_parquet(p, index=False))
        write_atomic(out / "summary.csv", lambda p: self._summary.to_csv(p, index=False))
        write_atomic(out / "utility.csv", lambda p: self._utility.to_csv(p, index=False))
        plt.close(self.plot(out / "comparison.png"))
        text = json.dumps(self.metadata, indent=2, default=str) + "\n"
        write_text_atomic(out / "compare.json", text)
        return out

    def report_lines(self) -> list[str]:
        """Plain-text lines: each model x benchmark's overall result, then utility."""
        lines = []
        for _, r in self.overall().iterrows():
            lines.append(
                f"{r['model']} | {r['benchmark']}: n={r['n']}, mean diff {r['mean_diff']:+.4f} "
                f"[{r['diff_ci_low']:+.4f}, {r['diff_ci_high']:+.4f}], stereotypical higher in "
                f"{r['share_a_higher']:.1%} [{r['share_ci_low']:.1%}, {r['share_ci_high']:.1%}]"
                f", flips {r['flip_rate']:.1%}, p={r['p_value']:.2g} -> {r['finding']}"
            )
        for _, u in self._utility.iterrows():
            lines.append(
                f"{u['model']} | {u['dataset']}: accuracy {u['accuracy']:.4f}, "
                f"F1 {u['f1']:.4f}, AUC {u['auc']:.4f}"
            )
        return lines

    def __repr__(self) -> str:
        return "ComparisonResult(\n  " + "\n  ".join(self.report_lines()) + "\n)"

    def _repr_html_(self) -> str:
        cols = [
            "model",
            "benchmark",
            "n",
            "mean_diff",
            "diff_ci_low",
            "diff_ci_high",
            "share_a_higher",
            "flip_rate",
            "p_adjusted",
            "finding",
        ]
        return (
            f"<div><strong>biasprobe comparison</strong>"
            f"<p>{html.escape(TEXT_MODE_NOTE)}</p>{_html(self.overall()[cols])}"
            f"{_html(self._utility)}</div>"
        )


def _html(table: pd.DataFrame) -> str:
    return table.to_html(index=False, float_format=lambda x: f"{x:.4f}")


__all__ = ["STAT_COLUMNS", "ComparisonResult", "compare"]
