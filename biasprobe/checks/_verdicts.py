"""Verdicts for threshold checks, baselines, and the ``expect(audit)`` fluent API.

The default verdict is CI-aware: a check passes when its whole confidence interval
satisfies the limit, fails when none of it does, and is ``inconclusive`` when the
interval straddles the limit or is missing (the audit's intervals always contain their
estimates, so none needs widening). When the interval's half-width alone exceeds the
limit of a ``< t`` check, no estimate at this design could show the metric is below
``t``: the reason then says "insufficient evidence" and gives that half-width.
Inconclusive counts as a failure for an absolute limit (a pass needs evidence) and as a
warning for a baseline limit (a failure needs evidence of a regression), unless the
policy is set to ``"fail"`` or ``"warn"``. Strict mode compares the point estimate only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError, ThresholdFailure, UsageError
from biasprobe._io import read_text, write_text_atomic
from biasprobe.checks._metrics import (
    Measure,
    Sources,
    default_refs,
    measure,
    measure_json,
    validate,
)
from biasprobe.checks._thresholds import MetricRef, Threshold, parse

POLICIES = ("fail", "warn")
Listener = Callable[["CheckResult"], None]


@dataclass(frozen=True)
class Settings:
    """How checks are judged: strictness, inconclusive policy, baseline values."""

    strict: bool = False
    inconclusive: str | None = None
    baseline: Mapping[str, float] | None = None
    baseline_path: str = ""
    n_examples: int = 3

    def __post_init__(self) -> None:
        if self.inconclusive is not None and self.inconclusive not in POLICIES:
            raise UsageError(
                f"inconclusive must be one of {', '.join(POLICIES)}, got {self.inconclusive!r}"
            )

    def policy(self, check: Threshold) -> str:
        """What an inconclusive verdict does: the setting, else ``"fail"`` for an absolute
        limit (passing needs evidence) and ``"warn"`` for a baseline limit (failing needs
        evidence of a regression)."""
        if self.inconclusive is not None:
            return self.inconclusive
        return "warn" if check.baseline else "fail"

    def merged(self, **changes: Any) -> Settings:
        """A copy with the given (non-None) settings changed."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: its measure, limit, verdict and the reason."""

    check: Threshold
    measure: Measure
    limit: float
    verdict: str
    reason: str
    settings: Settings = field(default_factory=Settings)

    @property
    def passed(self) -> bool:
        """True on pass, and on inconclusive when the policy is ``"warn"``."""
        warn = self.verdict == "inconclusive" and self.settings.policy(self.check) == "warn"
        return self.verdict == "pass" or warn

    @property
    def status(self) -> str:
        return self.verdict.upper()

    def examples(self, n: int | None = None) -> pd.DataFrame:
        """The worst examples, in the direction that breaks the limit."""
        return self.measure.examples(n or self.settings.n_examples, upper=self.check.upper)

    def lines(self, *, width: int | None = None) -> list[str]:
        """The fixed-shape message: check and verdict, metric, groups, observed, limit, examples."""
        m = self.measure
        out = [
            f"{self.check}: {self.status} ({self.reason})",
            f"metric:   {m.metric}",
            f"groups:   {m.groups}",
            f"observed: {_f(m)} ({_interval(m)})",
            f"limit:    {self.check.op} {self.limit:.4g}{self._limit_note()}",
        ]
        table = self.examples()
        out.append("worst examples:" + ("" if len(table) else " none"))
        out += [_example_line(row, width) for row in table.itertuples(index=False)]
        return out

    def message(self) -> str:
        return "\n".join(self.lines())

    def _limit_note(self) -> str:
        if self.check.baseline:
            base = self.limit - self.check.limit(baseline=0.0)
            where = self.settings.baseline_path
            return f" ({self.check.limit_text()}; baseline {base:.4g} from {where})"
        return f" ({self.check.limit_text()})" if self.check.percent else ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (reports, JUnit properties)."""
        return {
            "check": str(self.check),
            "metric": str(self.check.metric),
            **measure_json(self.measure),
            "confidence": self.measure.confidence,
            "op": self.check.op,
            "limit": self.limit,
            "verdict": self.verdict,
            "passed": self.passed,
            "strict": self.settings.strict,
            "reason": self.reason,
        }


def m_pct(m: Measure) -> str:
    return f"{m.confidence * 100:g}"


def _exact(m: Measure) -> bool:
    return float(m) == m.ci_low == m.ci_high


def _interval(m: Measure) -> str:
    if _exact(m):
        return "exact: a worst case over the probes run, no sampling error"
    if not (math.isfinite(m.ci_low) and math.isfinite(m.ci_high)):
        return "no CI: too few probes per group"
    return f"{m_pct(m)}% CI {_f(m.ci_low)} to {_f(m.ci_high)}"


def _f(x: float) -> str:
    return "nan" if not math.isfinite(float(x)) else f"{float(x):.4f}"


def _example_line(row: Any, width: int | None) -> str:
    a, b = _shorten(str(row.text_a), width), _shorten(str(row.text_b), width)
    return f'  {row.score_a:.3f} "{a}" vs {row.score_b:.3f} "{b}" (diff {row.difference:+.3f})'


def _shorten(text: str, width: int | None) -> str:
    if width is None or len(text) <= width:
        return text
    head = width // 3
    return text[:head] + "..." + text[-(width - head - 3) :]


# verdicts ------------------------------------------------------------------------------
def verdict(check: Threshold, m: Measure, limit: float, *, strict: bool) -> tuple[str, str]:
    """(verdict, reason) for ``m op limit``: CI-aware unless ``strict``."""
    value, low, high = float(m), m.ci_low, m.ci_high
    if not math.isfinite(value):
        return "inconclusive", "the metric has no value"
    if strict:
        ok = check.compare(value, limit)
        return (
            ("pass", "strict: estimate within the limit")
            if ok
            else (
                "fail",
                "strict: estimate beyond the limit",
            )
        )
    if not (math.isfinite(low) and math.isfinite(high)):
        return "inconclusive", "no CI: too few probes per group"
    near, far = (high, low) if check.upper else (low, high)
    what = "the exact value" if _exact(m) else f"the whole {m_pct(m)}% CI"
    if check.compare(near, limit):
        return "pass", f"{what} is within the limit"
    if not check.compare(far, limit):
        return "fail", f"{what} is beyond the limit"
    half = (high - low) / 2
    if check.upper and half >= abs(limit):
        power = (
            f"; it finds a two-group difference of {m.mde:.3g} with 80% power"
            if math.isfinite(m.mde)
            else ""
        )
        return "inconclusive", (
            f"insufficient evidence: the {m_pct(m)}% CI is +/-{half:.4g} wide, more than the "
            f"limit {limit:.4g}; this design cannot show a value below it{power} (more "
            "wordings help)"
        )
    return "inconclusive", f"the {m_pct(m)}% CI straddles the limit"


def judge(check: Threshold, m: Measure, settings: Settings | None = None) -> CheckResult:
    """Judge one measure against one check, tell listeners, return the result."""
    settings = settings or current_settings()
    base = baseline_value(check, settings) if check.baseline else None
    limit = check.limit(baseline=base)
    outcome, reason = verdict(check, m, limit, strict=settings.strict)
    if outcome == "inconclusive":
        warn = settings.policy(check) == "warn"
        policy = "only a warning" if warn else "counted as a failure"
        reason = f"{reason}; {policy}"
    result = CheckResult(check, m, limit, outcome, reason, settings)
    _notify(result)
    return result


def evaluate(check: Threshold | str, source: Any, settings: Settings | None = None) -> CheckResult:
    """Parse (if needed), measure and judge one check against an audit or ``Sources``."""
    threshold = parse(check) if isinstance(check, str) else check
    validate(threshold.metric)
    return judge(threshold, measure(source, threshold.metric), settings)


def enforce(result: CheckResult) -> CheckResult:
    """Raise ``ThresholdFailure`` (with the worst examples) unless ``result.passed``."""
    __tracebackhide__ = True
    if not result.passed:
        raise ThresholdFailure(result.message(), failure_cases=result.examples())
    return result


# context: the pytest plugin sets per-test settings and collects every result --------------
_CONTEXT: list[tuple[Settings, Listener | None]] = []


@contextlib.contextmanager
def checking(settings: Settings, listener: Listener | None = None) -> Iterator[None]:
    """Within the block, checks use ``settings`` by default and report to ``listener``."""
    _CONTEXT.append((settings, listener))
    try:
        yield
    finally:
        _CONTEXT.remove((settings, listener))


def current_settings() -> Settings:
    return _CONTEXT[-1][0] if _CONTEXT else Settings()


def _notify(result: CheckResult) -> None:
    if _CONTEXT and _CONTEXT[-1][1] is not None:
        _CONTEXT[-1][1](result)


# baselines -------------------------------------------------------------------------------
def save_baseline(
    path: str | Path, source: Any, *, refs: list[MetricRef] | None = None
) -> dict[str, Any]:
    """Write the source's metrics (each slot's gap, flip_rate, ... plus ``refs``) as JSON.

    Parameters
    ----------
    path
        The baseline file to write (checks read it with ``baseline``/``--baseline``).
    source
        An ``AuditResult`` (or what ``expect`` accepts).
    refs
        Extra metrics to record besides the defaults.

    Returns
    -------
    dict
        What was written: metric name -> value.
    """
    src = Sources.of(source)
    wanted = {str(r): r for r in [*default_refs(src), *(refs or [])]}
    metrics = {key: measure_json(measure(src, ref)) for key, ref in wanted.items()}
    model = src.audit.metadata.get("model", {}) if src.audit is not None else {}
    doc = {
        "biasprobe_baseline": 1,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": model.get("model") if isinstance(model, dict) else None,
        "metrics": metrics,
    }
    write_text_atomic(Path(path), json.dumps(doc, indent=2) + "\n")
    return doc


def load_baseline(path: str | Path) -> dict[str, float]:
    """Metric name -> baseline value, from a file written by ``save_baseline``.

    Parameters
    ----------
    path
        The JSON file; a missing or malformed file is a ``DataError`` naming it.
    """
    file = Path(path)
    try:
        doc = json.loads(read_text(file))
    except json.JSONDecodeError as exc:
        raise DataError(f"{file}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    metrics = doc.get("metrics") if isinstance(doc, dict) else None
    if not isinstance(metrics, dict):
        raise DataError(f"{file}: not a biasprobe baseline (no 'metrics' mapping)")
    out = {}
    for key, rec in metrics.items():
        value = rec.get("value") if isinstance(rec, dict) else None
        if not isinstance(value, int | float):
            raise DataError(f"{file}: metric {key!r} has no numeric 'value'")
        out[str(key)] = float(value)
    return out


def baseline_value(check: Threshold, settings: Settings) -> float:
    if settings.baseline is None:
        raise UsageError(
            f"check '{check}' compares with a baseline; give one "
            "(--baseline FILE / --biasprobe-baseline FILE; write it with --save-baseline FILE)"
        )
    key = str(check.metric)
    if key not in settings.baseline:
        have = ", ".join(sorted(settings.baseline)) or "none"
        raise DataError(f"{settings.baseline_path}: baseline has no metric {key!r}; it has: {have}")
    return settings.baseline[key]


def baseline_settings(path: str | Path | None, settings: Settings) -> Settings:
    """``settings`` with the baseline file at ``path`` loaded (unchanged if ``path`` is None)."""
    if path is None:
        return settings
    return settings.merged(baseline=load_baseline(path), baseline_path=str(path))
