"""Whether this CPU computes bfloat16 natively, which decides if ``--fast bf16`` pays.

Without AVX512-BF16 or AMX, torch emulates bfloat16 matmuls and a bf16 model runs several
times slower than float32 (3.5-6x measured on an AVX2 machine, issue 17). On Linux the CPU
flags say it (``/proc/cpuinfo``); elsewhere a small matmul is timed in both types.
"""

from __future__ import annotations

import time
from pathlib import Path

NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str] | None:
    """The x86 feature flags of the first CPU in ``cpuinfo``; None where there are none.

    >>> cpu_flags(Path("/no/such/cpuinfo")) is None
    True
    """
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return None


def cpu_has_native_bf16() -> bool:
    """Whether this CPU runs bfloat16 natively: its flags, else a timed matmul."""
    flags = cpu_flags()
    if flags is not None:
        return bool(flags & NATIVE_BF16_FLAGS)
    return bf16_measured_faster()


def bf16_measured_faster(size: int = 384, repeats: int = 5) -> bool:
    """Whether a ``size`` x ``size`` bfloat16 matmul is at least as fast as float32 here."""
    import torch

    a = torch.randn(size, size)

    def seconds(x: torch.Tensor) -> float:
        x @ x  # warm-up
        started = time.perf_counter()
        for _ in range(repeats):
            x @ x
        return time.perf_counter() - started

    return seconds(a.to(torch.bfloat16)) <= seconds(a)
