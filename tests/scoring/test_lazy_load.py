"""The model loads only when something is left to score; the fingerprint needs only the files."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import biasprobe
from biasprobe.scoring import _transformers
from biasprobe.scoring._cache import ScoreCache

REPO = Path(__file__).resolve().parents[2]


def files_fingerprint(model_dir: Path) -> str:
    """The cache key of a local model, computed here from its files (names, then bytes)."""
    names = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    paths = sorted(model_dir / n for n in names if (model_dir / n).is_file())
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"local:{digest.hexdigest()}"


def fake_probs(text: str) -> np.ndarray:
    p = (len(text) % 97) / 97
    return np.array([1 - p, p])


def prefill(cache: Path, model_dir: Path, *, skip: int = 0) -> list[str]:
    """Cache fake scores for the country set's texts but the first ``skip``; returns them."""
    texts = list(dict.fromkeys(biasprobe.expand(biasprobe.load_template_set("country"))["text"]))
    with ScoreCache(cache) as store:
        store.put_many(
            files_fingerprint(model_dir),
            ["NEGATIVE", "POSITIVE"],
            ((t, fake_probs(t)) for t in texts[skip:]),
        )
    return texts


@pytest.fixture
def counted_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = _transformers._load

    def counting(model: str, **kwargs: Any) -> Any:
        calls.append(model)
        return real(model, **kwargs)

    monkeypatch.setattr(_transformers, "_load", counting)
    return calls


def test_fully_cached_audit_loads_no_model(
    tmp_path: Path, stand_in_model: Path, counted_loads: list[str]
) -> None:
    cache = tmp_path / "scores.sqlite"
    prefill(cache, stand_in_model)
    result = biasprobe.audit(
        "country", model=str(stand_in_model), cache=cache, progress=False, n_bootstrap=50
    )
    assert counted_loads == []
    probes = result.probes
    expected = np.array([fake_probs(t)[1] for t in probes["text"]])
    np.testing.assert_allclose(probes["score"].to_numpy(), expected)
    assert result.metadata["counts"]["n_scored"] == 0
    assert result.metadata["model"]["labels"] == ["NEGATIVE", "POSITIVE"]


@pytest.mark.model
def test_one_uncached_text_loads_the_model_once(
    tmp_path: Path, stand_in_model: Path, counted_loads: list[str]
) -> None:
    from transformers import pipeline

    cache = tmp_path / "scores.sqlite"
    texts = prefill(cache, stand_in_model, skip=1)
    result = biasprobe.audit(
        "country", model=str(stand_in_model), cache=cache, progress=False, n_bootstrap=50
    )
    assert counted_loads == [str(stand_in_model)]
    assert result.metadata["counts"]["n_scored"] == 1
    direct = pipeline("text-classification", model=str(stand_in_model), top_k=None)([texts[0]])[0]
    positive = next(d["score"] for d in direct if d["label"] == "POSITIVE")
    got = result.probes.loc[result.probes["text"] == texts[0], "score"]
    np.testing.assert_allclose(got.to_numpy(), positive, atol=1e-5)


def test_fully_cached_cli_audit_never_imports_torch(tmp_path: Path, stand_in_model: Path) -> None:
    cache = tmp_path / "scores.sqlite"
    prefill(cache, stand_in_model)
    code = (
        "import sys; from biasprobe.cli import main; "
        f"code = main(['audit', 'country', '--model', {str(stand_in_model)!r}, '--out', 'o', "
        "'--no-progress', '--n-bootstrap', '50']); "
        "print('torch' in sys.modules, 'transformers' in sys.modules); sys.exit(code)"
    )
    env = dict(os.environ, BIASPROBE_CACHE=str(cache), PYTHONPATH=str(REPO))
    # The first run scores what the probes' cache lacks (the confound report's bare terms and
    # occlusion texts go through the same cache); the re-run then loads nothing.
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert all(p.returncode == 0 for p in runs), runs[-1].stderr[-2000:]
    assert runs[0].stdout.strip().splitlines()[-1] == "True True"
    assert runs[1].stdout.strip().splitlines()[-1] == "False False"
    assert (tmp_path / "o" / "audit.json").is_file()
