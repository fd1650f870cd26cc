"""Utility metrics: SST-2 loading and accuracy / precision / recall / F1 / AUC."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from biasprobe._errors import DataError
from biasprobe.comparisons._pairs import BenchmarkCountWarning
from biasprobe.comparisons._sst2 import METRIC_COLUMNS, classification_metrics, load_sst2, roc_auc


def test_sst2_dev_from_the_shared_copy(datasets_dir: Path) -> None:
    with (datasets_dir / "sst2" / "dev.tsv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    table = load_sst2(data_dir=datasets_dir)
    assert list(table.columns) == ["text", "label"]
    assert len(table) == len(rows) == 872
    assert table["text"].tolist() == [r[1] for r in rows]
    assert table["label"].tolist() == [int(r[0]) for r in rows]


def write_tsv(tmp_path: Path, text: str) -> Path:
    (tmp_path / "sst2").mkdir(exist_ok=True)
    (tmp_path / "sst2" / "dev.tsv").write_text(text)
    return tmp_path


def test_sst2_bad_files(tmp_path: Path) -> None:
    (tmp_path / "sst2").mkdir()
    with pytest.raises(DataError, match=r"missing SST-2 file .*sst2/dev.tsv"):
        load_sst2(data_dir=tmp_path)
    write_tsv(tmp_path, "label\ttext\n1\tgood\n")
    with pytest.raises(DataError, match="expected columns label and content"):
        load_sst2(data_dir=tmp_path)
    write_tsv(tmp_path, "label\tcontent\n1\tgood\npositive\tfine\n")
    with pytest.raises(DataError, match="line 3 has label 'positive'; valid: 0, 1"):
        load_sst2(data_dir=tmp_path)
    write_tsv(tmp_path, "label\tcontent\n")
    with pytest.raises(DataError, match="is empty"):
        load_sst2(data_dir=tmp_path)


def test_sst2_short_file_warns_and_train_layout_reads(tmp_path: Path) -> None:
    write_tsv(tmp_path, 'label\tsentence\n1\ta "quoted" gem\n0\tdull\n')
    with pytest.warns(BenchmarkCountWarning, match="has 2 rows, the published dataset has 872"):
        table = load_sst2(data_dir=tmp_path)
    assert table.to_dict("records") == [
        {"text": 'a "quoted" gem', "label": 1},
        {"text": "dull", "label": 0},
    ]


def test_sst2_from_the_hub(datasets_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = load_sst2(data_dir=datasets_dir)
    hub = datasets.Dataset.from_dict(
        {
            "sentence": local["text"].tolist(),
            "label": local["label"].tolist(),
            "idx": list(range(len(local))),
        }
    )
    calls = []

    def load_dataset(path: str, name: str, *, split: str, revision: str | None) -> object:
        calls.append((path, name, split))
        return hub

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    monkeypatch.delenv("BIASPROBE_DATA", raising=False)
    pd.testing.assert_frame_equal(load_sst2(), local)
    assert calls == [("nyu-mll/glue", "sst2", "validation")]


def test_metrics_match_confusion_counts() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = np.clip(0.3 * y + rng.uniform(0, 0.7, 500), 0, 1)
    m = classification_metrics(y, s)
    assert list(m.columns) == list(METRIC_COLUMNS) and len(m) == 1
    pred = s >= 0.5
    tp, fp = np.sum(pred & (y == 1)), np.sum(pred & (y == 0))
    fn, tn = np.sum(~pred & (y == 1)), np.sum(~pred & (y == 0))
    row = m.iloc[0]
    assert row["accuracy"] == pytest.approx((tp + tn) / 500)
    assert row["precision"] == pytest.approx(tp / (tp + fp))
    assert row["recall"] == pytest.approx(tp / (tp + fn))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert row["f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    u = stats.mannwhitneyu(s[y == 1], s[y == 0]).statistic
    assert row["auc"] == pytest.approx(u / (np.sum(y == 1) * np.sum(y == 0)))
    assert (row["n"], row["n_positive"], row["threshold"]) == (500, np.sum(y == 1), 0.5)


def test_auc_by_hand_with_ties() -> None:
    # positives 0.8, 0.4, 0.4; negatives 0.4, 0.1: pairs won (1+1) + (0.5+1) + (0.5+1) = 5 of 6
    assert roc_auc([1, 1, 1, 0, 0], [0.8, 0.4, 0.4, 0.4, 0.1]) == pytest.approx(5 / 6)
    assert math.isnan(roc_auc([1, 1], [0.2, 0.3]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])),
        min_size=2,
        max_size=30,
    )
)
def test_auc_equals_pairwise_wins(rows: list[tuple[bool, float]]) -> None:
    pos = [s for y, s in rows if y]
    neg = [s for y, s in rows if not y]
    expected = (
        np.mean([1.0 if p > q else 0.5 if p == q else 0.0 for p, q in itertools.product(pos, neg)])
        if pos and neg
        else np.nan
    )
    got = roc_auc([y for y, _ in rows], [s for _, s in rows])
    assert got == pytest.approx(expected, nan_ok=True)


def test_predictions_override_and_degenerate_cases() -> None:
    m = classification_metrics([1, 0, 1], [0.9, 0.8, 0.1], predictions=[1, 0, 0])
    assert m.iloc[0][["accuracy", "precision", "recall"]].tolist() == pytest.approx(
        [2 / 3, 1.0, 0.5]
    )
    assert math.isnan(m.iloc[0]["threshold"])
    none_predicted = classification_metrics([1, 0], [0.1, 0.2]).iloc[0]
    assert math.isnan(none_predicted["precision"]) and none_predicted["recall"] == 0
    with pytest.raises(DataError, match="equally long"):
        classification_metrics([1, 0], [0.5])
