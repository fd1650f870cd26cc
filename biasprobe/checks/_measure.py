"""A metric value with its CI, the groups it compares and its worst examples."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Self

import pandas as pd

from biasprobe.audits._result import Estimate
from biasprobe.checks._thresholds import MetricRef

EXAMPLE_COLUMNS = ("text_a", "score_a", "text_b", "score_b", "difference")
Examples = Callable[[int, bool], pd.DataFrame]


class Measure(Estimate):
    """A metric value with its CI, the groups it compares and a way to list worst examples."""

    groups: str
    confidence: float
    metric: MetricRef
    _examples: Examples
    mde: float = math.nan  # the design's minimum detectable two-group difference, if known

    @classmethod
    def make(
        cls,
        metric: MetricRef,
        value: float,
        ci: tuple[float, float],
        *,
        groups: str,
        confidence: float,
        examples: Examples,
        mde: float = math.nan,
    ) -> Self:
        obj = cls(float(value), ci_low=float(ci[0]), ci_high=float(ci[1]), label=str(metric))
        obj.metric, obj.groups, obj.confidence, obj._examples = metric, groups, confidence, examples
        obj.mde = float(mde)
        return obj

    def examples(self, n: int = 3, *, upper: bool = True) -> pd.DataFrame:
        """The ``n`` worst examples (columns ``EXAMPLE_COLUMNS``); ``upper``: high is bad."""
        table = self._examples(n, upper)
        return table.loc[:, list(EXAMPLE_COLUMNS)].head(n).reset_index(drop=True)


def measure_json(m: Measure) -> dict[str, Any]:
    """A JSON-ready record of a measure (baselines, reports)."""
    return {
        "value": _num(float(m)),
        "ci_low": _num(m.ci_low),
        "ci_high": _num(m.ci_high),
        "groups": m.groups,
    }


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)
