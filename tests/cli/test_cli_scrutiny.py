"""``biasprobe audit`` writes the evidence next to its findings: robustness, confounds,
attributions (stand-in model; expected values from direct tokenizer and model calls)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasprobe.cli import main


@pytest.fixture(scope="module")
def religion_audit(
    stand_in_model: Path, datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("scrutiny") / "religion"
    argv = ["audit", "religion", "--model", str(stand_in_model), "--out", str(out), "--no-cache"]
    argv += ["--no-progress", "--reference-corpus", str(datasets_dir / "sst2")]
    assert main(argv) == 0
    return out


@pytest.mark.model
@pytest.mark.slow
def test_audit_writes_robustness_confounds_and_attributions(religion_audit: Path) -> None:
    robust = pd.read_csv(religion_audit / "robustness.csv")
    assert set(robust["extreme"]) == {"min", "max"}
    assert robust["robust"].dtype == bool
    flags = pd.read_csv(religion_audit / "confound_flags.csv")
    assert {"lowest value", "highest value"} <= set(flags["finding"])
    attributions = pd.read_csv(religion_audit / "attributions.csv")
    assert {"high", "low"} == set(attributions["side"])
    assert (religion_audit / "wording_agreement.csv").is_file()
    assert (religion_audit / "confound_effects.csv").is_file()


@pytest.mark.model
@pytest.mark.slow
def test_confound_terms_match_direct_calls(
    religion_audit: Path, stand_in_model: Path, datasets_dir: Path
) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    terms = pd.read_csv(religion_audit / "confounds.csv").set_index("value")
    tok = AutoTokenizer.from_pretrained(stand_in_model)
    for value in ("Muslim", "agnostic", "Zoroastrian"):
        assert terms.loc[value, "n_pieces"] == len(tok.tokenize(value))
    model = AutoModelForSequenceClassification.from_pretrained(stand_in_model).eval()
    with torch.inference_mode():
        logits = model(**tok(["agnostic"], return_tensors="pt")).logits
    assert terms.loc["agnostic", "bare_score"] == pytest.approx(
        float(torch.softmax(logits, -1)[0, 1]), abs=1e-5
    )
    train = pd.read_csv(datasets_dir / "sst2" / "train.tsv", sep="\t", quoting=3, dtype=str)
    words = train["sentence"].str.lower().str.findall(r"[\w']+")
    hits = words.map(lambda ws: "christian" in ws)
    assert terms.loc["Christian", "corpus_n"] == int(hits.sum())
    share = (train.loc[hits, "label"] == "1").mean()
    assert np.isclose(terms.loc["Christian", "corpus_positive_share"], share)


@pytest.mark.model
@pytest.mark.slow
def test_perturb_writes_the_spread_across_rewordings(stand_in_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "names"
    argv = ["audit", "names_gender", "--model", str(stand_in_model), "--out", str(out)]
    argv += ["--no-cache", "--no-progress", "--no-confounds", "--perturb"]
    assert main(argv) == 0
    headlines = pd.read_csv(out / "perturb.csv")
    assert headlines["variant"].iloc[0] == "original" and len(headlines) >= 4
    original = pd.read_csv(out / "gaps.csv").query("template_id == 'all'")["gap"].iloc[0]
    assert headlines["gap"].iloc[0] == pytest.approx(original)
    summary = pd.read_csv(out / "perturb_summary.csv").iloc[0]
    assert summary["gap_min"] <= summary["gap_original"] <= summary["gap_max"]
