"""Scoring throughput: biasprobe vs ``transformers.pipeline``, side by side in one run.

Model: the real DistilBERT SST-2 architecture with random weights (seed 0), which has the
real checkpoint's cost. Texts: the shipped ``country`` template set (1,980 sentences).
Each round measures, back to back: a GEMM peak (768x3072 fp32), the pipeline at its
default batch size (first round only: ~50 s) and at 64, biasprobe cold (empty cache)
and warm (full cache), and the fast modes. The best of the rounds is reported (the
machine is shared: noise only ever slows a run down). Then: other fast-mode candidates
(one run each), the fast modes' deviation on the trained stand-in classifier, and the
peak RSS of biasprobe scoring in a fresh child process.

    python benchmarks/bench_scoring.py --out benchmarks/results/cpu-2core-amd-epyc

takes about 5 minutes on 2 cores and writes OUT.json and OUT.txt.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "models"


def main() -> None:
    args = parse_args()
    if args.child_rss:
        print(json.dumps(child_rss(args.child_rss)))
        return
    import torch

    torch.manual_seed(0)
    warnings.filterwarnings("ignore")
    report: dict[str, Any] = {"machine": machine(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-scoring-") as tmp:
        model_dir = random_model(args.arch, Path(tmp) / "distilbert-random")
        texts = template_texts()
        report["workload"] = workload(model_dir, texts)
        runs = Runs(model_dir, texts, Path(tmp))
        best = runs.measure(rounds=args.rounds)
        report["seconds"] = best
        report["fidelity"] = runs.fidelity()
        report["candidates"] = candidates(
            model_dir, texts, rounds=args.rounds, compile=args.compile
        )
        report["stand_in_deviation"] = stand_in_deviation(args.stand_in)
        report["rss_mb"] = {
            "biasprobe_child": rss_in_child(model_dir),
            "this_process": peak_rss_mb(),
        }
    report["load_after"] = os.getloadavg()
    report["results"] = summarise(report)
    text = render(report)
    print(text)
    if args.out:
        Path(f"{args.out}.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
        Path(f"{args.out}.txt").write_text(text + "\n")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", type=Path, default=SHARED / "distilbert-sst2-arch")
    p.add_argument("--stand-in", type=Path, default=SHARED / "minilm-l6-sst2")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--out", default=None, help="write OUT.json and OUT.txt")
    p.add_argument("--compile", action="store_true", help="also time torch.compile (~1 min)")
    p.add_argument("--child-rss", type=Path, default=None, help=argparse.SUPPRESS)
    return p.parse_args()


# setup -------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    import tokenizers
    import torch
    import transformers

    cpu = platform.processor()
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "platform": platform.platform(),
    }


def random_model(arch: Path, out: Path) -> Path:
    """The architecture at ``arch`` with random weights (seed 0), saved to ``out``."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_config(AutoConfig.from_pretrained(arch))
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(arch).save_pretrained(out)
    return out


def template_texts() -> list[str]:
    from biasprobe.probes._expand import expand
    from biasprobe.probes._template_set import load_template_set

    return expand(load_template_set("country"))["text"].tolist()


def workload(model_dir: Path, texts: list[str]) -> dict[str, Any]:
    """Token counts and matmul FLOPs of the model on ``texts`` (no padding counted)."""
    from transformers import AutoConfig, AutoTokenizer

    cfg = AutoConfig.from_pretrained(model_dir)
    lengths = np.array([len(x) for x in AutoTokenizer.from_pretrained(model_dir)(texts).input_ids])
    d, h, layers = cfg.dim, cfg.hidden_dim, cfg.n_layers
    per_text = (
        layers * (2 * lengths * (4 * d * d + 2 * d * h) + 4 * lengths**2 * d)
        + 2 * (d * d + d * cfg.num_labels)  # pre-classifier and classifier on [CLS]
    )
    return {
        "n_texts": len(texts),
        "n_distinct": len(set(texts)),
        "tokens_mean": float(lengths.mean()),
        "tokens_min": int(lengths.min()),
        "tokens_max": int(lengths.max()),
        "gflop_total": float(per_text.sum() / 1e9),
        "gflop_per_text": float(per_text.mean() / 1e9),
    }


