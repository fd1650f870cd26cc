"""Models of a multi-model audit: spec strings, per-model options, unique names."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import biasprobe
from biasprobe import UsageError
from biasprobe.diffs import _multi
from biasprobe.diffs._model_names import model_name, unique_names
from biasprobe.diffs._model_spec import ModelSpec, parse_model_spec
from biasprobe.scoring._scorer import CallableScorer


@pytest.mark.parametrize(
    ("text", "model", "name", "overrides"),
    [
        ("org/m", "org/m", None, {}),
        ("org/m,revision=v2", "org/m", None, {"revision": "v2"}),
        ("../m,fast=int8,name=small", "../m", "small", {"dtype": "int8"}),
        ("../m,fast=bf16", "../m", None, {"dtype": "bfloat16"}),
        ("../m,dtype=float16,revision=abc", "../m", None, {"dtype": "float16", "revision": "abc"}),
    ],
)
def test_spec_strings(text: str, model: str, name: str | None, overrides: dict) -> None:
    assert parse_model_spec(text) == ModelSpec(model=model, name=name, overrides=overrides)


@pytest.mark.parametrize("text", ["", ",fast=int8", "m,fast=int4", "m,colour=red", "m,name="])
def test_bad_spec_strings(text: str) -> None:
    with pytest.raises(UsageError, match="model"):
        parse_model_spec(text)


def test_names_show_revision_and_build_and_stay_unique() -> None:
    infos = [
        {"model": "org/m", "revision": "v1"},
        {"model": "org/m", "revision": "v2"},
        {"model": "../shared/models/m", "dtype": "float32"},
        {"model": "../shared/models/m", "dtype": "int8"},
        {"model": "other/m"},
    ]
    names = unique_names([model_name(i) for i in infos])
    assert names == ["m@v1", "m@v2", "m", "m-int8", "m-2"]


def test_each_model_gets_its_own_revision(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []

    def fake_load(model: Any, **options: Any) -> CallableScorer:
        seen.append({"model": model, **options})
        shift = 0.1 if options["revision"] == "v2" else 0.0

        def fn(texts: list[str]) -> np.ndarray:
            s = np.array([0.5 + shift * ("Jain" in t) for t in texts])
            return np.column_stack([1 - s, s])

        scorer = CallableScorer(fn)
        scorer.info.update(model=model, revision=options["revision"])
        return scorer

    monkeypatch.setattr(_multi, "load_scorer", fake_load)
    multi = biasprobe.audit_models(
        "religion",
        models=["org/m,revision=v1", "org/m,revision=v2"],
        batch_size=8,
        cache=None,
        progress=False,
        n_bootstrap=100,
    )
    assert [(s["revision"], s["batch_size"]) for s in seen] == [("v1", 8), ("v2", 8)]
    assert multi.names == ["m@v1", "m@v2"]
    assert set(multi.diff().moved()["value"]) == {"Jain"}
