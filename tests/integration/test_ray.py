"""The Ray Data engine: identical scores to the local engine, and the same cache semantics.

Runs on a local Ray instance (two CPUs, no dashboard), as CI does after installing the
``ray`` extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from biasprobe import ScoreCache, audit, expand, load_scorer, load_template_set, score_texts

PROBS = ["p_NEGATIVE", "p_POSITIVE"]
pytestmark = [
    pytest.mark.model,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray"),  # Ray's own internals
]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    # imported here, not at collection: every test of this module is left out of the fast
    # loop, which need not pay for importing Ray
    ray = pytest.importorskip("ray", reason="the Ray engine needs the extra: biasprobe[ray]")
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return expand(load_template_set("country"))["text"].tolist()[::5]


def test_ray_and_local_engines_give_identical_scores(
    local_ray: None, stand_in_model: Path, texts: list[str]
) -> None:
    scorer = load_scorer(str(stand_in_model), device="cpu")
    local = score_texts(texts * 2, scorer=scorer, chunk_size=64, progress=False)
    remote = score_texts(texts * 2, scorer=scorer, chunk_size=64, progress=False, engine="ray")
    assert remote["text"].tolist() == texts * 2
    np.testing.assert_array_equal(remote[PROBS].to_numpy(), local[PROBS].to_numpy())
    np.testing.assert_array_equal(remote["score"], local["score"])


def test_ray_engine_looks_up_the_cache_before_and_writes_after(
    local_ray: None, stand_in_model: Path, texts: list[str], tmp_path: Path
) -> None:
    scorer = load_scorer(str(stand_in_model), device="cpu")
    cache = tmp_path / "c.sqlite"
    half = texts[: len(texts) // 2]
    score_texts(half, scorer=scorer, cache=cache, chunk_size=64, progress=False)
    stats: dict[str, int] = {}
    got = score_texts(
        texts, scorer=scorer, cache=cache, chunk_size=64, progress=False, stats=stats, engine="ray"
    )
    assert stats == {
        "n_unique": len(texts),
        "n_cached": len(half),
        "n_scored": len(texts) - len(half),
    }
    with ScoreCache(cache) as store:
        assert store.count(scorer.fingerprint) == len(texts)
    again: dict[str, int] = {}
    warm = score_texts(texts, scorer=scorer, cache=cache, progress=False, stats=again, engine="ray")
    assert again["n_scored"] == 0
    np.testing.assert_array_equal(warm[PROBS].to_numpy(), got[PROBS].to_numpy())
    local = score_texts(texts, scorer=scorer, chunk_size=64, progress=False)
    np.testing.assert_allclose(got[PROBS].to_numpy(), local[PROBS].to_numpy(), atol=1e-6)


def test_audit_with_the_ray_engine_matches_local(local_ray: None, stand_in_model: Path) -> None:
    options = {"model": str(stand_in_model), "device": "cpu", "cache": None, "progress": False}
    local = audit("country", **options)
    remote = audit("country", engine="ray", **options)
    assert remote.metadata["engine"] == "ray"
    np.testing.assert_array_equal(remote.probes["score"], local.probes["score"])
    assert remote.by_group("country").equals(local.by_group("country"))


def test_fast_mode_is_checked_on_the_driver(
    local_ray: None, stand_in_model: Path, texts: list[str]
) -> None:
    scorer = load_scorer(str(stand_in_model), device="cpu", dtype="bfloat16")
    got = score_texts(texts, scorer=scorer, chunk_size=64, progress=False, engine="ray")
    check = scorer.info["fast_mode"]
    assert check["n_checked"] == 64 and 0 < check["max_abs_diff"] < 0.03
    exact = score_texts(
        texts, scorer=load_scorer(str(stand_in_model), device="cpu"), progress=False
    )
    assert np.abs(got[PROBS].to_numpy() - exact[PROBS].to_numpy()).max() < 0.03
