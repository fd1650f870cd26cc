"""A fast version of the simulation study (benchmarks/sim_inference.py): few replicates,
wide tolerances. The full study and its numbers: benchmarks/results/sim_inference.json."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from biasprobe.stats._slots import Options

SIM = Path(__file__).resolve().parents[2] / "benchmarks" / "sim_inference.py"


def load_sim() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sim_inference", SIM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sim_inference"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_intervals_cover_and_the_permutation_test_holds_its_level() -> None:
    sim = load_sim()
    opts = Options(n_resamples=200, confidence=0.95)
    shape = sim.Shape("small", 12, 8)
    cov = sim.study(shape, 60, opts, seed=1)
    assert 0.85 <= cov["mean_logit_t"] <= 1.0
    assert 0.85 <= cov["contrast_t"] <= 1.0
    assert cov["gap"] >= 0.85
    null = sim.study(sim.null_shape(shape), 60, opts, seed=2)
    assert null["permutation_reject"] <= 0.2
    assert null["contrast_reject"] <= 0.2


@pytest.mark.slow
def test_two_slot_cells_and_interactions_cover() -> None:
    sim = load_sim()
    opts = Options(n_resamples=200, confidence=0.95)
    cov = sim.study(sim.Shape("small2", 2, 6, 20), 40, opts, seed=3)
    assert 0.85 <= cov["contrast_t"] <= 1.0
    assert 0.85 <= cov["interaction"] <= 1.0
    assert 0.85 <= cov["cell_difference"] <= 1.0