# measured runs -----------------------------------------------------------------------
class Runs:
    """The side-by-side measurements; each method keeps its best time over the rounds."""

    def __init__(self, model_dir: Path, texts: list[str], tmp: Path) -> None:
        from transformers import pipeline

        from biasprobe import load_scorer

        self.texts, self.tmp = texts, tmp
        self.pipe = pipeline("text-classification", model=str(model_dir), device="cpu")
        self.scorer = load_scorer(str(model_dir), device="cpu")
        self.fast = {m: load_scorer(str(model_dir), device="cpu", dtype=m) for m in FAST}
        self.check_s = {}
        for mode, scorer in self.fast.items():  # the one-off float32 comparison, timed apart
            t0 = time.perf_counter()
            scorer(texts[:8])
            self.check_s[mode] = time.perf_counter() - t0
        self.outputs: dict[str, np.ndarray] = {}

    def measure(self, *, rounds: int) -> dict[str, float]:
        best: dict[str, float] = {}
        for r in range(rounds):
            best["gemm"] = min(best.get("gemm", np.inf), gemm_seconds())
            for name, fn in self.methods(r).items():
                t0 = time.perf_counter()
                out = fn()
                elapsed = time.perf_counter() - t0
                best[name] = min(best.get(name, np.inf), elapsed)
                if out is not None:
                    self.outputs[name] = out
        best.update({f"check_{m}": s for m, s in self.check_s.items()})
        return best

    def methods(self, r: int) -> dict[str, Any]:
        from biasprobe import score_texts

        cache = self.tmp / f"cache-{r}.sqlite"

        def biasprobe_run(scorer: Any, cache_path: Path | None) -> np.ndarray:
            out = score_texts(self.texts, scorer=scorer, cache=cache_path, progress=False)
            return out[["p_NEGATIVE", "p_POSITIVE"]].to_numpy()

        methods: dict[str, Any] = {
            "pipeline_bs64": lambda: self.run_pipeline(64),
            "biasprobe_cold": lambda: biasprobe_run(self.scorer, cache),
            "biasprobe_warm": lambda: biasprobe_run(self.scorer, cache),
        }
        for mode, scorer in self.fast.items():
            methods[f"biasprobe_{mode}"] = lambda s=scorer: biasprobe_run(s, None)
        if r == 0:  # the slowest baseline (~50 s) runs once: its noise hardly moves a ratio
            methods["pipeline_default"] = lambda: self.run_pipeline(None)
        return methods

    def run_pipeline(self, batch_size: int | None) -> np.ndarray:
        kwargs = {} if batch_size is None else {"batch_size": batch_size}
        rows = self.pipe(self.texts, top_k=None, **kwargs)
        return np.array([[{d["label"]: d["score"] for d in r}[k] for k in LABELS] for r in rows])

    def fidelity(self) -> dict[str, float]:
        ref = self.outputs["pipeline_default"]
        out = {
            "biasprobe_fp32_vs_pipeline": float(np.abs(self.outputs["biasprobe_cold"] - ref).max()),
            "warm_vs_cold": float(
                np.abs(self.outputs["biasprobe_warm"] - self.outputs["biasprobe_cold"]).max()
            ),
        }
        for mode in FAST:
            out[f"{mode}_vs_fp32"] = float(
                np.abs(self.outputs[f"biasprobe_{mode}"] - self.outputs["biasprobe_cold"]).max()
            )
        return out


LABELS = ("NEGATIVE", "POSITIVE")
FAST = ("int8", "bfloat16")
GEMM_M = 2048


def gemm_seconds() -> float:
    """Time of one (2048 x 768) @ (768 x 3072) fp32 matmul, best of 10."""
    import torch

    a, b = torch.randn(GEMM_M, 768), torch.randn(768, 3072)
    a @ b
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return min(times)


# candidates that were measured but not kept -------------------------------------------
def candidates(model_dir: Path, texts: list[str], *, rounds: int, compile: bool) -> dict:
    """Other ways to speed up the CPU forward pass: time (one run) and deviation from fp32."""
    from biasprobe import load_scorer

    scorer = load_scorer(str(model_dir), device="cpu")
    ref = scorer(texts)
    model = scorer._model
    per_tensor = _per_tensor_int8(model)
    trials: dict[str, Any] = {
        "autocast_bf16": lambda: _autocast(scorer, texts),
        "int8_per_tensor": lambda: scorer._run(per_tensor, texts),
    }
    if compile:
        trials["torch_compile_first_call"] = _compiled(scorer, texts)
    out = {name: _best(fn, ref, rounds=1) for name, fn in trials.items()}
    if compile:
        out["torch_compile"] = _best(trials["torch_compile_first_call"], ref, rounds=rounds)
    out.update(_onnxruntime(model, scorer, texts, ref, rounds=1))
    return out


