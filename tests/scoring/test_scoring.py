"""Scoring: fidelity to a direct model call, labels, cache, resume, model errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _direct import direct_probabilities

import biasprobe
from biasprobe import CallableScorer, ModelError, ScoreCache, load_scorer, score_texts
from biasprobe.scoring._labels import pick_score_label

TEXTS = [
    "This film was filmed in France.",
    "This film was filmed in Afghanistan.",
    "This film was filmed in France.",
    "A dreadful, boring mess of a movie that I would not recommend to anyone at all.",
    "Great.",
]


@pytest.mark.model
def test_scores_match_direct_transformers_call(stand_in_model: Path) -> None:
    scorer = load_scorer(str(stand_in_model), device="cpu", batch_size=2)
    got = score_texts(TEXTS, scorer=scorer, progress=False)
    expected = direct_probabilities(stand_in_model, TEXTS)
    np.testing.assert_allclose(got[["p_NEGATIVE", "p_POSITIVE"]].to_numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(got["score"], expected[:, 1], atol=1e-5)
    assert got["text"].tolist() == TEXTS
    assert scorer.labels == ["NEGATIVE", "POSITIVE"] and scorer.score_label == "POSITIVE"
    assert scorer.fingerprint is not None and scorer.fingerprint.startswith("local:")
    assert scorer.info["revision"] is None


@pytest.mark.model
def test_wrong_score_label_lists_labels(stand_in_model: Path) -> None:
    with pytest.raises(ModelError, match=r"score label 'joy' is not a label .*NEGATIVE, POSITIVE"):
        load_scorer(str(stand_in_model), score_label="joy")


@pytest.mark.parametrize(
    ("labels", "requested", "expected"),
    [
        (["NEGATIVE", "POSITIVE"], None, "POSITIVE"),
        (["neg", "pos"], None, "pos"),
        (["LABEL_0", "LABEL_1"], None, "LABEL_1"),
        (["toxic"], None, "toxic"),
        (["anger", "joy", "fear"], "JOY", "joy"),
        (["anger", "joy", "fear"], 2, "fear"),
    ],
)
def test_pick_score_label(labels: list[str], requested: str | int | None, expected: str) -> None:
    assert pick_score_label(labels, requested, model="m") == expected


def test_ambiguous_labels_fail_clearly() -> None:
    with pytest.raises(ModelError, match=r"cannot tell which label .*anger, joy.*--score-label"):
        pick_score_label(["anger", "joy"], None, model="m")


def test_dedup_scores_each_distinct_text_once(counting_scorer) -> None:
    scorer = counting_scorer()
    out = score_texts(TEXTS, scorer=scorer, progress=False)
    assert sorted(scorer.texts_scored) == sorted(set(TEXTS))
    assert out.loc[0, "score"] == out.loc[2, "score"]


def test_second_run_calls_model_zero_times(tmp_path: Path, counting_scorer) -> None:
    cache = tmp_path / "c.sqlite"
    first = counting_scorer()
    a = score_texts(TEXTS, scorer=first, cache=cache, progress=False)
    second = counting_scorer()
    stats: dict[str, int] = {}
    b = score_texts(TEXTS, scorer=second, cache=cache, progress=False, stats=stats)
    assert second.calls == 0
    assert stats == {"n_unique": 4, "n_cached": 4, "n_scored": 0}
    np.testing.assert_array_equal(a["score"], b["score"])
    other = counting_scorer(fingerprint="another-model")
    score_texts(TEXTS, scorer=other, cache=cache, progress=False)
    assert other.calls == 1


def test_interrupted_run_resumes_without_rescoring(tmp_path: Path, counting_scorer) -> None:
    cache = tmp_path / "c.sqlite"
    texts = [f"sentence number {i}" for i in range(50)]
    broken = counting_scorer(fail_after=20)
    with pytest.raises(KeyboardInterrupt):
        score_texts(texts, scorer=broken, cache=cache, chunk_size=10, progress=False)
    assert len(broken.texts_scored) == 20
    with ScoreCache(cache) as store:
        assert store.count("counting-v1") == 20
    again = counting_scorer()
    out = score_texts(texts, scorer=again, cache=cache, chunk_size=10, progress=False)
    assert sorted(again.texts_scored) == sorted(set(texts) - set(broken.texts_scored))
    assert len(out) == 50


def test_callable_scorer_shapes() -> None:
    assert CallableScorer(lambda t: [0.3] * len(t))(["a", "b"]).shape == (2, 1)
    dicts = CallableScorer(lambda t: [{"neg": 0.1, "pos": 0.9} for _ in t])
    assert dicts(["a"]).tolist() == [[0.1, 0.9]] and dicts.score_label == "pos"
    with pytest.raises(ModelError, match=r"returned shape \(1, 2\) for 2 texts"):
        CallableScorer(lambda t: [[0.5, 0.5]])(["a", "b"])


def test_cache_survives_corruption(tmp_path: Path, counting_scorer) -> None:
    cache = tmp_path / "c.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    with pytest.warns(UserWarning, match="score cache is corrupt; moved it to"):
        out = score_texts(TEXTS, scorer=counting_scorer(), cache=cache, progress=False)
    assert len(out) == len(TEXTS)
    assert len(list(tmp_path.glob("c.sqlite.corrupt-*"))) == 1


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("./no/such/model", r"model path './no/such/model' does not exist"),
        ("/definitely/missing", r"model path '/definitely/missing' does not exist"),
    ],
)
def test_missing_model_path(model: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        load_scorer(model)


def test_hub_unreachable_says_how_to_use_a_local_path() -> None:
    with pytest.raises(ModelError) as info:
        load_scorer("someone/model-that-is-not-cached")
    text = str(info.value)
    assert "cannot reach the Hugging Face Hub" in text and "--model DIR" in text
    assert "\n" not in text


def test_model_whose_labels_cannot_be_mapped(tmp_path: Path, stand_in_model: Path) -> None:
    model_dir = tmp_path / "three-labels"
    model_dir.mkdir()
    for f in stand_in_model.iterdir():
        (model_dir / f.name).symlink_to(f)
    config = json.loads((stand_in_model / "config.json").read_text())
    config["id2label"] = {"0": "anger", "1": "joy"}
    config["label2id"] = {"anger": 0, "joy": 1}
    (model_dir / "config.json").unlink()
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match=r"cannot tell which label is the score among anger, joy"):
        load_scorer(str(model_dir))


def test_public_api_reexports() -> None:
    for name in biasprobe.__all__:
        assert hasattr(biasprobe, name), name


def test_file_hash_is_reused_only_while_the_files_are_unchanged(tmp_path: Path) -> None:
    """The digest equals SHA-256 over names and bytes in name order; an edit of a file
    within the same process gives the new digest (the per-process reuse keys on size and
    modification time)."""
    import hashlib
    import os

    from biasprobe.scoring._checkpoint import hash_files

    a, b = tmp_path / "config.json", tmp_path / "model.safetensors"
    a.write_bytes(b"{}")
    b.write_bytes(b"w" * 3000)

    def expected() -> str:
        digest = hashlib.sha256()
        for path in (a, b):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()

    first = hash_files([b, a])
    assert first == expected() == hash_files([a, b])
    b.write_bytes(b"v" * 3000)  # same size
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 1_000_000))
    assert hash_files([a, b]) == expected() != first
