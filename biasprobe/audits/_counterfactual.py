"""Counterfactual audits of real text: find mentions, swap them, score, aggregate.

The recipe: read the corpus, find the lexicon's mentions (kept and skipped), cross every
(sentence, mentioned value) unit with every value of the lexicon, score originals and
counterfactuals through the same scorer and cache as audits, and compute the statistics
with the source sentence as the resampling cluster. The probe table has the audit shape
(``template_id`` is the source sentence, the original is its baseline), so the result
is also an ``AuditResult``: ``load_audit`` reads the folder, maps, report and checks work.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import pandas as pd

from biasprobe._defaults import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MODEL,
    DEFAULT_N_BOOTSTRAP,
    DEFAULT_SEED,
)
from biasprobe._errors import DataError, UsageError
from biasprobe._io import write_atomic, write_text_atomic
from biasprobe._provenance import biasprobe_version, environment
from biasprobe.audits._result import AuditResult, check_statistics_options, load_audit
from biasprobe.probes._corpus import read_corpus
from biasprobe.probes._lexicon import Lexicon
from biasprobe.probes._lexicon_refs import load_lexicon
from biasprobe.probes._mentions import MentionFinder
from biasprobe.probes._swap import counterfactuals, find_all
from biasprobe.scoring._cache import (
    USE_DEFAULT_CACHE,
    open_cache,
    resolve_cache_path,
)
from biasprobe.scoring._options import ScorerKwargs, ScorerOptions
from biasprobe.scoring._score_texts import score_texts
from biasprobe.scoring._scorer import Scorer, load_scorer
from biasprobe.stats._contrasts import ContrastSpec
from biasprobe.stats._counterfactual import agreement, group_shifts, overall_metrics, unit_metrics
from biasprobe.stats._slots import Options
from biasprobe.stats._subgroup_auc import MIN_COUNT, subgroup_aucs

SLOT_NAMES = {
    "countries": "country",
    "religions": "religion",
    "names_ethnicity": "name",
    "first_names": "name",
    "occupations": "occupation",
    "gender_terms": "person",
    "emotion_words": "emotion",
}
TABLES = ("shifts", "metrics", "units", "mentions", "subgroup_auc", "agreement")


@dataclass
class CounterfactualResult:
    """A counterfactual audit: the audit view plus the real-text statistics.

    Attributes
    ----------
    audit
        The ``AuditResult`` of the probe table (groups, gaps, contrasts; clusters are source
        sentences).
    shifts
        Per group: mean, shift vs the original and vs all groups (CIs, p, BH), flip rate.
    metrics
        Overall PSA metrics and the counterfactual token fairness gap, with CIs.
    units
        Per (sentence, mentioned value): the PSA metrics.
    mentions
        Every candidate mention: kept (``skipped`` empty) or skipped with its reason.
    subgroup_auc
        Subgroup, BPSN and BNSP AUCs per mentioned group (labelled corpora only).
    agreement
        Against a template audit: the template's extreme groups and whether they survive.
    """

    audit: AuditResult
    shifts: pd.DataFrame
    metrics: pd.DataFrame
    units: pd.DataFrame
    mentions: pd.DataFrame
    subgroup_auc: pd.DataFrame = field(default_factory=pd.DataFrame)
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def slot(self) -> str:
        return self.audit.slots[0]

    def by_group(self) -> pd.DataFrame:
        """The per-group shifts table (same as ``shifts``)."""
        return self.shifts.copy()

    def summary(self) -> pd.DataFrame:
        """The overall metrics (PSA, CTF gap, label distance) with CIs."""
        return self.metrics.copy()

    def report_lines(self) -> list[str]:
        """Plain-text lines (what the CLI prints)."""
        c = self.metadata["counts"]
        gap = self.audit.gap(self.slot)
        lines = [
            f"model: {self.audit.metadata.get('model', {}).get('model', '?')}",
            f"mentions: {c['n_kept']:,} kept, {c['n_skipped']:,} skipped; "
            f"{c['n_sentences']:,} sentences, {c['n_counterfactuals']:,} counterfactuals",
            f"{self.slot}: gap {gap:.3f} [{gap.ci_low:.3f}, {gap.ci_high:.3f}]",
        ]
        for _, m in self.metrics.iterrows():
            lines.append(
                f"{m['metric']}: {m['estimate']:.4f} [{m['ci_low']:.4f}, {m['ci_high']:.4f}]"
            )
        return lines

    def save(self, out_dir: str | Path) -> Path:
        """Write the audit files (probes.parquet, groups.csv, gaps.csv, ..., audit.json),
        the real-text tables (shifts.csv, metrics.csv, units.csv, mentions.csv,
        subgroup_auc.csv, agreement.csv) and counterfactual.json."""
        out = self.audit.save(out_dir)
        for name in TABLES:
            _write_csv(out / f"{name}.csv", getattr(self, name))
        text = json.dumps(self.metadata, indent=2, default=str) + "\n"
        write_text_atomic(out / "counterfactual.json", text)
        return out


def counterfactual(
    corpus: str | Path | pd.DataFrame,
    *,
    lexicon: str | Lexicon,
    model: str | Path | Callable[[list[str]], Any] | Scorer = DEFAULT_MODEL,
    text_column: str = "text",
    label_column: str | None = None,
    id_column: str | None = None,
    slot: str | None = None,
    sample: int | None = None,
    max_sentences: int | None = None,
    case: str = "auto",
    threshold: float = 0.5,
    template_audit: str | Path | AuditResult | None = None,
    contrasts: Mapping[str, ContrastSpec] | None = None,
    cache: str | Path | None = USE_DEFAULT_CACHE,
    seed: int = DEFAULT_SEED,
    n_bootstrap: int = DEFAULT_N_BOOTSTRAP,
    confidence: float = DEFAULT_CONFIDENCE,
    min_count: int = MIN_COUNT,
    auc_background: int | None = None,
    progress: bool = True,
    engine: str = "local",
    options: ScorerOptions | None = None,
    **scorer_options: Unpack[ScorerKwargs],
) -> CounterfactualResult:
    """Audit a classifier by swapping group mentions in real sentences.

    Parameters
    ----------
    corpus
        A CSV/TSV/Parquet/JSONL file, a folder of them, a ``datasets`` id
        ``ID[:CONFIG][:SPLIT]``, or a DataFrame.
    lexicon
        A shipped lexicon name (``countries``, ``religions``, ``names_ethnicity``) or path.
    text_column, label_column, id_column
        Columns of the corpus; labels (0/1, 1 = the scored label) enable subgroup AUCs.
    slot
        The group column's name (default: ``country`` for ``countries``, and so on).
    sample
        Swap in this many values (one seeded draw shared by every mention) instead of all.
    max_sentences
        Keep a seeded sample of this many sentences that mention the lexicon.
    case
        ``auto`` (lower-cased corpora detected), ``cased`` or ``lower``: see ``MentionFinder``.
    threshold
        The decision threshold of label flips.
    template_audit
        A template audit (folder or result) of the same lexicon to compare rankings with.
    contrasts
        Named contrasts per slot, as in ``AuditResult`` (``{"name": {"AA - EA": (...)}}``).
    min_count, auc_background
        Labelled sentences per class an AUC needs; score only a seeded sample of this
        many sentences without a mention as the AUC background (default: all of them).
    options, **scorer_options, cache, engine, seed, n_bootstrap, confidence
        As in ``audit``.

    Examples
    --------
    >>> import biasprobe
    >>> result = biasprobe.counterfactual(
    ...     "examples/reviews.csv", lexicon="religions",
    ...     model=lambda texts: [[0.5, 0.5]] * len(texts), cache=None, progress=False)
    >>> result.shifts["shift"].abs().max()
    np.float64(0.0)
    """
    check_statistics_options(n_bootstrap=n_bootstrap, confidence=confidence)
    if not 0 < threshold < 1:
        raise UsageError(f"threshold must be between 0 and 1, got {threshold}")
    scoring = ScorerOptions.of(options, scorer_options)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    text = _corpus(corpus, text_column, label_column, id_column)
    lex = lexicon if isinstance(lexicon, Lexicon) else load_lexicon(lexicon)
    slot = slot or SLOT_NAMES.get(lex.name, lex.name)
    finder = MentionFinder(lex, case=case).for_corpus(text["text"])
    mentions = find_all(text["text"], finder, source_ids=text["source_id"])
    kept_ids = _sentences(mentions, max_sentences=max_sentences, seed=seed, source=corpus)
    chosen = text[text["source_id"].isin(kept_ids)]
    of_chosen = mentions[mentions["source_id"].isin(kept_ids)]
    probes = pd.DataFrame(
        list(counterfactuals(chosen, of_chosen, finder, slot=slot, sample=sample, seed=seed))
    )
    timings["swap_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    scorer = load_scorer(model, **scoring.as_kwargs())
    cache_path = resolve_cache_path(cache)
    counts: dict[str, Any] = {}
    with open_cache(cache_path) as store:
        texts = probes["text"].tolist()
        if "label" in text:  # subgroup AUCs need the labelled sentences' scores
            text = _auc_sentences(text, mentions, background=auc_background, seed=seed)
            texts += text["text"].tolist()
        scored = score_texts(
            texts, scorer=scorer, cache=store, progress=progress, stats=counts, engine=engine
        )
    timings["score_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    probe_scores = scored.iloc[: len(probes)].drop(columns="text").reset_index(drop=True)
    probes = pd.concat([probes, probe_scores], axis=1)
    probes.insert(0, "probe_id", np.arange(len(probes)))
    opts = Options(n_bootstrap, confidence, seed, True)
    rows = _stat_rows(probes, slot)
    shifts = group_shifts(rows, opts, threshold=threshold)
    meta_cols = [c for c in probes.columns if c.startswith(f"{slot}_")]
    meta = probes.loc[~probes["is_baseline"], [slot, *meta_cols]].drop_duplicates(slot)
    meta = meta.rename(columns={slot: "value", **{c: c[len(slot) + 1 :] for c in meta_cols}})
    shifts = shifts.merge(meta, on="value", how="left").sort_values("shift_vs_all")
    units = unit_metrics(rows, threshold=threshold)
    metrics = overall_metrics(units, opts)
    aucs = pd.DataFrame()
    if "label" in text:
        corpus_scores = scored["score"].to_numpy()[len(probes) :]
        aucs = _aucs(text, mentions, corpus_scores, opts, min_count=min_count)
    agree_summary: dict[str, float] = {}
    agree = pd.DataFrame()
    if template_audit is not None:
        tmpl = (
            template_audit
            if isinstance(template_audit, AuditResult)
            else load_audit(template_audit)
        )
        agree_summary, agree = agreement(shifts, tmpl.by_group(slot))
    timings["stats_s"] = time.perf_counter() - t0
    metadata = _metadata(
        corpus=corpus, lex=lex, slot=slot, scorer=scorer, mentions=mentions, probes=probes,
        counts=counts, timings=timings, cache=cache_path, case=finder.case,
        options={"sample": sample, "max_sentences": max_sentences, "threshold": threshold,
                 "text_column": text_column, "label_column": label_column,
                 "auc_background": auc_background},
    )  # fmt: skip
    metadata["agreement"] = agree_summary
    t0 = time.perf_counter()
    audit = AuditResult(
        probes=probes,
        slots=[slot],
        metadata={**metadata, "kind": "counterfactual"},
        seed=seed,
        n_bootstrap=n_bootstrap,
        confidence=confidence,
        contrasts=contrasts,
    )
    metadata["timings"]["audit_stats_s"] = time.perf_counter() - t0
    return CounterfactualResult(
        audit=audit, shifts=shifts.reset_index(drop=True), metrics=metrics, units=units,
        mentions=mentions, subgroup_auc=aucs, agreement=agree, metadata=metadata,
    )  # fmt: skip


def load_counterfactual(path: str | Path) -> CounterfactualResult:
    """Read a folder written by ``CounterfactualResult.save`` / ``biasprobe counterfactual``.

    Parameters
    ----------
    path
        The folder (``counterfactual.json``, the audit files and the real-text tables).

    Returns
    -------
    CounterfactualResult
        The tables as written; the audit view recomputed by ``load_audit``.
    """
    folder = Path(path)
    meta_path = folder / "counterfactual.json"
    if not meta_path.is_file():
        raise DataError(f"{meta_path}: not found; is {folder} a counterfactual audit folder?")
    tables = {}
    for name in TABLES:
        p = folder / f"{name}.csv"
        try:
            tables[name] = pd.read_csv(p, keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            tables[name] = pd.DataFrame()
        except OSError as exc:
            raise DataError(f"{p}: cannot read ({exc})") from None
    metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    return CounterfactualResult(audit=load_audit(folder), metadata=metadata, **tables)


def _write_csv(path: Path, table: pd.DataFrame) -> None:
    write_atomic(path, lambda p: table.to_csv(p, index=False))


def _corpus(
    corpus: str | Path | pd.DataFrame,
    text_column: str,
    label_column: str | None,
    id_column: str | None,
) -> pd.DataFrame:
    if isinstance(corpus, pd.DataFrame):
        out = pd.DataFrame(
            {"source_id": corpus[id_column] if id_column else range(len(corpus))}
        ).assign(text=corpus[text_column].astype(str).to_numpy())
        if label_column:
            out["label"] = corpus[label_column].astype(int).to_numpy()
        return out
    return read_corpus(
        corpus, text_column=text_column, label_column=label_column, id_column=id_column
    )


def _sentences(
    mentions: pd.DataFrame, *, max_sentences: int | None, seed: int, source: object
) -> list[Any]:
    ids = list(dict.fromkeys(mentions.loc[mentions["skipped"] == "", "source_id"]))
    if not ids:
        name = source if not isinstance(source, pd.DataFrame) else "the corpus"
        raise DataError(
            f"{name}: no kept mention of the lexicon ({len(mentions)} candidates, all "
            "skipped); see the homograph rules, or try another lexicon or --case"
        )
    if max_sentences is not None and max_sentences < len(ids):
        rng = np.random.default_rng(seed)
        ids = [ids[i] for i in sorted(rng.choice(len(ids), size=max_sentences, replace=False))]
    return ids


def _auc_sentences(
    text: pd.DataFrame, mentions: pd.DataFrame, *, background: int | None, seed: int
) -> pd.DataFrame:
    """Every sentence that mentions the lexicon, plus all others or a seeded sample."""
    mentioned = text["source_id"].isin(mentions.loc[mentions["skipped"] == "", "source_id"])
    others = text[~mentioned]
    if background is not None and background < len(others):
        others = others.sample(n=background, random_state=seed)
    return pd.concat([text[mentioned], others]).sort_index()


def _stat_rows(probes: pd.DataFrame, slot: str) -> pd.DataFrame:
    base = probes[probes["is_baseline"]]
    keys = zip(base["source_id"], base["source_value"], strict=True)
    original = dict(zip(keys, base["score"], strict=True))
    cf = probes[~probes["is_baseline"]]
    unit = list(zip(cf["source_id"], cf["source_value"], strict=True))
    return pd.DataFrame(
        {
            "cluster": cf["source_id"].astype(str).to_numpy(),
            "unit": [f"{a}|{b}" for a, b in unit],
            "group": cf[slot].astype(str).to_numpy(),
            "score": cf["score"].to_numpy(dtype=float),
            "original": [original[u] for u in unit],
        }
    )


def _aucs(
    text: pd.DataFrame,
    mentions: pd.DataFrame,
    scores: np.ndarray,
    opts: Options,
    *,
    min_count: int,
) -> pd.DataFrame:
    kept = mentions[mentions["skipped"] == ""]
    ids = text["source_id"].to_numpy()
    members = {
        str(value): np.isin(ids, group["source_id"].unique())
        for value, group in kept.groupby("value", sort=True)
    }
    return subgroup_aucs(scores, text["label"].to_numpy(), members, opts, min_count=min_count)


def _metadata(
    *,
    corpus: object,
    lex: Lexicon,
    slot: str,
    scorer: Scorer,
    mentions: pd.DataFrame,
    probes: pd.DataFrame,
    counts: dict[str, Any],
    timings: dict[str, float],
    cache: str | Path | None,
    case: str,
    options: dict[str, Any],
) -> dict[str, Any]:
    skipped = mentions[mentions["skipped"] != ""]
    reasons = skipped["skipped"].value_counts().to_dict()
    return {
        "biasprobe_version": biasprobe_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "corpus": "DataFrame" if isinstance(corpus, pd.DataFrame) else str(corpus),
        "model": dict(scorer.info, labels=list(scorer.labels), score_label=scorer.score_label),
        "slots": [slot],
        "lexicons": {slot: {"name": lex.name, "path": lex.path, "n": len(lex), **lex.meta}},
        "case": case,
        "options": options,
        "counts": {
            **counts,
            "n_candidates": len(mentions),
            "n_kept": int((mentions["skipped"] == "").sum()),
            "n_skipped": len(skipped),
            "skipped_by_reason": reasons,
            "n_sentences": int(probes["source_id"].nunique()),
            "n_units": int(probes["is_baseline"].sum()),
            "n_counterfactuals": int((~probes["is_baseline"]).sum()),
        },
        "timings": timings,
        "cache": str(cache) if cache is not None else None,
        **environment(),
        "command": None,
    }
