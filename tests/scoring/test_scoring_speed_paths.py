"""Every fast path of the scoring stage gives the scores of a plain transformers call.

Bulk tokenisation, length buckets, numpy padding, mask-free uniform batches, the
background batch producer (the CUDA path, run here on the CPU), the pipelined chunk loop,
the binary cache rows, and the opt-in fast modes (within their recorded tolerance).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from _direct import direct_probabilities
from hypothesis import given, settings
from hypothesis import strategies as st

from biasprobe import ScoreCache, UsageError, load_scorer, score_texts
from biasprobe.probes._expand import expand
from biasprobe.probes._template_set import load_template_set
from biasprobe.scoring._batching import Encoder, pad, plan, prefetch

LONG = "a remarkably long and winding sentence about films " * 80  # > 512 tokens
TEXTS = [
    "Great.",
    "This film was filmed in France.",
    "This film was filmed in Afghanistan.",
    "A dreadful, boring mess of a movie that I would not recommend to anyone at all.",
    "This film was filmed in France.",
    "I arrived in the Netherlands this morning.",
    "She grew up in Chad.",
    "",
    LONG,
]
FAST_MODES = json.loads(
    (Path(__file__).resolve().parents[2] / "biasprobe/data/fast_modes.json").read_text()
)


@pytest.fixture(scope="module")
def reference(stand_in_model: Path) -> np.ndarray:
    return direct_probabilities(stand_in_model, TEXTS)


@pytest.fixture(scope="module")
def country_texts() -> list[str]:
    return expand(load_template_set("country"))["text"].tolist()[::4]


@pytest.mark.model
@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_fp32_matches_direct_call(
    stand_in_model: Path, reference: np.ndarray, batch_size: int
) -> None:
    scorer = load_scorer(str(stand_in_model), device="cpu", batch_size=batch_size)
    got = score_texts(TEXTS, scorer=scorer, progress=False)
    np.testing.assert_allclose(got[["p_NEGATIVE", "p_POSITIVE"]], reference, atol=1e-5, rtol=0)


@pytest.mark.model
def test_background_batch_producer_matches_direct_call(
    stand_in_model: Path, reference: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorer = load_scorer(str(stand_in_model), device="cpu", batch_size=2)
    used = []

    def spy(items, depth=4):  # the CUDA path's producer thread, forced on the CPU
        used.append(True)
        return prefetch(items, depth=depth)

    monkeypatch.setattr("biasprobe.scoring._transformers.prefetch", spy)
    monkeypatch.setattr(type(scorer), "overlap", property(lambda self: True))
    got = scorer(TEXTS)
    assert used == [True]
    np.testing.assert_allclose(got, reference, atol=1e-5, rtol=0)


@pytest.mark.model
def test_encoder_matches_the_tokenizer_call(stand_in_model: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(stand_in_model)
    expected = tok(TEXTS, truncation=True, max_length=512)["input_ids"]
    fast = Encoder(tok, max_length=512)
    assert fast.ids(TEXTS) == expected

    class SlowLike:  # a tokenizer without a Rust backend takes the generic path
        is_fast = False
        pad_token_id = tok.pad_token_id

        def __call__(self, texts, **kwargs):
            return tok(texts, **kwargs)

    assert Encoder(SlowLike(), max_length=512).ids(TEXTS) == expected
    flat, lengths = fast.encode(TEXTS)
    assert lengths.tolist() == [len(x) for x in expected]
    assert flat.tolist() == [i for row in expected for i in row]
    assert max(lengths) == 512


@given(
    st.lists(st.integers(1, 12), min_size=1, max_size=40),
    st.integers(1, 9),
)
@settings(max_examples=60, deadline=None)
def test_padding_matches_a_row_by_row_reference(lengths: list[int], batch_size: int) -> None:
    rows = [list(range(100 * i + 1, 100 * i + 1 + n)) for i, n in enumerate(lengths)]
    flat = np.array([t for r in rows for t in r])
    lens = np.array(lengths)
    batches = plan(lens, batch_size)
    seen = np.concatenate(batches)
    assert sorted(seen.tolist()) == list(range(len(rows)))
    assert lens[seen].tolist() == sorted(lengths)
    for index in batches:
        assert len(index) <= batch_size
        b = pad(flat, lens, index, pad_id=-1)
        width = max(lengths[i] for i in index)
        expected = np.array([rows[i] + [-1] * (width - len(rows[i])) for i in index])
        np.testing.assert_array_equal(b.input_ids, expected)
        if b.attention_mask is None:
            assert len({lengths[i] for i in index}) == 1
        else:
            np.testing.assert_array_equal(b.attention_mask, (expected != -1).astype(int))


def test_prefetch_keeps_order_and_raises_producer_errors() -> None:
    assert list(prefetch(iter(range(50)), depth=2)) == list(range(50))

    def broken():
        yield 1
        raise ValueError("tokenizer exploded")

    with pytest.raises(ValueError, match="tokenizer exploded"):
        list(prefetch(broken()))


def test_prefetch_stops_its_thread_when_the_consumer_leaves() -> None:
    before = threading.active_count()
    gen = prefetch(iter(range(10_000)), depth=2)
    assert next(gen) == 0
    gen.close()
    assert threading.active_count() == before


class GpuLikeScorer:
    """A fake scorer that claims a CUDA device, which switches on the pipelined loop."""

    score_label = "POSITIVE"
    fingerprint = "gpu-like"
    device = SimpleNamespace(type="cuda")

    def __init__(self) -> None:
        self.labels = ["NEGATIVE", "POSITIVE"]
        self.info = {"model": "gpu-like"}
        self.threads: set[str] = set()

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.threads.add(threading.current_thread().name)
        pos = np.array([len(t) / 100 for t in texts])
        return np.column_stack([1 - pos, pos])


def test_pipelined_chunks_score_and_commit_everything(tmp_path: Path) -> None:
    texts = [f"text number {i}" for i in range(95)]
    scorer = GpuLikeScorer()
    stats: dict[str, int] = {}
    got = score_texts(
        texts,
        scorer=scorer,
        cache=tmp_path / "c.sqlite",
        chunk_size=10,
        progress=False,
        stats=stats,
    )
    np.testing.assert_allclose(got["score"], [len(t) / 100 for t in texts])
    assert all(name.startswith("biasprobe-score") for name in scorer.threads)
    with ScoreCache(tmp_path / "c.sqlite") as cache:
        assert cache.count("gpu-like") == 95
    assert stats["n_scored"] == 95


def test_cache_reads_rows_written_as_json_text(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    ScoreCache(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO scores VALUES ('m', 'old row', '[0.25, 0.75]')")
    with ScoreCache(path) as cache:
        cache.put_many("m", ["a", "b"], [("new row", np.array([0.125, 0.875]))])
        got = cache.get_many("m", ["old row", "new row", "absent"])
    assert set(got) == {"old row", "new row"}
    assert got["old row"].tolist() == [0.25, 0.75]
    assert got["new row"].tolist() == [0.125, 0.875]


def test_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"unknown engine 'spark'; valid: local, ray"):
        score_texts(["a"], scorer=GpuLikeScorer(), engine="spark")


@pytest.mark.model
def test_fast_mode_choice_and_refusals(stand_in_model: Path) -> None:
    import torch

    from biasprobe.scoring._transformers import resolve_dtype

    assert resolve_dtype("fast", torch.device("cuda")) == "bfloat16"
    assert resolve_dtype("fast", torch.device("mps")) == "float16"
    for native, mode in [(True, "bfloat16"), (False, "int8")]:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("biasprobe.scoring._transformers.cpu_has_bf16", lambda native=native: native)
            assert resolve_dtype("fast", torch.device("cpu")) == mode
    with pytest.raises(UsageError, match=r"int8 quantisation runs on the CPU only"):
        resolve_dtype("int8", torch.device("cuda"))
    with pytest.raises(UsageError, match=r"unknown dtype 'int4'; valid: float32"):
        load_scorer(str(stand_in_model), device="cpu", dtype="int4")


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["bfloat16", "int8"])
def test_fast_mode_within_recorded_tolerance(
    stand_in_model: Path, country_texts: list[str], mode: str
) -> None:
    record = FAST_MODES["modes"][mode]
    recorded = record["tolerance"]
    exact = direct_probabilities(stand_in_model, country_texts)
    with warnings.catch_warnings():  # on a CPU without native bf16 its slowness is warned of
        warnings.filterwarnings("ignore", message="bfloat16 on this CPU")
        scorer = load_scorer(str(stand_in_model), device="cpu", dtype=mode)
    warns = pytest.warns(UserWarning, match=rf"fast mode {mode} changed probabilities by up to")
    with warns if record["warns_on_stand_in"] else contextlib.nullcontext():
        got = scorer(country_texts)
    diff = np.abs(got - exact)
    assert diff.max() <= recorded["max_abs_diff"]
    assert diff.mean() <= recorded["mean_abs_diff"]
    check = scorer.info["fast_mode"]
    assert check["mode"] == mode and check["n_checked"] == 128
    assert 0 < check["max_abs_diff"] <= recorded["max_abs_diff"]
    assert check["benchmark"]["tolerance"] == recorded
    assert scorer.fingerprint is not None and scorer.fingerprint.endswith(f"#{mode}")
