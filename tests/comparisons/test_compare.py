"""Benchmark comparison: scored pairs, summary, utility, outputs and the CLI."""

from __future__ import annotations

import json
import shutil
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _direct import direct_probabilities
from scipy import stats

from biasprobe._errors import UsageError
from biasprobe.cli import main
from biasprobe.comparisons._compare import compare
from biasprobe.comparisons._comparison import ComparisonResult
from biasprobe.comparisons._findings import finding
from biasprobe.comparisons._pairs import load_pairs
from biasprobe.comparisons._sst2 import load_sst2

FAST = {"cache": None, "progress": False, "n_bootstrap": 200}


def fake_probability(text: str) -> float:
    """A stable pseudo-probability of a text."""
    return (zlib.crc32(text.encode()) % 1000) / 1000


class CountingScorer:
    """A deterministic two-label fake scorer."""

    def __init__(self) -> None:
        self.labels = ["NEGATIVE", "POSITIVE"]
        self.score_label = "POSITIVE"
        self.fingerprint = "counting-v1"
        self.info = {"model": "counting", "kind": "fake"}

    def __call__(self, texts: list[str]) -> np.ndarray:
        pos = np.array([fake_probability(t) for t in texts])
        return np.column_stack([1 - pos, pos])


def flat(texts: list[str]) -> list[list[float]]:
    """A model without any preference."""
    return [[0.5, 0.5] for _ in texts]


@pytest.fixture(scope="module")
def fake_result(datasets_dir: Path) -> ComparisonResult:
    return compare(
        ["winobias", "crows-pairs"],
        models=[CountingScorer(), flat],
        data_dir=datasets_dir,
        limit=40,
        utility=False,
        **FAST,
    )


def test_scored_pairs_carry_each_models_scores(fake_result: ComparisonResult) -> None:
    pairs = fake_result.pairs
    assert len(pairs) == 2 * 2 * 40
    assert pairs.columns[0] == "model" and "benchmark" in pairs.columns
    assert pairs.groupby(["model", "benchmark"]).size().tolist() == [40] * 4
    counting = pairs[pairs["model"] == "counting"]
    for side in ("a", "b"):
        expected = counting[f"text_{side}"].map(fake_probability)
        assert counting[f"score_{side}"].tolist() == pytest.approx(expected.tolist())
        assert counting[f"p_POSITIVE_{side}"].tolist() == pytest.approx(expected.tolist())
        labels = np.where(expected > 0.5, "POSITIVE", "NEGATIVE")
        assert counting[f"label_{side}"].tolist() == labels.tolist()
    flat = pairs[pairs["model"] != "counting"]
    assert (flat["score_a"] == 0.5).all() and (flat["score_b"] == 0.5).all()


def test_summary_matches_scipy_on_raw_scores(
    fake_result: ComparisonResult, datasets_dir: Path
) -> None:
    overall = fake_result.overall()
    assert overall[["model", "benchmark"]].values.tolist() == [
        ["counting", "winobias"],
        ["counting", "crows-pairs"],
        ["callable:flat", "winobias"],
        ["callable:flat", "crows-pairs"],
    ]
    pairs = fake_result.pairs
    for _, row in overall[overall["model"] == "counting"].iterrows():
        part = pairs[(pairs["model"] == "counting") & (pairs["benchmark"] == row["benchmark"])]
        a = np.array([fake_probability(t) for t in part["text_a"]])
        b = np.array([fake_probability(t) for t in part["text_b"]])
        assert row["mean_diff"] == pytest.approx(np.mean(a - b))
        assert row["share_a_higher"] == pytest.approx(np.mean(a > b) + 0.5 * np.mean(a == b))
        assert row["p_value"] == pytest.approx(stats.wilcoxon(a, b).pvalue)
        assert row["flip_rate"] == pytest.approx(np.mean((a > 0.5) != (b > 0.5)))
    flat = overall[overall["model"] != "counting"]
    assert (flat["mean_diff"] == 0).all() and flat["p_value"].isna().all()
    assert all(f.startswith("no significant") for f in flat["finding"])
    summary = fake_result.summary()
    wino = summary[(summary["model"] == "counting") & (summary["benchmark"] == "winobias")]
    assert set(wino["breakdown"]) <= {"overall", "split", "wb_type", "pronoun_gender", "occupation"}
    assert set(wino.loc[wino["breakdown"] == "wb_type", "group"]) == {"1", "2"}


