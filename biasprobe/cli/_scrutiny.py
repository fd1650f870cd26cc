"""Flags of ``biasprobe audit`` for the evidence written with an audit (robustness,
confounds, attributions)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_scrutiny_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("findings under scrutiny")
    g.add_argument(
        "--reference-corpus",
        type=Path,
        default=None,
        help="labelled corpus (TSV/CSV with label and text/sentence/content, or a folder with "
        "train.tsv, e.g. ../shared/datasets/sst2): term frequency and label balance per value",
    )
    g.add_argument(
        "--no-confounds",
        action="store_true",
        help="skip the confound report and attributions (robustness.csv is always written)",
    )
    g.add_argument(
        "--perturb",
        action="store_true",
        help="also audit rewording families of the set (punctuation, synonyms, fronting, a "
        "neutral clause, tense) and write perturb.csv and perturb_summary.csv",
    )
    g.add_argument(
        "--integrated-gradients",
        action="store_true",
        help="also write attributions_ig.csv (integrated gradients; needs biasprobe[explain])",
    )


def reference_corpus(args: argparse.Namespace) -> Any:
    """The ``--reference-corpus`` table (read before scoring, so a bad path fails fast)."""
    from biasprobe.scrutiny._confounds import read_reference_corpus

    return read_reference_corpus(args.reference_corpus) if args.reference_corpus else None


def write_scrutiny(
    result: Any, scorer: Any, args: argparse.Namespace, out: Path, *, corpus: Any
) -> list[Path]:
    """Write robustness, confound and attribution files next to the audit."""
    from biasprobe.cli._options import cache_arg
    from biasprobe.scoring._cache import resolve_cache_path
    from biasprobe.scrutiny._scrutiny import scrutinize

    cache = cache_arg(args)
    return scrutinize(
        result,
        scorer,
        out,
        corpus=corpus,
        confounds=not args.no_confounds,
        integrated=args.integrated_gradients,
        cache=resolve_cache_path(cache),
    )


def write_perturbations(result: Any, run: Any, out: Path, *, templates: str) -> list[Path]:
    """Audit every rewording variant with ``run(template_set)`` and write the tables."""
    from biasprobe._io import write_text_atomic
    from biasprobe.audits._perturb import perturbation_summary, variant_headlines
    from biasprobe.probes._template_set import load_template_set

    tset = load_template_set(templates)
    headlines = variant_headlines(tset, result, run)
    paths = [out / "perturb.csv", out / "perturb_summary.csv"]
    write_text_atomic(paths[0], headlines.to_csv(index=False))
    write_text_atomic(paths[1], perturbation_summary(headlines).to_csv(index=False))
    return paths
