"""The main recipe: load a template set, expand it, score it, aggregate."""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Unpack

from biasprobe._defaults import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MAX_PROBES,
    DEFAULT_N_BOOTSTRAP,
    DEFAULT_SEED,
)
from biasprobe._provenance import biasprobe_version, environment
from biasprobe.audits._result import AuditResult, check_statistics_options
from biasprobe.audits._stream import score_probes, use_streaming
from biasprobe.probes._expand import BoundSet, bind, expand
from biasprobe.probes._grammar import grammar_warning
from biasprobe.probes._template_set import TemplateSet, load_template_set
from biasprobe.scoring._cache import (
    USE_DEFAULT_CACHE,
    open_cache,
    resolve_cache_path,
)
from biasprobe.scoring._options import ScorerKwargs, ScorerOptions
from biasprobe.scoring._scorer import DEFAULT_MODEL, Scorer, load_scorer


def audit(
    templates: str | Path | TemplateSet,
    *,
    model: str | Path | Callable[[list[str]], Any] | Scorer = DEFAULT_MODEL,
    cache: str | Path | None = USE_DEFAULT_CACHE,
    seed: int = DEFAULT_SEED,
    n_bootstrap: int = DEFAULT_N_BOOTSTRAP,
    confidence: float = DEFAULT_CONFIDENCE,
    max_probes: int = DEFAULT_MAX_PROBES,
    progress: bool = True,
    engine: str = "local",
    streaming: bool | None = None,
    options: ScorerOptions | None = None,
    **scorer_options: Unpack[ScorerKwargs],
) -> AuditResult:
    """Audit a classifier with a template set.

    Parameters
    ----------
    templates
        A shipped set name (``"country"``), a YAML path, or a ``TemplateSet``.
    model
        A Hub id, a local model folder, a callable ``list[str] -> probabilities``, or a scorer.
    options, **scorer_options
        How the model is loaded and run (``device``, ``batch_size``, ``score_label``,
        ``revision``, ``dtype``, ``trust_remote_code``): a ``ScorerOptions``, or the same
        names as keywords (keywords override the object). See ``load_scorer``.
    cache
        SQLite cache path; the default is ``~/.cache/biasprobe/scores.sqlite``; ``None``
        disables caching.
    seed, n_bootstrap, confidence
        Seed of every resampling step, number of resamples, CI level.
    engine
        ``"local"``, or ``"ray"`` / ``"ray://HOST:PORT"`` to score on a Ray actor pool.
    streaming
        Expand and score in chunks spooled to Parquet (bounded memory); ``None``: for sets
        of 200,000 probes or more.

    Examples
    --------
    >>> import biasprobe
    >>> result = biasprobe.audit("country", model=lambda texts: [[0.5, 0.5]] * len(texts),
    ...                          cache=None, progress=False)
    >>> result.by_group("country")["mean"].eq(0.5).all()
    np.True_
    """
    check_statistics_options(n_bootstrap=n_bootstrap, confidence=confidence)
    scoring = ScorerOptions.of(options, scorer_options)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    tset = templates if isinstance(templates, TemplateSet) else load_template_set(templates)
    bound = bind(tset)
    streamed = use_streaming(streaming, bound, max_probes=max_probes)
    probes = None if streamed else expand(bound, max_probes=max_probes)
    timings["expand_s"] = time.perf_counter() - started
    t0 = time.perf_counter()
    scorer = load_scorer(model, **scoring.as_kwargs())
    timings["load_model_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts: dict[str, Any] = {"n_probes": bound.size()}
    cache_path = resolve_cache_path(cache)
    with open_cache(cache_path) as store:
        probes = score_probes(
            bound,
            probes,
            scorer=scorer,
            cache=store,
            engine=engine,
            progress=progress,
            stats=counts,
            max_probes=max_probes,
        )
    timings["score_s"] = time.perf_counter() - t0
    warn_grammar(probes)
    meta = build_metadata(bound, scorer, counts=counts, timings=timings, cache=cache_path)
    meta.update(engine=engine, streaming=streamed, fast_mode=scorer.info.get("fast_mode"))
    t0 = time.perf_counter()
    result = AuditResult(
        probes=probes,
        slots=list(tset.slots),
        metadata=meta,
        seed=seed,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
    )
    result.metadata["timings"]["stats_s"] = time.perf_counter() - t0
    return result


def warn_grammar(probes: Any) -> None:
    """One warning line when rendered probes have grammar problems ("a a sport club")."""
    line = grammar_warning(probes["text"], probes["template_id"])
    if line is not None:
        warnings.warn(line, UserWarning, stacklevel=3)


def build_metadata(
    bound: BoundSet,
    scorer: Scorer,
    *,
    counts: dict[str, Any],
    timings: dict[str, float],
    cache: str | Path | None,
) -> dict[str, Any]:
    """Everything needed to reproduce and describe an audit (written to audit.json)."""
    tset = bound.template_set
    return {
        "biasprobe_version": biasprobe_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": dict(scorer.info, labels=list(scorer.labels), score_label=scorer.score_label),
        "template_set": tset.to_dict(),
        "slots": list(tset.slots),
        "lexicons": {
            slot: {"name": lex.name, "path": lex.path, "n": len(lex), **lex.meta}
            for slot, lex in bound.lexicons.items()
        },
        "counts": counts,
        "timings": timings,
        "cache": str(cache) if cache is not None else None,
        **environment(),
        "command": None,
    }
