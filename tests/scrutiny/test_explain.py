"""Token attributions: occlusion recovers a known token effect; integrated gradients on the
stand-in model add up to the score change (checked with a direct transformers call)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasprobe import AuditResult
from biasprobe.scrutiny._explain import explain_extremes, occlusion


def dull_penalty(texts: list[str]) -> np.ndarray:
    """Known truth: 'dull' costs 0.5, 'Zed' costs 0.3, nothing else matters."""
    return np.array([0.9 - 0.5 * ("dull" in t) - 0.3 * ("Zed" in t) for t in texts])


def test_occlusion_recovers_a_known_token_effect() -> None:
    frame = occlusion(["The dull film about Zed ."], dull_penalty, values=["Zed"])
    words = frame[frame["kind"] == "word"].set_index("token")["attribution"]
    assert words["dull"] == pytest.approx(-0.5)
    assert words["Zed"] == pytest.approx(-0.3)
    assert words.drop(["dull", "Zed"]).abs().max() == pytest.approx(0.0)
    value = frame[frame["kind"] == "value"].iloc[0]
    assert value["token"] == "Zed" and value["attribution"] == pytest.approx(-0.3)
    assert frame["full_score"].iloc[0] == pytest.approx(0.1)


def test_multi_word_value_is_removed_as_one_span() -> None:
    def score(texts: list[str]) -> np.ndarray:
        return np.array([0.2 if "Saint Lucia" in t else 0.7 for t in texts])

    frame = occlusion(["I went to Saint Lucia today."], score, values=["Saint Lucia"])
    value = frame[frame["kind"] == "value"].iloc[0]
    assert value["attribution"] == pytest.approx(-0.5)


def test_explain_extremes_reads_the_extreme_pairs() -> None:
    rows = [{"template_id": "t0", "name": "someone", "is_baseline": True, "text": "someone"}]
    for t in ("t0", "t1"):
        for name in ("Zed", "Amy", "Bo"):
            text = f"{name} was here ({t})." if t == "t0" else f"Yesterday {name} left."
            rows.append({"template_id": t, "name": name, "is_baseline": False, "text": text})
    rows.append({"template_id": "t1", "name": "someone", "is_baseline": True, "text": "x"})
    probes = pd.DataFrame(rows)
    probes["score"] = dull_penalty(probes["text"].tolist())
    probes.insert(0, "probe_id", range(len(probes)))
    probes["template"] = probes["template_id"]
    result = AuditResult(probes=probes, slots=["name"], seed=0, n_bootstrap=100)
    frame = explain_extremes(result, score=dull_penalty, n=2)
    low = frame[(frame["side"] == "low") & (frame["kind"] == "value")]
    assert set(low["value"]) == {"Zed"} and np.allclose(low["attribution"], -0.3)
    assert set(frame["pair"]) == {0, 1}


@pytest.mark.model
@pytest.mark.slow
def test_integrated_gradients_on_the_stand_in(stand_in_model: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from biasprobe.scoring._attributions import integrated_gradients
    from biasprobe.scoring._scorer import load_scorer

    text = "This film was terrible."
    frame = integrated_gradients(load_scorer(stand_in_model, device="cpu"), [text])
    assert frame.set_index("token")["attribution"].idxmin() == "terrible"
    # completeness: attributions add up to P(text) - P(baseline of [PAD]s), computed directly
    tok = AutoTokenizer.from_pretrained(stand_in_model)
    model = AutoModelForSequenceClassification.from_pretrained(stand_in_model).eval()
    ids = tok(text, return_tensors="pt")["input_ids"]
    base = ids.clone()
    base[0, 1:-1] = tok.pad_token_id
    pos = next(k for k, v in model.config.id2label.items() if v == "POSITIVE")
    with torch.inference_mode():
        p = torch.softmax(model(input_ids=torch.cat([ids, base])).logits, -1)[:, pos]
    assert frame["attribution"].sum() == pytest.approx(float(p[0] - p[1]), abs=0.02)
    assert frame["score"].iloc[0] == pytest.approx(float(p[0]), abs=1e-5)