@pytest.mark.parametrize(
    ("significant", "mean_diff", "rank_biserial", "expected"),
    [
        (False, -0.2, -0.5, "no significant difference"),
        (True, -0.2, -0.5, "text_b scores higher"),
        (True, 0.1, 0.3, "text_a scores higher"),
        (True, 0.01, -0.3, "mixed: most pairs and the mean difference point different ways"),
    ],
)
def test_finding_words(
    significant: bool, mean_diff: float, rank_biserial: float, expected: str
) -> None:
    row = SimpleNamespace(
        significant=significant,
        mean_diff=mean_diff,
        rank_biserial=rank_biserial,
        direction="a higher" if mean_diff > 0 else "b higher",
    )
    assert finding(row) == expected


def test_limit_is_a_seeded_sample(datasets_dir: Path) -> None:
    full = set(load_pairs("crows-pairs", data_dir=datasets_dir)["pair_id"])
    runs = [
        compare(
            "crows-pairs",
            models=CountingScorer(),
            data_dir=datasets_dir,
            limit=15,
            seed=seed,
            utility=False,
            **FAST,
        ).pairs["pair_id"]
        for seed in (1, 1, 2)
    ]
    assert runs[0].tolist() == runs[1].tolist() != runs[2].tolist()
    assert set(runs[0]) <= full and len(set(runs[0])) == 15


def test_utility_with_a_fake_scorer(datasets_dir: Path) -> None:
    result = compare("crows-pairs", models=CountingScorer(), data_dir=datasets_dir, limit=5, **FAST)
    sst2 = load_sst2(data_dir=datasets_dir)
    p = np.array([fake_probability(t) for t in sst2["text"]])
    y = sst2["label"].to_numpy()
    row = result.utility().iloc[0]
    assert (row["model"], row["dataset"], row["n"]) == ("counting", "sst2/dev", 872)
    assert row["accuracy"] == pytest.approx(np.mean((p > 0.5) == (y == 1)))
    u = stats.mannwhitneyu(p[y == 1], p[y == 0]).statistic
    assert row["auc"] == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))


def test_save_writes_every_output(fake_result: ComparisonResult, tmp_path: Path) -> None:
    out = fake_result.save(tmp_path / "cmp")
    names = {"pairs.parquet", "summary.csv", "utility.csv", "comparison.png", "compare.json"}
    assert {p.name for p in out.iterdir()} == names | {"effects.csv"}
    pairs = pd.read_parquet(out / "pairs.parquet")
    assert {"benchmark", "model", "score_a", "score_b"} <= set(pairs.columns)
    assert len(pairs) == len(fake_result.pairs)
    summary = pd.read_csv(out / "summary.csv")
    assert summary["mean_diff"].tolist() == pytest.approx(
        fake_result.summary()["mean_diff"].tolist()
    )
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((out / "compare.json").read_text())
    assert [m["name"] for m in meta["models"]] == ["counting", "callable:flat"]
    assert meta["models"][0]["fingerprint"] == "counting-v1"
    assert meta["seed"] == 0 and meta["limit"] == 40
    assert "context + ' ' + candidate" in meta["text_mode_note"]
    assert meta["packages"]["numpy"] == np.__version__
    assert "counting" in fake_result._repr_html_()


def test_bad_arguments(datasets_dir: Path) -> None:
    with pytest.raises(UsageError, match="unknown benchmark 'wino'; valid: winobias"):
        compare("wino", models=CountingScorer(), data_dir=datasets_dir, **FAST)
    with pytest.raises(UsageError, match="limit must be at least 1"):
        compare("all", models=CountingScorer(), data_dir=datasets_dir, limit=0, **FAST)
    with pytest.raises(UsageError, match="at least one model"):
        compare("all", models=[], data_dir=datasets_dir, **FAST)


# ---------------------------------------------------------------- CLI


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["compare", *args])
    return code, capsys.readouterr().err


def cli_args(data_dir: Path, out: Path, model: str = "missing-model") -> list[str]:
    return [
        "--benchmark",
        "crows-pairs",
        "--model",
        model,
        "--out",
        str(out),
        "--data-dir",
        str(data_dir),
        "--no-cache",
        "--no-progress",
        "--limit",
        "5",
        "--no-utility",
    ]


