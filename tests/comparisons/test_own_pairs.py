"""Your own pair sets: loading, paired statistics like the benchmarks, bad inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasprobe.cli._main import main
from biasprobe.comparisons._comparison import load_comparison
from biasprobe.comparisons._own_pairs import compare_pairs, load_own_pairs


def _fake(texts: list[str]) -> np.ndarray:
    p = np.array([0.7 if t.startswith("She") else 0.5 + len(t) / 1000 for t in texts])
    return np.column_stack([1 - p, p])


def test_direction_b_rows_are_swapped() -> None:
    pairs = load_own_pairs("examples/pairs.csv")
    raw = pd.read_csv("examples/pairs.csv")
    b_rows = raw["direction"] == "b"
    assert (pairs.loc[b_rows.to_numpy(), "text_a"] == raw.loc[b_rows, "text_b"].to_numpy()).all()
    assert (pairs.loc[~b_rows.to_numpy(), "text_a"] == raw.loc[~b_rows, "text_a"].to_numpy()).all()
    assert sorted(pairs["pair_group"].unique()) == ["emotion", "family", "film", "occupation"]


def test_paired_statistics_match_a_direct_computation(tmp_path: Path) -> None:
    result = compare_pairs(
        "examples/pairs.csv", models=_fake, cache=None, progress=False, n_bootstrap=300
    )
    pairs = load_own_pairs("examples/pairs.csv")
    a = _fake(pairs["text_a"].tolist())[:, 1]
    b = _fake(pairs["text_b"].tolist())[:, 1]
    overall = result.overall().iloc[0]
    assert overall["mean_diff"] == pytest.approx(np.mean(a - b))
    assert overall["n"] == len(pairs)
    groups = result.summary()
    assert set(groups.loc[groups["breakdown"] == "pair_group", "group"]) == {
        "emotion", "family", "film", "occupation",
    }  # fmt: skip
    out = result.save(tmp_path / "own")
    again = load_comparison(out)
    assert again.overall()["mean_diff"].iloc[0] == pytest.approx(overall["mean_diff"])
    assert main(["check", str(out), "--check", "pairs.mean_diff < 0.5"]) == 0
    # film pairs: the "actress" side is longer, so it scores 0.002 higher under _fake
    assert main(["check", str(out), "--check", "pairs.mean_diff(pair_group=film) > 0"]) == 1


def test_renamed_columns(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    frame = pd.DataFrame(
        {"x": ["A man won.", "A man lost."], "y": ["A woman won.", "A woman lost."]}
    )
    frame.to_json(path, orient="records", lines=True)
    pairs = load_own_pairs(path, text_a="x", text_b="y")
    assert pairs["benchmark"].iloc[0] == "mine"
    assert pairs["text_b"].tolist() == ["A woman won.", "A woman lost."]


BAD = [
    ("no_b.csv", "text_a,other\nHe ran.,x\n", [], "no column 'text_b'"),
    ("empty.csv", "", [], "file is empty"),
    ("header.csv", "text_a,text_b\n", [], "no rows"),
    ("unequal.csv", "text_a,text_b\nHe ran.,She ran.\nHe sat.,\n", [], "unequal pair counts"),
    ("direction.csv", "text_a,text_b,direction\nHe ran.,She ran.,up\n", [], "valid: a, b"),
    ("dup.csv", "pair_id,text_a,text_b\n1,He ran.,She ran.\n1,He sat.,She sat.\n", [], "twice"),
    ("ok.csv", "text_a,text_b\nHe ran.,She ran.\n", ["--benchmark", "winobias"], "exclude"),
    ("ok.csv", "text_a,text_b\nHe ran.,She ran.\n", ["--text-a-column", "a"], "no column 'a'"),
]


@pytest.mark.parametrize(("name", "content", "flags", "message"), BAD)
def test_bad_pair_files_exit_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    flags: list[str],
    message: str,
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    argv = ["compare", "--pairs", str(path), "--model", "m", "--out", str(tmp_path / "o")]
    assert main([*argv, "--no-cache", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert message in err
