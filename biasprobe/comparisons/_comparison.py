"""``ComparisonResult`` and ``load_comparison``: the one owner of a comparison folder.

A comparison folder (``biasprobe compare --out DIR``) holds ``compare.json``,
``summary.csv``, ``utility.csv``, ``pairs.parquet`` and ``comparison.png``. ``save`` writes
it and ``load_comparison`` reads it back; checks, the report and the card read comparison
folders only through ``load_comparison``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from biasprobe._errors import DataError
from biasprobe._io import write_atomic, write_text_atomic
from biasprobe.comparisons._findings import finding
from biasprobe.comparisons._sst2 import METRIC_COLUMNS
from biasprobe.stats._paired import paired_stats

COMPARE_FILE = "compare.json"
SUMMARY_REQUIRED = ("benchmark", "breakdown", "group")
PAIR_REQUIRED = ("model", "benchmark", "score_a", "score_b")
LABEL_COLUMNS = ("label_a", "label_b")
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "winobias": ("split", "wb_type", "pronoun_gender", "occupation"),
    "stereoset": ("kind", "domain", "target"),
    "crows-pairs": ("bias_type", "stereo_antistereo"),
}
OWN_BREAKDOWNS = ("pair_group",)  # your own pair sets (``compare --pairs``)
TEXT_MODE_NOTE = (
    "StereoSet intersentence pairs are scored as one text: context + ' ' + candidate "
    "(text_mode 'concatenated'); intrasentence pairs are single sentences."
)


def summarise(
    pairs: pd.DataFrame, *, seed: int, n_bootstrap: int, confidence: float
) -> pd.DataFrame:
    """Paired statistics per model, benchmark and breakdown (BH across each one's breakdowns)."""
    tables = []
    for (model, bench), part in pairs.groupby(["model", "benchmark"], sort=False):
        table = paired_stats(
            part,
            by=BREAKDOWNS.get(str(bench), OWN_BREAKDOWNS),
            labels=("label_a", "label_b"),
            seed=seed,
            n_bootstrap=n_bootstrap,
            confidence=confidence,
        )
        table.insert(0, "model", str(model))
        table["finding"] = [
            finding(r, group_pairs(part, str(r.breakdown), r.group), benchmark=str(bench))
            for r in table.itertuples()
        ]
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def group_pairs(pairs: pd.DataFrame, breakdown: str, group: Any) -> pd.DataFrame:
    """The pairs of one summary row (``overall``: all of them)."""
    if breakdown == "overall" or breakdown not in pairs.columns:
        return pairs
    return pairs[pairs[breakdown].astype(str) == str(group)]


class ComparisonResult:
    """Scored benchmark pairs for several models, with summary and utility tables.

    Attributes
    ----------
    pairs
        One row per pair and model: the pair table plus ``model``, ``score_a``,
        ``score_b``, ``label_a``, ``label_b`` and ``p_<LABEL>_a`` / ``p_<LABEL>_b``.
    metadata
        Models (with fingerprints), benchmarks, seed, package versions, text-mode note.
    """

    def __init__(
        self,
        *,
        pairs: pd.DataFrame,
        utility: pd.DataFrame,
        metadata: dict[str, Any],
        summary: pd.DataFrame | None = None,
    ) -> None:
        needed = PAIR_REQUIRED if summary is not None else (*PAIR_REQUIRED, *LABEL_COLUMNS)
        for col in needed:
            if col not in pairs.columns:
                raise DataError(f"scored pair table lacks column {col!r}")
        self.pairs = pairs
        self.metadata = dict(metadata)
        self._utility = utility[["model", "dataset", *METRIC_COLUMNS]].reset_index(drop=True)
        if summary is None:
            summary = summarise(
                pairs,
                seed=int(self.metadata.get("seed", 0)),
                n_bootstrap=int(self.metadata.get("n_bootstrap", 2000)),
                confidence=float(self.metadata.get("confidence", 0.95)),
            )
        self._summary = summary

    @property
    def confidence(self) -> float:
        """The CI level of the summary's intervals."""
        value = self.metadata.get("confidence", 0.95)
        return float(value) if isinstance(value, int | float) else 0.95

    def summary(self) -> pd.DataFrame:
        """One row per (model, benchmark, breakdown, group): ``STAT_COLUMNS`` + finding."""
        return self._summary.copy()

    def overall(self) -> pd.DataFrame:
        """The ``overall`` rows of ``summary()``: one per model and benchmark."""
        rows = self._summary[self._summary["breakdown"] == "overall"]
        return rows.reset_index(drop=True)

    def utility(self) -> pd.DataFrame:
        """Task quality per model on SST-2 dev (empty when ``utility=False``)."""
        return self._utility.copy()

    def plot(self, path: str | Path | None = None) -> Any:
        """Forest plot of mean differences with CIs; saved as PNG when ``path`` is given."""
        from biasprobe.comparisons._forest_plot import forest_plot

        names = self._summary["benchmark"].astype(str).unique()
        fig = forest_plot(
            self._summary, breakdowns={b: BREAKDOWNS.get(b, OWN_BREAKDOWNS) for b in names}
        )
        if path is not None:
            write_atomic(Path(path), lambda p: fig.savefig(p, format="png", dpi=120))
        return fig

    def save(self, out_dir: str | Path) -> Path:
        """Write pairs.parquet, summary.csv, utility.csv, effects.csv, comparison.png and
        compare.json."""
        import matplotlib.pyplot as plt

        out = Path(out_dir)
        write_atomic(out / "pairs.parquet", lambda p: self.pairs.to_parquet(p, index=False))
        write_atomic(out / "summary.csv", lambda p: self._summary.to_csv(p, index=False))
        write_atomic(out / "utility.csv", lambda p: self._utility.to_csv(p, index=False))
        write_text_atomic(out / "effects.csv", self.classifier_effects().to_csv(index=False))
        plt.close(self.plot(out / "comparison.png"))
        text = json.dumps(self.metadata, indent=2, default=str) + "\n"
        write_text_atomic(out / "compare.json", text)
        return out

    def classifier_effects(self) -> pd.DataFrame:
        """What each benchmark measures for a classifier: WinoBias pronoun (she - he) and
        stereotype consistency, StereoSet attribute-word shift, CrowS-Pairs disadvantaged -
        advantaged mention (``biasprobe.comparisons._framing``); one block per model."""
        from biasprobe.comparisons._framing import COLUMNS, classifier_effects

        frames = [
            classifier_effects(part).assign(model=str(model))
            for model, part in self.pairs.groupby("model", sort=False)
        ]
        columns = ["model", *COLUMNS]
        return (
            pd.concat(frames, ignore_index=True)[columns]
            if frames
            else pd.DataFrame(columns=columns)
        )

    def report_lines(self) -> list[str]:
        """Plain-text lines: each model x benchmark's overall result, then utility."""
        lines = []
        for _, r in self.overall().iterrows():
            lines.append(
                f"{r['model']} | {r['benchmark']}: n={r['n']}, mean diff {r['mean_diff']:+.4f} "
                f"[{r['diff_ci_low']:+.4f}, {r['diff_ci_high']:+.4f}], text_a higher in "
                f"{r['share_a_higher']:.1%} [{r['share_ci_low']:.1%}, {r['share_ci_high']:.1%}]"
                f", flips {r['flip_rate']:.1%}, p={r['p_value']:.2g} -> {r['finding']}"
            )
        for _, u in self._utility.iterrows():
            lines.append(
                f"{u['model']} | {u['dataset']}: accuracy {u['accuracy']:.4f}, "
                f"F1 {u['f1']:.4f}, AUC {u['auc']:.4f}"
            )
        return lines

    def __repr__(self) -> str:
        return "ComparisonResult(\n  " + "\n  ".join(self.report_lines()) + "\n)"

    def _repr_html_(self) -> str:
        cols = [
            "model",
            "benchmark",
            "n",
            "mean_diff",
            "diff_ci_low",
            "diff_ci_high",
            "share_a_higher",
            "flip_rate",
            "p_adjusted",
            "finding",
        ]
        return (
            f"<div><strong>biasprobe comparison</strong>"
            f"<p>{html.escape(TEXT_MODE_NOTE)}</p>{_html(self.overall()[cols])}"
            f"{_html(self._utility)}</div>"
        )


def _html(table: pd.DataFrame) -> str:
    return table.to_html(index=False, float_format=lambda x: f"{x:.4f}")


def load_comparison(path: str | Path) -> ComparisonResult:
    """Read a comparison folder written by ``biasprobe compare --out`` (or ``save``).

    The summary is read as written (not recomputed), so every reader shows the numbers of
    the run. ``pairs.parquet`` and ``utility.csv`` may be absent (hand-made folders); the
    result then has an empty pair table / utility table.

    Examples
    --------
    >>> result = load_comparison("reports/compare")
    >>> sorted(result.overall()["benchmark"])
    ['crows-pairs', 'stereoset', 'winobias']
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a directory; give a 'biasprobe compare --out' folder")
    meta = _read_json(folder / COMPARE_FILE) if (folder / COMPARE_FILE).is_file() else {}
    summary = _read_csv(folder / "summary.csv", SUMMARY_REQUIRED)
    if "model" not in summary.columns:
        summary.insert(0, "model", "model")
    utility_file = folder / "utility.csv"
    utility = (
        _read_csv(utility_file, ("model", "dataset"))
        if utility_file.is_file()
        else pd.DataFrame(columns=["model", "dataset", *METRIC_COLUMNS])
    )
    for col in METRIC_COLUMNS:
        if col not in utility.columns:
            utility[col] = np.nan
    return ComparisonResult(
        pairs=_read_pairs(folder), utility=utility, metadata=meta, summary=summary
    )


def _read_pairs(folder: Path) -> pd.DataFrame:
    file = folder / "pairs.parquet"
    if not file.is_file():
        return pd.DataFrame(columns=[*PAIR_REQUIRED, "text_a", "text_b"])
    try:
        pairs = pd.read_parquet(file)
    except (OSError, ValueError) as exc:
        raise DataError(f"{file}: cannot read ({type(exc).__name__}: {exc})") from None
    if "model" not in pairs.columns:
        pairs.insert(0, "model", "model")
    missing = [c for c in PAIR_REQUIRED if c not in pairs.columns]
    if missing:
        raise DataError(f"{file}: lacks column {missing[0]!r}; is it a biasprobe pair table?")
    return pairs


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: not found; is {path.parent} a 'biasprobe compare' folder?")
    try:
        frame = pd.read_csv(path, keep_default_na=True, dtype={"breakdown": str, "group": str})
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns))
        raise DataError(f"{path}: lacks column {missing[0]!r}; columns: {have}")
    return frame


__all__ = ["BREAKDOWNS", "ComparisonResult", "load_comparison", "summarise"]