def test_cli_bad_data_exits_2(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_cli(cli_args(tmp_path / "nowhere", tmp_path / "out"), capsys)
    assert code == 2 and "is not a folder" in err and "Traceback" not in err
    (tmp_path / "crows_pairs").mkdir()
    pd.DataFrame({"sent_more": ["x"], "bias_type": ["age"]}).to_csv(
        tmp_path / "crows_pairs" / "crows_pairs_anonymized.csv", index=False
    )
    code, err = run_cli(cli_args(tmp_path, tmp_path / "out"), capsys)
    assert code == 2 and "missing column 'sent_less'" in err
    assert len(err.strip().splitlines()) == 1
    shutil.copytree(datasets_dir / "winobias", tmp_path / "winobias")
    anti = tmp_path / "winobias" / "anti_stereotyped_type1.txt.dev"
    anti.chmod(0o644)
    anti.write_text(anti.read_text().replace("\n17 ", "\n18 ", 1))
    args = cli_args(tmp_path, tmp_path / "out")
    args[1] = "winobias"
    code, err = run_cli(args, capsys)
    assert code == 2 and "unaligned WinoBias files" in err and "sentence 17" in err
    assert not (tmp_path / "out").exists()


def test_cli_bad_options_exit_2(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = cli_args(datasets_dir, tmp_path / "out")
    with pytest.raises(SystemExit) as info:
        main(["compare", *args[:1], "winobia", *args[2:]])
    assert info.value.code == 2
    capsys.readouterr()
    code, err = run_cli([*args, "--limit", "0"], capsys)
    assert code == 2 and "limit must be at least 1" in err
    code, err = run_cli([*args, "--cache", str(tmp_path / "c.sqlite")], capsys)
    assert code == 2 and "exclude each other" in err
    code, err = run_cli([*args[:3], str(tmp_path / "no-model"), *args[4:]], capsys)
    assert code == 2 and "does not exist" in err


@pytest.mark.model
def test_cli_real_run_on_the_stand_in(
    stand_in_model: Path, datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = [
        "--benchmark",
        "winobias",
        "--benchmark",
        "stereoset",
        "--model",
        str(stand_in_model),
        "--out",
        str(out),
        "--data-dir",
        str(datasets_dir),
        "--cache",
        str(tmp_path / "cache.sqlite"),
        "--no-progress",
        "--limit",
        "12",
        "--no-utility",
        "--n-bootstrap",
        "300",
    ]
    assert main(["compare", *args]) == 0
    printed = capsys.readouterr().out
    assert "winobias: n=12" in printed and "stereoset: n=12" in printed
    pairs = pd.read_parquet(out / "pairs.parquet")
    assert sorted(set(pairs["benchmark"])) == ["stereoset", "winobias"]
    direct = direct_probabilities(stand_in_model, pairs["text_a"].tolist(), batch_size=64)
    assert pairs["score_a"].to_numpy() == pytest.approx(direct[:, 1], abs=1e-5)
    assert pairs["p_NEGATIVE_a"].to_numpy() == pytest.approx(direct[:, 0], abs=1e-5)
    meta = json.loads((out / "compare.json").read_text())
    assert meta["models"][0]["fingerprint"].startswith("local:")
    assert meta["command"] == ["biasprobe", "compare", *args]
    # a second run is served from the cache and gives identical scores
    assert main(["compare", *args]) == 0
    again = pd.read_parquet(out / "pairs.parquet")
    assert again["score_a"].tolist() == pairs["score_a"].tolist()


@pytest.mark.model
def test_stand_in_sst2_utility_equals_direct_computation(
    stand_in_model: Path, datasets_dir: Path
) -> None:
    result = compare(
        "crows-pairs", models=str(stand_in_model), data_dir=datasets_dir, limit=4, **FAST
    )
    row = result.utility().iloc[0]
    sst2 = load_sst2(data_dir=datasets_dir)
    probs = direct_probabilities(stand_in_model, sst2["text"].tolist(), batch_size=64)
    y, pred = sst2["label"].to_numpy(), probs.argmax(axis=1)
    tp = np.sum((pred == 1) & (y == 1))
    assert row["accuracy"] == pytest.approx(np.mean(pred == y), abs=1e-12)
    assert row["precision"] == pytest.approx(tp / np.sum(pred == 1))
    assert row["recall"] == pytest.approx(tp / np.sum(y == 1))
    u = stats.mannwhitneyu(probs[y == 1, 1], probs[y == 0, 1]).statistic
    assert row["auc"] == pytest.approx(u / (np.sum(y == 1) * np.sum(y == 0)), abs=1e-6)
    # the stand-in's README: accuracy 0.8945, F1 0.8985, AUC 0.9600
    assert row[["accuracy", "f1", "auc"]].astype(float).round(4).tolist() == [
        0.8945,
        0.8985,
        0.9600,
    ]


@pytest.mark.online
def test_hub_model_matches_its_model_card(datasets_dir: Path) -> None:
    model: Any = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    result = compare("crows-pairs", models=model, data_dir=datasets_dir, limit=4, **FAST)
    row = result.utility().iloc[0]
    # the model card's GLUE SST-2 validation figures
    assert row[["accuracy", "precision", "recall", "f1", "auc"]].astype(float).round(
        4
    ).tolist() == [0.9106, 0.8978, 0.9302, 0.9137, 0.9717]
