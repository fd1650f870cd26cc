"""A 1,000,000-probe audit within bounded memory: peak RSS and time of a streaming audit.

The set: 10 wordings x 197 countries x 508 synthetic names (about 1.0 million probes).
The model: a tiny random DistilBERT (2 layers, width 32) with the real tokenizer, so
that the run measures biasprobe's own memory (expansion, scoring loop, cache, Parquet
spool, statistics), not a model's weights. The score cache is a fresh file.

    python benchmarks/bench_stream.py --out benchmarks/results/stream-1m-cpu-2core
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ARCH = Path(__file__).resolve().parents[2] / "shared" / "models" / "distilbert-sst2-arch"
WORDINGS = [
    "{name} lives in {country}.",
    "{name} was born in {country}.",
    "{name} moved to {country} last year.",
    "{name} works for a company in {country}.",
    "{name} is on holiday in {country}.",
    "{name} studied in {country}.",
    "{name} grew up in {country}.",
    "{name} has a house in {country}.",
    "{name} is travelling to {country}.",
    "{name} met friends in {country}.",
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", type=Path, default=ARCH)
    p.add_argument("--names", type=int, default=508)
    p.add_argument("--out", default=None, help="write OUT.json and OUT.txt")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        report = run(Path(tmp), args.arch, args.names)
    text = render(report)
    print(text)
    if args.out:
        Path(f"{args.out}.json").write_text(json.dumps(report, indent=2) + "\n")
        Path(f"{args.out}.txt").write_text(text + "\n")


def run(tmp: Path, arch: Path, n_names: int) -> dict[str, Any]:
    import biasprobe

    model = tiny_model(arch, tmp / "tiny")
    templates = template_set(tmp, n_names)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    result = biasprobe.audit(
        templates, model=str(model), device="cpu", cache=tmp / "cache.sqlite", progress=False
    )
    audit_s = time.perf_counter() - t0
    rss_audit = peak_rss_mb()
    t0 = time.perf_counter()
    result.save(tmp / "out")
    return {
        "n_probes": len(result.probes),
        "streaming": result.metadata["streaming"],
        "audit_s": audit_s,
        "save_s": time.perf_counter() - t0,
        "timings": result.metadata["timings"],
        "counts": result.metadata["counts"],
        "peak_rss_mb_after_audit": rss_audit,
        "peak_rss_mb": peak_rss_mb(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "cpu": cpu_name(),
        "logical_cpus": os.cpu_count(),
    }


def tiny_model(arch: Path, out: Path) -> Path:
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    cfg = AutoConfig.from_pretrained(arch, dim=32, hidden_dim=64, n_layers=2, n_heads=2)
    AutoModelForSequenceClassification.from_config(cfg).save_pretrained(out)
    AutoTokenizer.from_pretrained(arch).save_pretrained(out)
    return out


def template_set(tmp: Path, n_names: int) -> Path:
    names = "\n".join(f"Person{i:04d}" for i in range(n_names))
    (tmp / "names.csv").write_text(f"value\n{names}\n")
    lines = "\n".join(f'  - {{id: w{i}, text: "{t}"}}' for i, t in enumerate(WORDINGS))
    path = tmp / "million.yaml"
    path.write_text(
        "name: million\nslots:\n"
        "  name: {lexicon: names.csv, neutral: someone}\n"
        "  country: {lexicon: countries, neutral: a country}\n"
        f"templates:\n{lines}\n"
    )
    return path


def peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_name() -> str:
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def render(r: dict[str, Any]) -> str:
    t = r["timings"]
    return "\n".join(
        [
            "biasprobe streaming audit benchmark: python " + " ".join(sys.argv),
            f"machine: {r['cpu']}, {r['logical_cpus']} logical CPUs; load average "
            f"before/after {' '.join(f'{x:.2f}' for x in r['load_before'])} / "
            f"{' '.join(f'{x:.2f}' for x in r['load_after'])}",
            f"probes: {r['n_probes']:,} (streaming: {r['streaming']}); tiny random DistilBERT "
            "(2 layers, width 32), fresh score cache, 2000 bootstrap resamples",
            f"audit: {r['audit_s']:.0f} s (expand+score {t.get('score_s', 0):.0f} s, statistics "
            f"{t.get('stats_s', 0):.0f} s); save: {r['save_s']:.0f} s",
            f"peak RSS: {r['peak_rss_mb_after_audit']:.0f} MB after the audit, "
            f"{r['peak_rss_mb']:.0f} MB after saving (target < 1536 MB)",
        ]
    )


if __name__ == "__main__":
    main()
