"""The counterfactual audit end to end: fake scorers of known truth, outputs, bad inputs."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biasprobe
from biasprobe._errors import DataError
from biasprobe.audits._counterfactual import counterfactual, load_counterfactual
from biasprobe.cli._main import main

LEXICON = """# name: fruit_people
value,article,kind
Ann,,a
Bob,,a
Cyd,,b
Dee,,b
"""
SHIFT = {"Ann": 0.0, "Bob": 0.05, "Cyd": -0.1, "Dee": 0.05}


def _scorer(texts: list[str]) -> np.ndarray:
    """P(positive) = a per-sentence level + the known shift of the name + small noise."""
    out = []
    for t in texts:
        name = next(n for n in SHIFT if n in t)
        frame = t.replace(name, "X")
        level = 0.3 + (zlib.crc32(frame.encode()) % 1000) / 2500
        noise = ((zlib.crc32(t.encode()) % 1000) / 1000 - 0.5) * 0.02
        p = level + SHIFT[name] + noise
        out.append([1 - p, p])
    return np.array(out)


def _corpus(tmp_path: Path, n: int = 30) -> Path:
    names = list(SHIFT)
    rows = [
        {"text": f"Review {i}: {names[i % 4]} was great in part {i}.", "label": i % 2}
        for i in range(n)
    ]
    path = tmp_path / "corpus.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def lexicon_path(tmp_path: Path) -> Path:
    path = tmp_path / "fruit_people.csv"
    path.write_text(LEXICON, encoding="utf-8")
    return path


def test_known_shifts_are_recovered_within_their_intervals(
    tmp_path: Path, lexicon_path: Path
) -> None:
    result = counterfactual(
        _corpus(tmp_path), lexicon=str(lexicon_path), model=_scorer, label_column="label",
        cache=None, progress=False, slot="person", min_count=3,
    )  # fmt: skip
    shifts = result.shifts.set_index("value")
    mean_shift = np.mean(list(SHIFT.values()))
    for name, shift in SHIFT.items():
        row = shifts.loc[name]
        truth = shift - mean_shift
        assert row["shift_vs_all_ci_low"] <= truth <= row["shift_vs_all_ci_high"]
    assert shifts.loc["Cyd", "shift_vs_all_p_bh"] < 0.05
    counts = result.metadata["counts"]
    assert counts["n_sentences"] == 30
    assert counts["n_counterfactuals"] == 30 * 4
    assert set(result.subgroup_auc["group"]) == set(SHIFT)


def test_outputs_read_back_as_an_audit(tmp_path: Path, lexicon_path: Path) -> None:
    result = counterfactual(
        _corpus(tmp_path), lexicon=str(lexicon_path), model=_scorer, cache=None,
        progress=False, slot="person", n_bootstrap=200,
    )  # fmt: skip
    out = result.save(tmp_path / "cf")
    for name in ("probes.parquet", "groups.csv", "gaps.csv", "counterfactual.json", "shifts.csv"):
        assert (out / name).is_file()
    audit = biasprobe.load_audit(out)
    assert audit.slots == ["person"]
    assert audit.gap("person") == pytest.approx(result.audit.gap("person"))
    again = load_counterfactual(out)
    pd.testing.assert_frame_equal(
        again.shifts[["value", "shift"]], result.shifts[["value", "shift"]], check_dtype=False
    )
    probes = pd.read_parquet(out / "probes.parquet")
    assert {"source_id", "original", "text", "person", "person_kind", "score"} <= set(probes)


def _by_length(texts: list[str]) -> np.ndarray:
    p = np.array([(len(t) % 17) / 20 + 0.05 for t in texts])
    return np.column_stack([1 - p, p])


def test_template_agreement_is_reported(tmp_path: Path) -> None:
    rows = ["This film from France is great.", "A dull trip to Syria.", "Italy, again."]
    corpus = tmp_path / "c.jsonl"
    pd.DataFrame({"text": rows}).to_json(corpus, orient="records", lines=True)
    template = biasprobe.audit(
        "country", model=_by_length, cache=None, progress=False,
        n_bootstrap=50,
    )  # fmt: skip
    result = counterfactual(
        corpus, lexicon="countries", model=_by_length, cache=None,
        progress=False, template_audit=template, n_bootstrap=50, sample=20,
    )  # fmt: skip
    assert result.metadata["agreement"]["n_shared"] > 3
    assert set(result.agreement["end"]) == {"template high", "template low"}


def test_no_mention_is_a_clear_error(tmp_path: Path) -> None:
    corpus = tmp_path / "c.csv"
    pd.DataFrame({"text": ["Nothing to see.", "We ate turkey."]}).to_csv(corpus, index=False)
    with pytest.raises(DataError, match="no kept mention"):
        counterfactual(corpus, lexicon="countries", model=_scorer, cache=None, progress=False)


BAD = [
    ("missing_column.csv", "words\nhello\n", ["--label-column", "label"], "no column 'text'"),
    ("empty.csv", "", [], "file is empty"),
    ("header_only.csv", "text,label\n", [], "no rows"),
    ("bad_label.csv", "text,label\nFrance!,2\n", ["--label-column", "label"], "0 or 1"),
    ("missing.csv", None, [], "file not found"),
]


@pytest.mark.parametrize(("name", "content", "flags", "message"), BAD)
def test_cli_bad_corpus_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | None,
    flags: list[str],
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    argv = ["counterfactual", str(path), "--lexicon", "countries", "--out", str(tmp_path / "o")]
    assert main([*argv, "--no-cache", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert message in err


def test_cli_runs_on_the_example_with_the_stand_in(
    tmp_path: Path, stand_in_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cf"
    argv = ["counterfactual", "examples/reviews.csv", "--lexicon", "religions", "--model",
            str(stand_in_model), "--label-column", "label", "--out", str(out),
            "--no-progress", "--n-bootstrap", "200", "--auc-background", "5"]  # fmt: skip
    assert main(argv) == 0
    assert "mentions: 3 kept" in capsys.readouterr().out
    probes = pd.read_parquet(out / "probes.parquet")
    muslim = probes[(probes["source_value"] == "Muslim") & (probes["religion"] == "atheist")]
    assert muslim["text"].iloc[0].startswith("An atheist family's story")


def test_max_sentences_keeps_a_seeded_sample(tmp_path: Path, lexicon_path: Path) -> None:
    def run(seed: int) -> set[object]:
        result = counterfactual(
            _corpus(tmp_path), lexicon=str(lexicon_path), model=_scorer, cache=None,
            progress=False, slot="person", max_sentences=7, seed=seed, n_bootstrap=50,
        )  # fmt: skip
        assert result.metadata["counts"]["n_sentences"] == 7
        assert len(result.mentions) == 30  # every mention is still reported
        return set(result.audit.probes["source_id"])

    assert run(1) == run(1)
    assert run(1) != run(2)
