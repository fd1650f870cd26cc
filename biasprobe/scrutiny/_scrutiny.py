"""Findings under scrutiny: the lexical confound report of an audit, and all the evidence
files written with an audit (``scrutinize``).

``confound_report`` gathers, per slot, the term table (``_confounds``), the Spearman
associations, the group effects raw and adjusted, and the flags of every finding the
confounds could explain (``_confound_effects``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from biasprobe._io import write_text_atomic
from biasprobe.audits._baselines import baseline_sensitivity, filler_table, neutral_deltas
from biasprobe.audits._scales import headline_scales
from biasprobe.scoring._tokens import WordPieces, word_pieces
from biasprobe.scrutiny._confound_effects import (
    associations,
    default_group,
    explained_group_effects,
    extreme_flags,
    group_effects,
)
from biasprobe.scrutiny._confounds import ScoreFn, score_function, term_table
from biasprobe.scrutiny._explain import explain_extremes

if TYPE_CHECKING:
    from biasprobe.audits._result import AuditResult

AUTO = "auto"


@dataclass(frozen=True)
class ConfoundReport:
    """Lexical confounds of an audit: four DataFrames.

    ``terms`` (one row per value), ``associations`` (Spearman of value means with each
    covariate), ``effects`` (group contrasts raw and adjusted) and ``flags`` (one row per
    finding: could the confounds explain it, and which).
    """

    terms: pd.DataFrame
    associations: pd.DataFrame
    effects: pd.DataFrame
    flags: pd.DataFrame

    def save(self, out_dir: str | Path) -> list[Path]:
        """Write confounds.csv, confound_associations.csv, confound_effects.csv and
        confound_flags.csv."""
        out = Path(out_dir)
        written = []
        for name, frame in (
            ("confounds", self.terms),
            ("confound_associations", self.associations),
            ("confound_effects", self.effects),
            ("confound_flags", self.flags),
        ):
            path = out / f"{name}.csv"
            write_text_atomic(path, frame.to_csv(index=False))
            written.append(path)
        return written


def confound_report(
    result: AuditResult,
    slot: str | None = None,
    *,
    pieces: WordPieces,
    score: ScoreFn | None = None,
    corpus: pd.DataFrame | None = None,
    group: str | None = AUTO,
) -> ConfoundReport:
    """The lexical confound report of an audit.

    Parameters
    ----------
    result
        An audit.
    slot
        One slot, or every slot.
    pieces
        The model's word-piece splitter (``biasprobe.scoring._tokens.word_pieces``).
    score
        ``texts -> scores`` of the same model, for the bare-term scores (``None``: skipped).
    corpus
        A labelled reference corpus (``read_reference_corpus``), or ``None``.
    group
        The metadata column whose levels are compared (``"auto"``: the first of
        perceived_ethnicity, income_group, gender, category that the slot has; ``None``:
        no group comparison).
    """
    slots = result.slots if slot is None else [slot]
    parts: dict[str, list[pd.DataFrame]] = {"t": [], "a": [], "e": [], "f": []}
    for s in slots:
        col = default_group(result, s) if group == AUTO else group
        terms = term_table(result, s, pieces=pieces, score=score, corpus=corpus, group=col)
        scored = result.probes[~result.probes["is_baseline"] & result.probes[s].notna()]
        cells = pd.DataFrame(
            {
                "value": scored[s].astype(str),
                "template_id": scored["template_id"].astype(str),
                "score": scored["score"].astype(float),
            }
        )
        effects = group_effects(
            terms,
            confidence=result.boot.confidence,
            cells=cells,
            n_resamples=result.boot.n_resamples,
            seed=result.boot.seed,
        )
        parts["t"].append(terms)
        parts["a"].append(associations(terms))
        parts["e"].append(effects)
        parts["f"] += [extreme_flags(result, s, terms), explained_group_effects(effects)]
    return ConfoundReport(*(_concat(parts[k]) for k in "taef"))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    kept = [f for f in frames if not f.empty]
    return pd.concat(kept, ignore_index=True) if kept else frames[0].iloc[:0]


def scrutinize(
    result: AuditResult,
    scorer: Any,
    out_dir: str | Path,
    *,
    corpus: pd.DataFrame | None = None,
    confounds: bool = True,
    integrated: bool = False,
    n_pairs: int = 5,
    cache: Any = None,
) -> list[Path]:
    """Write the evidence next to an audit's findings, into ``out_dir``.

    Always ``robustness.csv`` (named extremes across wordings), ``wording_agreement.csv``
    ``scales.csv`` (extremes on probability, logit and label-rate scales), and where the
    audit has baselines ``baselines.csv`` (per neutral filler) and ``neutral_deltas.csv``
    (per value, against the set of fillers); with
    ``confounds``, the confound report (``confounds.csv``,
    ``confound_associations.csv``, ``confound_effects.csv``, ``confound_flags.csv``) and
    ``attributions.csv`` (occlusion of the extreme pairs); with ``integrated``, also
    ``attributions_ig.csv`` (integrated gradients, transformers models, needs captum).

    Parameters
    ----------
    result
        The audit.
    scorer
        The loaded scorer that scored it (``load_scorer``); its tokenizer gives the pieces.
    out_dir
        The audit directory.
    corpus
        A labelled reference corpus (``read_reference_corpus``), or ``None``.
    cache
        The score cache (a ``ScoreCache`` or path) for the bare-term and occlusion texts, so
        a re-run with everything cached loads no model.
    """
    out = Path(out_dir)
    robust = result.robustness()
    agree = pd.concat([result.wording_agreement(s) for s in result.slots], ignore_index=True)
    written = [out / "robustness.csv", out / "wording_agreement.csv", out / "scales.csv"]
    write_text_atomic(written[0], robust.to_csv(index=False))
    write_text_atomic(written[1], agree.to_csv(index=False))
    write_text_atomic(written[2], headline_scales(result).to_csv(index=False))
    written += _write_baselines(result, out)
    if not confounds:
        return written
    score = score_function(scorer, cache=cache)
    report = confound_report(result, pieces=word_pieces(scorer), score=score, corpus=corpus)
    written += report.save(out)
    attributions = explain_extremes(result, score=score, n=n_pairs)
    written.append(out / "attributions.csv")
    write_text_atomic(written[-1], attributions.to_csv(index=False))
    if integrated:
        from biasprobe.scoring._attributions import integrated_gradients

        texts = attributions.drop_duplicates(["slot", "side", "pair"])["text"].tolist()
        written.append(out / "attributions_ig.csv")
        write_text_atomic(written[-1], integrated_gradients(scorer, texts).to_csv(index=False))
    return written


def _write_baselines(result: AuditResult, out: Path) -> list[Path]:
    if not result.probes["is_baseline"].any():
        return []
    fillers = pd.concat([filler_table(result, s) for s in result.slots], ignore_index=True)
    deltas = pd.concat([neutral_deltas(result, s) for s in result.slots], ignore_index=True)
    paths = [out / "baselines.csv", out / "neutral_deltas.csv", out / "baseline_sensitivity.csv"]
    write_text_atomic(paths[0], fillers.to_csv(index=False))
    write_text_atomic(paths[1], deltas.to_csv(index=False))
    write_text_atomic(paths[2], baseline_sensitivity(result).to_csv(index=False))
    return paths
