#!/usr/bin/env bash
# One-shot GPU benchmark for a lent CUDA machine (about 3-4 minutes; prints one table).
#
# Run from the repository root. The DistilBERT SST-2 architecture (config + tokenizer,
# no weights) must be at $ARCH (default out/distilbert-sst2-arch, a git-ignored folder:
# `mkdir -p out && cp -r ../shared/models/distilbert-sst2-arch out/` before carrying it).
# Results go to $OUT/gpu.txt and $OUT/gpu.json ($OUT defaults to benchmarks/results).
set -euo pipefail
ARCH=${ARCH:-out/distilbert-sst2-arch}
DEST=${OUT:-benchmarks/results}
PY=${PYTHON:-python3}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  echo "installing torch==2.13.0 (PyPI default: the CUDA build on Linux x86-64) ..."
  "$PY" -m pip install -q "torch==2.13.0"
fi
if ! "$PY" -c "import transformers, tokenizers, pandas, pyarrow, yaml, scipy, tqdm" 2>/dev/null; then
  echo "installing biasprobe's dependencies ..."
  "$PY" -m pip install -q -e .
fi
mkdir -p "$DEST"
timeout 420 "$PY" benchmarks/bench_gpu.py --arch "$ARCH" --out "$DEST/gpu"
