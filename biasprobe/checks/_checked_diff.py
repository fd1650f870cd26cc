"""``CheckedDiff``: a diff of two models whose metrics compare as CI-aware checks.

What the pytest fixture ``biasprobe_diff`` returns: ``assert biasprobe_diff.gap("country")
< 0.02`` runs the check ``diff.gap(country) < 0.02`` with the session's settings.
"""

from __future__ import annotations

from typing import Any

from biasprobe.checks._expect import Checked
from biasprobe.checks._metrics import Sources, measure
from biasprobe.checks._thresholds import MetricRef
from biasprobe.checks._verdicts import CheckResult, enforce, evaluate
from biasprobe.diffs._diff import DiffResult


class CheckedDiff:
    """A ``DiffResult`` whose ``gap``/``group``/``contrast`` compare as CI-aware checks.

    Every ``DiffResult`` accessor (``by_group``, ``gaps``, ``moved``, ...) works as usual.

    Examples
    --------
    >>> import biasprobe
    >>> flat = lambda texts: [[0.5, 0.5]] * len(texts)
    >>> a = biasprobe.audit("religion", model=flat, cache=None, progress=False)
    >>> diff = CheckedDiff(biasprobe.diff_audits(a, a))
    >>> diff.gap("religion") < 0.02, diff.group("religion", "Jain") > -0.05
    (True, True)
    """

    def __init__(self, diff: DiffResult) -> None:
        self.diff = diff
        self.sources = Sources.of(diff)

    def metric(self, ref: str | MetricRef) -> Checked:
        """Any diff metric by name, e.g. ``"diff.max_move(country)"``."""
        return Checked.of(measure(self.sources, ref))

    def gap(self, slot: str) -> Checked:
        """``diff.gap(slot)``: the change of the slot's gap, B minus A."""
        return self.metric(MetricRef("diff.gap", (slot,)))

    def group(self, slot: str, value: str) -> Checked:
        """``diff.group(slot=value)``: the change of one group's mean score."""
        return self.metric(MetricRef("diff.group", (), ((slot, value),)))

    def contrast(self, slot: str, value: str) -> Checked:
        """``diff.contrast(slot=value)``: the change of the group minus the others."""
        return self.metric(MetricRef("diff.contrast", (), ((slot, value),)))

    def check(self, expression: str) -> CheckResult:
        """Run one threshold expression; raise ``ThresholdFailure`` when it fails."""
        __tracebackhide__ = True
        return enforce(evaluate(expression, self.sources))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.diff, name)

    def __repr__(self) -> str:
        a, b = self.diff.names
        return f"<CheckedDiff {b} minus {a}: {self.diff.verdict}>"
