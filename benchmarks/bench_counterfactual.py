"""Counterfactual audits: does swapping plus statistics stay under 10% of scoring time?

Builds a synthetic corpus of real-looking review sentences, each mentioning one country
(name, "the" name, alias or demonym), so that crossing every mention with the 197
countries gives about ``--n`` counterfactuals (default 100,000). Measured side by side in
one run:

- swap: finding mentions in the corpus and building every counterfactual probe row;
- stats: the real-text statistics (shifts, PSA, flips, CTF) and the audit view
  (``AuditResult``: groups, gaps, contrasts), with a fast fake scorer's scores;
- scoring: the real classifier's throughput measured on ``--score-sample`` counterfactual
  texts through ``score_texts`` (no cache), extrapolated to all counterfactuals (scoring
  time is linear in the number of texts at a fixed batch size). The model is the
  DistilBERT SST-2 architecture with random weights (the real model's cost) when
  ``--arch`` is given, else the folder given by ``--model``.

Memory: the peak resident set of the process after swap + stats (``ru_maxrss``) next to
the size of the probe table. Prints one table; ``--out`` writes it as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
FRAMES = (
    "A gorgeous, funny film from {c}.",
    "Shot in {c}, it is a moving portrait of a family.",
    "The {d} cast is superb, but the plot drags.",
    "It plays like a dull tourist video of {c}.",
    "{C} has never looked this good on screen.",
    "An {d} remake that misses everything the original got right.",
)


def corpus(n_sentences: int) -> pd.DataFrame:
    from biasprobe.probes._lexicon_refs import load_lexicon

    items = load_lexicon("countries").items
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n_sentences):
        item = items.iloc[int(rng.integers(len(items)))]
        name = f"the {item['value']}" if item["article"] == "the" else item["value"]
        frame = FRAMES[i % len(FRAMES)]
        text = frame.format(c=name, C=name[0].upper() + name[1:], d=item["demonym"] or "odd")
        rows.append({"text": f"{text} (review {i})", "label": i % 2})
    return pd.DataFrame(rows)


def fake_scorer(texts: list[str]) -> np.ndarray:
    p = np.array([(hash(t) % 1000) / 1000 for t in texts])
    return np.column_stack([1 - p, p])


def model_scorer(args: argparse.Namespace, tmp: Path) -> Any:
    from biasprobe.scoring._scorer import load_scorer

    if args.arch is None:
        return load_scorer(str(args.model), device="cpu", batch_size=args.batch_size)
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    config = AutoConfig.from_pretrained(args.arch)
    model = AutoModelForSequenceClassification.from_config(config)
    model.save_pretrained(tmp / "model")
    AutoTokenizer.from_pretrained(args.arch).save_pretrained(tmp / "model")
    return load_scorer(str(tmp / "model"), device="cpu", batch_size=args.batch_size)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=100_000, help="counterfactuals (default 100,000)")
    p.add_argument("--arch", type=Path, default=None, help="distilbert-sst2-arch folder")
    p.add_argument("--model", type=Path, default=Path("../shared/models/minilm-l6-sst2"))
    p.add_argument("--score-sample", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--n-bootstrap", type=int, default=2000)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    from biasprobe.audits._counterfactual import counterfactual
    from biasprobe.scoring._score_texts import score_texts

    n_sentences = int(np.ceil(args.n / 197))
    texts = corpus(n_sentences)
    t0 = time.perf_counter()
    result = counterfactual(
        texts, lexicon="countries", model=fake_scorer, case="cased", cache=None,
        progress=False, n_bootstrap=args.n_bootstrap,
    )  # fmt: skip
    total = time.perf_counter() - t0
    timings = result.metadata["timings"]
    swap_s = timings["swap_s"]
    stats_s = timings["stats_s"] + timings["audit_stats_s"]
    n_cf = result.metadata["counts"]["n_counterfactuals"]
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table_mib = result.audit.probes.memory_usage(deep=True).sum() / 2**20
    sample = result.audit.probes["text"].sample(args.score_sample, random_state=0).tolist()
    with tempfile.TemporaryDirectory(prefix="bench-cf-") as tmp:
        scorer = model_scorer(args, Path(tmp))
        score_texts(sample[:64], scorer=scorer, progress=False)  # warm-up
        t0 = time.perf_counter()
        score_texts(sample, scorer=scorer, progress=False)
        sample_s = time.perf_counter() - t0
    per_text = sample_s / len(sample)
    scoring_s = per_text * (n_cf + result.metadata["counts"]["n_units"])
    report = {
        "n_sentences": n_sentences,
        "n_counterfactuals": n_cf,
        "swap_s": round(swap_s, 2),
        "stats_s": round(stats_s, 2),
        "of_which_audit_view_s": round(timings["audit_stats_s"], 2),
        "fake_scoring_and_rest_s": round(total - swap_s - stats_s, 2),
        "model": str(args.arch or args.model),
        "model_texts_per_s": round(1 / per_text, 1),
        "scoring_s_extrapolated": round(scoring_s, 1),
        "swap_plus_stats_over_scoring": round((swap_s + stats_s) / scoring_s, 4),
        "peak_rss_mib": round(rss_mib, 1),
        "probe_table_mib": round(table_mib, 1),
        "n_bootstrap": args.n_bootstrap,
        "cpu_count": os.cpu_count(),
    }
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
