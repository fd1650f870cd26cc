"""Shared fixtures. Every test runs offline against the assets in ../shared."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BIASPROBE_SHARED", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only folder of offline models and datasets (../shared)."""
    if not SHARED.is_dir():
        pytest.fail(f"shared assets not found at {SHARED}; set BIASPROBE_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def stand_in_model(shared_dir: Path) -> Path:
    """The real offline SST-2 classifier that stands in for the Hub model."""
    return shared_dir / "models" / "minilm-l6-sst2"


@pytest.fixture(scope="session")
def datasets_dir(shared_dir: Path) -> Path:
    return shared_dir / "datasets"
