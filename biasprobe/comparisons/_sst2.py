"""Task quality beside bias: SST-2 dev and binary classification metrics.

``load_sst2`` reads the GLUE SST-2 validation split (872 sentences) from
``data_dir/sst2/dev.tsv`` (header ``label<TAB>content``; train.tsv calls the text column
``sentence``) or, without a data folder, from the Hub (``nyu-mll/glue``, config
``sst2``, split ``validation``). ``classification_metrics`` turns labels and scores
(P(positive)) into accuracy, precision, recall, F1 and ROC AUC.
"""

from __future__ import annotations

import csv
import os
from typing import Any

import numpy as np
import pandas as pd

from biasprobe._errors import DataError
from biasprobe.comparisons._pairs import benchmark_folder, check_count, load_hub, resolve_data_dir

SST2_DEV_ROWS = 872
HUB_ID = "nyu-mll/glue"
TEXT_COLUMNS = ("content", "sentence")
METRIC_COLUMNS: tuple[str, ...] = (
    "n",
    "n_positive",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "auc",
    "threshold",
)


def read_sst2_tsv(path: os.PathLike[str] | str) -> pd.DataFrame:
    """An SST-2 TSV as a frame with columns ``text`` and ``label`` (0/1)."""
    if not os.path.isfile(path):
        raise DataError(f"missing SST-2 file {path}")
    raw = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    text_col = next((c for c in TEXT_COLUMNS if c in raw.columns), None)
    if "label" not in raw.columns or text_col is None:
        raise DataError(
            f"{path}: expected columns label and content (or sentence), got "
            f"{', '.join(map(str, raw.columns))}"
        )
    bad = ~raw["label"].isin(["0", "1"])
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataError(f"{path}: line {row + 2} has label {raw['label'].iloc[row]!r}; valid: 0, 1")
    return pd.DataFrame({"text": raw[text_col], "label": raw["label"].astype(int)})


def load_sst2(*, data_dir: os.PathLike[str] | str | None = None) -> pd.DataFrame:
    """The SST-2 validation split (872 labelled sentences) as ``text``, ``label``.

    Parameters
    ----------
    data_dir
        Folder laid out like ``../shared/datasets`` (reads ``sst2/dev.tsv``); defaults
        to ``$BIASPROBE_DATA``; without either, ``nyu-mll/glue`` sst2 from the Hub.
    """
    root = resolve_data_dir(data_dir)
    if root is None:
        data = load_hub(HUB_ID, "sst2", "validation")
        table = pd.DataFrame({"text": list(data["sentence"]), "label": list(data["label"])})
        source = f"{HUB_ID}/sst2/validation"
    else:
        source = str(benchmark_folder(root, "sst2") / "dev.tsv")
        table = read_sst2_tsv(source)
    check_count(len(table), SST2_DEV_ROWS, what="the SST-2 validation split", source=source)
    return table


def roc_auc(labels: Any, scores: Any) -> float:
    """ROC AUC from ranks (Mann-Whitney U / (n_pos * n_neg)); ties count one half."""
    y = np.asarray(labels).astype(bool)
    s = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return np.nan
    from scipy import stats  # here: importing scipy.stats costs ~0.5 s (readers skip it)

    ranks = stats.rankdata(s)
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else np.nan


def classification_metrics(
    labels: Any, scores: Any, *, predictions: Any = None, threshold: float = 0.5
) -> pd.DataFrame:
    """Accuracy, precision, recall, F1 and AUC of binary predictions, as one row.

    Parameters
    ----------
    labels
        True labels, 1 = positive (the model's score label).
    scores
        Model scores, P(positive); AUC uses them directly.
    predictions
        Predicted labels (0/1); by default ``scores >= threshold``.

    Examples
    --------
    >>> m = classification_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> m[["accuracy", "f1", "auc"]].round(2).to_dict("records")
    [{'accuracy': 0.5, 'f1': 0.5, 'auc': 0.75}]
    """
    y = np.asarray(labels).astype(int)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape or y.size == 0:
        raise DataError(f"labels ({y.size}) and scores ({s.size}) must be equally long, > 0")
    pred = (np.asarray(predictions) if predictions is not None else s >= threshold).astype(int)
    tp = int(((pred == 1) & (y == 1)).sum())
    precision = _ratio(tp, int((pred == 1).sum()))
    recall = _ratio(tp, int((y == 1).sum()))
    f1 = _ratio(2 * tp, int((pred == 1).sum() + (y == 1).sum()))
    row = {
        "n": int(y.size),
        "n_positive": int((y == 1).sum()),
        "accuracy": float((pred == y).mean()),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "auc": roc_auc(y, s),
        "threshold": threshold if predictions is None else np.nan,
    }
    return pd.DataFrame([row], columns=list(METRIC_COLUMNS))
