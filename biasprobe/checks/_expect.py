"""Checks as user code writes them: ``expect(audit).max_gap(...)`` and CI-aware measures.

``CheckedAudit`` (what the pytest fixture ``biasprobe_audit`` returns) hands out
``Checked`` measures: comparing one with a number (``audit.gap("country") < 0.1``)
runs a check with the current settings, so a plain ``assert`` gets the CI-aware verdict.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from biasprobe.audits._result import AuditResult, Estimate
from biasprobe.checks._metrics import Measure, Sources, measure
from biasprobe.checks._thresholds import MetricRef, Threshold
from biasprobe.checks._verdicts import (
    CheckResult,
    Settings,
    baseline_settings,
    current_settings,
    enforce,
    evaluate,
    judge,
)


class Checked(Measure):
    """A measure whose comparisons with a number are bias checks (CI-aware by default).

    ``m < 0.1`` is True when the check passes under the current settings: with an
    inconclusive verdict, neither ``m < 0.1`` nor ``m >= 0.1`` may hold. Comparisons
    with other estimates are plain float comparisons.
    """

    results: dict[tuple[str, float], CheckResult]

    @classmethod
    def of(cls, m: Measure) -> Checked:
        ci = (m.ci_low, m.ci_high)
        obj = cls.make(
            m.metric, float(m), ci, groups=m.groups, confidence=m.confidence, examples=m._examples
        )
        obj.results = {}
        return obj

    def _check(self, op: str, other: object) -> bool | None:
        if isinstance(other, Estimate) or not isinstance(other, int | float):
            return None
        if isinstance(other, bool) or not math.isfinite(other):
            return None
        result = judge(Threshold(self.metric, op, float(other)), self)
        self.results[(op, float(other))] = result
        return result.passed

    def __lt__(self, other: Any) -> bool:
        ok = self._check("<", other)
        return float.__lt__(self, other) if ok is None else ok

    def __le__(self, other: Any) -> bool:
        ok = self._check("<=", other)
        return float.__le__(self, other) if ok is None else ok

    def __gt__(self, other: Any) -> bool:
        ok = self._check(">", other)
        return float.__gt__(self, other) if ok is None else ok

    def __ge__(self, other: Any) -> bool:
        ok = self._check(">=", other)
        return float.__ge__(self, other) if ok is None else ok


class CheckedAudit:
    """An ``AuditResult`` whose metrics compare as CI-aware checks.

    Every ``AuditResult`` accessor (``by_group``, ``gaps``, ``probes``, ...) works as usual.

    Examples
    --------
    >>> import biasprobe
    >>> audit = CheckedAudit(biasprobe.audit("country", model=lambda t: [[0.5, 0.5]] * len(t),
    ...                                      cache=None, progress=False, n_bootstrap=50))
    >>> audit.gap("country") < 0.1
    True
    """

    def __init__(self, audit: AuditResult) -> None:
        self.audit = audit
        self.sources = Sources.of(audit)

    def metric(self, ref: str | MetricRef) -> Checked:
        """Any metric by name, e.g. ``"max_pair_delta(country)"``."""
        return Checked.of(measure(self.sources, ref))

    def gap(self, slot: str, *, template_id: str = "all") -> Checked:
        kwargs = () if template_id == "all" else (("template", template_id),)
        return self.metric(MetricRef("gap", (slot,), kwargs))

    def flip_rate(self, slot: str | None = None) -> Checked:
        return self.metric(MetricRef("flip_rate", (slot,) if slot else ()))

    def max_pair_delta(self, slot: str | None = None) -> Checked:
        return self.metric(MetricRef("max_pair_delta", (slot,) if slot else ()))

    def delta(self, slot: str, value: str) -> Checked:
        return self.metric(MetricRef("delta", (), ((slot, value),)))

    def check(self, expression: str) -> CheckResult:
        """Run one threshold expression; raise ``ThresholdFailure`` when it fails."""
        __tracebackhide__ = True
        return enforce(evaluate(expression, self.sources))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.audit, name)

    def __repr__(self) -> str:
        model = self.audit.metadata.get("model", {})
        name = model.get("model", "?") if isinstance(model, dict) else "?"
        n = int((~self.audit.probes["is_baseline"]).sum())
        return f"<CheckedAudit of {name}: {n} probes, slots {', '.join(self.audit.slots)}>"


class Expectation:
    """Chained checks on one audit; each raises ``ThresholdFailure`` when it fails."""

    def __init__(self, source: Any, settings: Settings) -> None:
        self.sources = Sources.of(source)
        self.settings = settings
        self.results: list[CheckResult] = []

    def check(self, expression: str | Threshold) -> Expectation:
        """Any threshold expression, e.g. ``"gap(country) <= baseline + 0.02"``."""
        __tracebackhide__ = True
        self.results.append(enforce(evaluate(expression, self.sources, self.settings)))
        return self

    def max_gap(self, slot: str, limit: float | str, *, template: str | None = None) -> Expectation:
        """``gap(slot) <= limit`` (``limit``: a number, ``"5%"`` or ``"baseline + 0.02"``)."""
        __tracebackhide__ = True
        kwargs = (("template", template),) if template else ()
        return self._at_most(MetricRef("gap", (slot,), kwargs), limit)

    def max_flip_rate(self, limit: float | str, *, slot: str | None = None) -> Expectation:
        """``flip_rate <= limit``."""
        __tracebackhide__ = True
        return self._at_most(MetricRef("flip_rate", (slot,) if slot else ()), limit)

    def max_pair_delta(self, limit: float | str, *, slot: str | None = None) -> Expectation:
        """``max_pair_delta <= limit``."""
        __tracebackhide__ = True
        return self._at_most(MetricRef("max_pair_delta", (slot,) if slot else ()), limit)

    def _at_most(self, ref: MetricRef, limit: float | str) -> Expectation:
        __tracebackhide__ = True
        if isinstance(limit, str):
            return self.check(f"{ref} <= {limit}")
        return self.check(Threshold(ref, "<=", float(limit)))


def expect(
    source: Any,
    *,
    strict: bool | None = None,
    inconclusive: str | None = None,
    baseline: str | Path | None = None,
) -> Expectation:
    """Fluent bias checks on an audit (``AuditResult``, ``CheckedAudit`` or ``Sources``).

    Settings not given come from the current context (the pytest plugin's options and
    ``@pytest.mark.biasprobe``), else CI-aware with inconclusive counted as a failure.

    Examples
    --------
    >>> import biasprobe
    >>> audit = biasprobe.audit("country", model=lambda t: [[0.5, 0.5]] * len(t),
    ...                         cache=None, progress=False, n_bootstrap=50)
    >>> biasprobe.expect(audit).max_gap("country", 0.10).max_flip_rate("5%").results[0].verdict
    'pass'
    """
    settings = current_settings().merged(strict=strict, inconclusive=inconclusive)
    settings = baseline_settings(baseline, settings)
    return Expectation(source, settings)
