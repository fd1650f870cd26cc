"""Shared fixtures. Every test runs offline against the assets in ../shared.

Tests marked ``online`` need the Hugging Face Hub; they run only when
``BIASPROBE_ONLINE=1`` is set (then the offline switches below are not set).
"""

from __future__ import annotations

import gc
import itertools
import os

ONLINE = os.environ.get("BIASPROBE_ONLINE") == "1"
if not ONLINE:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.stats  # noqa: E402, F401 - before pytester snapshots sys.modules (see below)

# pytester removes the modules a pytester run imported when it ends; numpy.fft (through
# scipy.linalg) cannot be loaded twice in one process, so it is imported here, once.

pytest_plugins = ["pytester", "_tree_guard"]  # _tree_guard: tests write only to tmp

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BIASPROBE_SHARED", REPO.parent / "shared")).resolve()


MODEL_FIXTURES = frozenset({"stand_in_model"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so `-m "not model"` sees the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every test that reaches the real stand-in model (directly or through another fixture)
    # carries the `model` marker, so `pytest -m "not model"` is a fast inner loop.
    for item in items:
        if MODEL_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)
    if ONLINE:
        return
    skip = pytest.mark.skip(reason="needs the Hugging Face Hub; set BIASPROBE_ONLINE=1")
    for item in items:
        if "online" in item.keywords:
            item.add_marker(skip)


def pytest_collection_finish(session: pytest.Session) -> None:
    # Collection imported numpy, pandas, scipy, matplotlib, ... and built every test item:
    # objects that live the whole session. Frozen, the cyclic garbage collector stops
    # re-scanning them in each full collection during the tests (about 10-15% of the
    # fast loop's CPU time). Garbage made later is collected as before.
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _isolated_session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Module and session fixtures set up before the per-test cache below: they get a
    cache of the session (scores, the report's kept figures), never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("session-cache")
        patch.setenv("BIASPROBE_CACHE", str(folder / "scores.sqlite"))
        yield


@pytest.fixture(scope="session")
def _cache_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One numbered folder per test under a session folder: ``mktemp`` per test would
    rescan pytest's base folder each time (quadratic in the number of tests)."""
    root = tmp_path_factory.mktemp("caches")
    return (root / str(n) for n in itertools.count())


@pytest.fixture(autouse=True)
def _isolated_cache(_cache_folders: Iterator[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's real score cache from a test; each test starts with an empty
    cache folder of its own (scores and the report's kept figures)."""
    folder = next(_cache_folders)
    folder.mkdir()
    monkeypatch.setenv("BIASPROBE_CACHE", str(folder / "scores.sqlite"))


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


class CountingScorer:
    """A deterministic fake scorer that counts the texts it is asked to score."""

    score_label = "POSITIVE"

    def __init__(self, fingerprint: str = "counting-v1", fail_after: int | None = None) -> None:
        self.labels = ["NEGATIVE", "POSITIVE"]
        self.info = {"model": "counting", "kind": "fake"}
        self.fingerprint = fingerprint
        self.calls = 0
        self.texts_scored: list[str] = []
        self.fail_after = fail_after

    def __call__(self, texts: list[str]) -> np.ndarray:
        if self.fail_after is not None and len(self.texts_scored) >= self.fail_after:
            raise KeyboardInterrupt("simulated interruption")
        self.calls += 1
        self.texts_scored.extend(texts)
        pos = np.array([fake_probability(t) for t in texts])
        return np.column_stack([1 - pos, pos])


def fake_probability(text: str) -> float:
    """A stable pseudo-probability of a text (independent of the code under test)."""
    import zlib

    return (zlib.crc32(text.encode()) % 1000) / 1000


@pytest.fixture
def counting_scorer() -> Callable[..., CountingScorer]:
    return CountingScorer
