"""GPU scoring throughput: biasprobe vs ``transformers.pipeline`` on one CUDA device.

DistilBERT SST-2 architecture with random weights (seed 0); 200,000 distinct template
sentences (the country set, each with one of 101 speaker prefixes, ~13 tokens). Measures
a bf16 and an fp32 GEMM peak, the pipeline at batch size 1 and 256 (on a slice), the
tokenizer alone, and biasprobe in fp32 and bf16 at several batch sizes, both calling the
scorer directly and through ``score_texts`` (dedup, ordering, chunk pipeline, and once
with a fresh SQLite cache). Prints one table and writes OUT.json / OUT.txt. ~3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SPEAKERS = 101
DEVICE = "cuda"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", type=Path, required=True, help="distilbert-sst2-arch folder")
    p.add_argument("--n", type=int, default=200_000, help="sentences for biasprobe runs")
    p.add_argument("--out", default=None)
    p.add_argument("--smoke-test-on-cpu", action="store_true", help="tiny run without a GPU")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    global DEVICE
    if args.smoke_test_on_cpu:
        DEVICE, args.n = "cpu", 600
    assert DEVICE == "cpu" or torch.cuda.is_available(), "no CUDA device"
    rows: list[dict[str, Any]] = []
    report: dict[str, Any] = {"machine": machine(), "rows": rows}
    with tempfile.TemporaryDirectory(prefix="bench-gpu-") as tmp:
        model = random_model(args.arch, Path(tmp) / "model")
        texts = sentences(args.n)
        report["tokens_mean"] = tokens_mean(model, texts[:20_000])
        report["gemm_tflops"] = {"bf16": gemm(torch.bfloat16), "fp32": gemm(torch.float32)}
        rows += pipeline_rows(model, texts)
        rows.append(tokenizer_row(model, texts))
        rows += biasprobe_rows(model, texts, Path(tmp))
        report["fidelity"] = fidelity(model, texts[:20_000])
    text = render(report)
    print(text)
    if args.out:
        Path(f"{args.out}.json").write_text(json.dumps(report, indent=2) + "\n")
        Path(f"{args.out}.txt").write_text(text + "\n")


def machine() -> dict[str, Any]:
    import torch
    import transformers

    return {
        "gpu": torch.cuda.get_device_name(0) if DEVICE == "cuda" else "none (CPU smoke test)",
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
    }


def random_model(arch: Path, out: Path) -> Path:
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    AutoModelForSequenceClassification.from_config(
        AutoConfig.from_pretrained(arch)
    ).save_pretrained(out)
    AutoTokenizer.from_pretrained(arch).save_pretrained(out)
    return out


def sentences(n: int) -> list[str]:
    from biasprobe import expand, load_template_set

    base = expand(load_template_set("country"))["text"].tolist()
    speakers = [f"Reviewer {i}" for i in range(SPEAKERS)]
    out = [f"{s} wrote: {t}" for s in speakers for t in base]
    rng = np.random.default_rng(0)
    return [out[i] for i in rng.permutation(len(out))[:n]]


def tokens_mean(model: Path, texts: list[str]) -> float:
    from transformers import AutoTokenizer

    return float(np.mean([len(x) for x in AutoTokenizer.from_pretrained(model)(texts).input_ids]))


def gemm(dtype: Any) -> float:
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    m, reps = (16384, 50) if DEVICE == "cuda" else (1024, 2)
    a = torch.randn(m, 768, device=DEVICE, dtype=dtype)
    b = torch.randn(768, 3072, device=DEVICE, dtype=dtype)
    for _ in range(3):
        a @ b
    sync()
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    sync()
    return reps * 2 * m * 768 * 3072 / (time.perf_counter() - t0) / 1e12


def sync() -> None:
    import torch

    if DEVICE == "cuda":
        torch.cuda.synchronize()


def timed(name: str, n: int, fn: Any, **extra: Any) -> dict[str, Any]:
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    s = time.perf_counter() - t0
    row = {"method": name, "n": n, "seconds": s, "texts_per_s": n / s, **extra}
    print(f"  {name:<46} {n / s:>10,.0f} texts/s", flush=True)
    return row


def pipeline_rows(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from transformers import pipeline

    pipe = pipeline("text-classification", model=str(model), device=DEVICE)
    pipe(texts[:64], batch_size=64)
    n1, n256 = (2000, 20_000) if DEVICE == "cuda" else (50, 500)
    return [
        timed("pipeline batch_size=1 (default)", n1, lambda: pipe(texts[:n1])),
        timed("pipeline batch_size=256", n256, lambda: pipe(texts[:n256], batch_size=256)),
    ]


def tokenizer_row(model: Path, texts: list[str]) -> dict[str, Any]:
    from biasprobe import load_scorer

    scorer = load_scorer(str(model), device="cpu")
    t0 = time.perf_counter()
    scorer.token_lengths(texts)
    s = time.perf_counter() - t0
    print(f"  {'tokenizer alone (Rust, bulk)':<46} {len(texts) / s:>10,.0f} texts/s", flush=True)
    return {
        "method": "tokenizer alone",
        "n": len(texts),
        "seconds": s,
        "texts_per_s": len(texts) / s,
    }


def biasprobe_rows(model: Path, texts: list[str], tmp: Path) -> list[dict[str, Any]]:
    from biasprobe import load_scorer, score_texts

    rows = []
    n = len(texts)
    scorer: Any = None
    for dtype, sizes in [("float32", (256, 1024)), ("bfloat16", (256, 1024, 4096))]:
        for bs in sizes:
            scorer = load_scorer(str(model), device=DEVICE, dtype=dtype, batch_size=bs)
            scorer(texts[:4096])  # warm-up (and the one-off bf16 check)
            rows.append(
                timed(f"biasprobe {dtype} bs={bs} scorer(texts)", n, partial(scorer, texts))
            )
        run = partial(score_texts, texts, scorer=scorer, progress=False)
        rows.append(timed(f"biasprobe {dtype} bs={bs} score_texts (no cache)", n, run))
    cached = partial(score_texts, texts, scorer=scorer, cache=tmp / "c.sqlite", progress=False)
    rows.append(timed("biasprobe bfloat16 bs=4096 score_texts (fresh cache)", n, cached))
    rows.append(timed("biasprobe warm-cache re-run", n, cached))
    return rows


def fidelity(model: Path, texts: list[str]) -> dict[str, float]:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from biasprobe import load_scorer

    tok = AutoTokenizer.from_pretrained(model)
    ref_model = AutoModelForSequenceClassification.from_pretrained(model).to(DEVICE).eval()
    sample = texts[:512]
    with torch.inference_mode():
        enc = tok(sample, padding=True, return_tensors="pt").to(DEVICE)
        ref = torch.softmax(ref_model(**enc).logits.float(), -1).cpu().numpy()
    fp32 = load_scorer(str(model), device=DEVICE)(sample)
    bf16 = load_scorer(str(model), device=DEVICE, dtype="bfloat16")
    got = bf16(sample)
    return {
        "fp32_vs_direct_padded_batch": float(np.abs(fp32 - ref).max()),
        "bf16_vs_fp32": float(np.abs(got - fp32).max()),
        "bf16_check_recorded": float(bf16.info["fast_mode"]["max_abs_diff"]),
    }


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "biasprobe GPU benchmark (benchmarks/bench_gpu.py)",
        f"machine: {m['gpu']}, {m['cpus']} CPUs, torch {m['torch']} (CUDA {m['cuda']}), "
        f"transformers {m['transformers']}",
        f"sentences: {r['tokens_mean']:.1f} tokens on average; DistilBERT SST-2 arch, random "
        "weights (seed 0)",
        f"GEMM peak 16384x768 @ 768x3072: bf16 {r['gemm_tflops']['bf16']:.1f} TFLOP/s, fp32 "
        f"{r['gemm_tflops']['fp32']:.1f} TFLOP/s (TF32 off)",
        "",
    ]
    lines += [f"{row['method']:<50} {row['texts_per_s']:>10,.0f} texts/s" for row in r["rows"]]
    lines += ["", "max |p - p_ref|: " + json.dumps(r["fidelity"])]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