def _best(fn: Any, ref: np.ndarray, *, rounds: int) -> dict[str, float]:
    times, got = [], ref
    for _ in range(rounds):
        t0 = time.perf_counter()
        got = fn()
        times.append(time.perf_counter() - t0)
    return {"seconds": min(times), "max_abs_diff": float(np.abs(got - ref).max())}


def _autocast(scorer: Any, texts: list[str]) -> np.ndarray:
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        return scorer(texts)


def _per_tensor_int8(model: Any) -> Any:
    import torch

    return torch.ao.quantization.quantize_dynamic(
        copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8
    )


def _compiled(scorer: Any, texts: list[str]) -> Any:
    import torch

    compiled = torch.compile(scorer._model, dynamic=True)
    return lambda: scorer._run(compiled, texts)


def _onnxruntime(
    model: Any, scorer: Any, texts: list[str], ref: np.ndarray, *, rounds: int
) -> dict[str, Any]:
    """ONNX Runtime fp32 and dynamic int8, if onnxruntime and onnx can be imported.

    (Set BENCH_EXTRA_SITE to a folder holding them to measure without installing them.)
    """
    if os.environ.get("BENCH_EXTRA_SITE"):
        sys.path.append(os.environ["BENCH_EXTRA_SITE"])
    try:
        import onnxruntime as ort
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        return {"onnxruntime": "not measured: onnxruntime/onnx not importable"}
    tmp = Path(tempfile.mkdtemp(prefix="bench-onnx-"))
    ids = torch.ones(4, 12, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[0, -3:] = 0  # a padded example, so that the export traces the masking path
    t0 = time.perf_counter()
    torch.onnx.export(
        model,
        (ids, mask),
        tmp / "m.onnx",
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamo=False,
        opset_version=17,
        dynamic_axes={"input_ids": {0: "b", 1: "s"}, "attention_mask": {0: "b", 1: "s"}},
    )
    quantize_dynamic(tmp / "m.onnx", tmp / "m8.onnx", weight_type=QuantType.QInt8)
    out: dict[str, Any] = {"onnx_export_and_quantise_s": time.perf_counter() - t0}
    options = ort.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    for name, path in [("onnxruntime_fp32", "m.onnx"), ("onnxruntime_int8", "m8.onnx")]:
        session = ort.InferenceSession(str(tmp / path), options, providers=["CPUExecutionProvider"])
        out[name] = _best(lambda s=session: _ort_run(s, scorer, texts), ref, rounds=rounds)
    return out


def _ort_run(session: Any, scorer: Any, texts: list[str]) -> np.ndarray:
    from biasprobe.scoring._batching import batches

    out = np.empty((len(texts), 2))
    for b in batches(scorer._encoder, texts, batch_size=64, block_size=len(texts)):
        mask = np.ones_like(b.input_ids) if b.attention_mask is None else b.attention_mask
        logits = session.run(None, {"input_ids": b.input_ids, "attention_mask": mask})[0]
        e = np.exp(logits - logits.max(-1, keepdims=True))
        out[b.index] = e / e.sum(-1, keepdims=True)
    return out


def stand_in_deviation(model_dir: Path) -> dict[str, Any]:
    """Fast modes vs float32 on the real (trained) stand-in classifier, country set."""
    from biasprobe import load_scorer

    texts = template_texts()
    exact = load_scorer(str(model_dir), device="cpu")(texts)
    out: dict[str, Any] = {"model": model_dir.name, "n_texts": len(texts)}
    for mode in FAST:
        got = load_scorer(str(model_dir), device="cpu", dtype=mode)(texts)
        diff = np.abs(got - exact)
        flips = int(((got[:, 1] > 0.5) != (exact[:, 1] > 0.5)).sum())
        out[mode] = {
            "max_abs_diff": float(diff.max()),
            "mean_abs_diff": float(diff.mean()),
            "label_flips": flips,
        }
    return out


# peak memory ----------------------------------------------------------------------------
def rss_in_child(model_dir: Path) -> float:
    cmd = [sys.executable, __file__, "--child-rss", str(model_dir)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["rss_mb"])


def child_rss(model_dir: Path) -> dict[str, float]:
    warnings.filterwarnings("ignore")
    from biasprobe import load_scorer, score_texts

    score_texts(template_texts(), scorer=load_scorer(str(model_dir), device="cpu"), progress=False)
    return {"rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; ru_maxrss survives fork+exec on Linux)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# results ----------------------------------------------------------------------------------
def summarise(report: dict[str, Any]) -> dict[str, Any]:
    s, w = report["seconds"], report["workload"]
    n = w["n_texts"]
    peak = 2 * GEMM_M * 768 * 3072 / s["gemm"]
    rate = {k: n / v for k, v in s.items() if k.startswith(("pipeline", "biasprobe"))}
    achieved = w["gflop_total"] * 1e9 / s["biasprobe_cold"]
    best_fast = max(FAST, key=lambda m: rate[f"biasprobe_{m}"])
    return {
        "texts_per_s": rate,
        "gemm_peak_gflops": peak / 1e9,
        "achieved_gflops": achieved / 1e9,
        "fraction_of_gemm_peak": achieved / peak,
        "vs_pipeline_default": rate["biasprobe_cold"] / rate["pipeline_default"],
        "vs_pipeline_bs64": rate["biasprobe_cold"] / rate["pipeline_bs64"],
        "warm_speedup": s["biasprobe_cold"] / s["biasprobe_warm"],
        "fast_mode": best_fast,
        "fast_vs_pipeline_bs64": {m: rate[f"biasprobe_{m}"] / rate["pipeline_bs64"] for m in FAST},
        "targets": {
            ">=3x pipeline default": rate["biasprobe_cold"] / rate["pipeline_default"] >= 3,
            ">=1.4x pipeline bs64": rate["biasprobe_cold"] / rate["pipeline_bs64"] >= 1.4,
            ">=75% of GEMM peak": achieved / peak >= 0.75,
            "warm >=100x faster than cold": s["biasprobe_cold"] / s["biasprobe_warm"] >= 100,
            "fast >=2.5x pipeline bs64": rate[f"biasprobe_{best_fast}"] / rate["pipeline_bs64"]
            >= 2.5,
            "fp32 within 1e-5 of pipeline": report["fidelity"]["biasprobe_fp32_vs_pipeline"]
            <= 1e-5,
        },
    }


def render(report: dict[str, Any]) -> str:
    m, w, r = report["machine"], report["workload"], report["results"]
    lines = [
        "biasprobe scoring benchmark: python " + " ".join(sys.argv),
        f"machine: {m['cpu']}, {m['logical_cpus']} logical CPUs, {m['memory_gb']} GB, "
        f"torch {m['torch']} ({m['torch_threads']} threads), transformers {m['transformers']}",
        f"load average before/after: {_load(report['load_before'])} / "
        f"{_load(report['load_after'])}",
        f"workload: {w['n_texts']} country-template sentences, {w['tokens_mean']:.1f} tokens "
        f"on average ({w['tokens_min']}-{w['tokens_max']}), {w['gflop_per_text']:.2f} GFLOP "
        "each; DistilBERT SST-2 architecture, random weights (seed 0), fp32 unless noted",
        "",
        f"{'method':<28}{'seconds':>10}{'texts/s':>12}",
    ]
    for name, sec in report["seconds"].items():
        if name.startswith(("pipeline", "biasprobe")):
            lines.append(f"{name:<28}{sec:>10.3f}{w['n_texts'] / sec:>12.1f}")
    lines += [
        "",
        f"GEMM peak (2048x768 @ 768x3072 fp32): {r['gemm_peak_gflops']:.1f} GFLOP/s; biasprobe "
        f"achieves {r['achieved_gflops']:.1f} GFLOP/s = {r['fraction_of_gemm_peak']:.1%} of it",
        f"biasprobe vs pipeline default batch: {r['vs_pipeline_default']:.2f}x",
        f"biasprobe vs pipeline batch_size=64: {r['vs_pipeline_bs64']:.2f}x",
        f"warm cache vs cold: {r['warm_speedup']:.0f}x faster",
        "fast modes vs pipeline batch_size=64: "
        + ", ".join(f"{k} {v:.2f}x" for k, v in r["fast_vs_pipeline_bs64"].items()),
        "fast-mode check (one-off, per scorer): "
        + ", ".join(f"{k[6:]} {v:.2f} s" for k, v in report["seconds"].items() if "check_" in k),
        "max |p - p_ref|: " + ", ".join(f"{k} {v:.2e}" for k, v in report["fidelity"].items()),
        "stand-in model (trained) fast-mode deviation: "
        + json.dumps({k: v for k, v in report["stand_in_deviation"].items()}),
        "other candidates: " + json.dumps(report["candidates"], default=float),
        f"peak RSS: biasprobe scoring in a fresh process {report['rss_mb']['biasprobe_child']:.0f}"
        f" MB; this whole benchmark process {report['rss_mb']['this_process']:.0f} MB",
        "",
        "targets: "
        + ", ".join(f"{k}: {'MET' if v else 'missed'}" for k, v in r["targets"].items()),
    ]
    return "\n".join(lines)


def _load(values: Any) -> str:
    return " ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
