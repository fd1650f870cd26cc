"""Threshold expressions: ``gap(country) < 0.10``, ``flip_rate < 5%``, ``... <= baseline + 0.02``.

Grammar (whitespace is free between tokens)::

    check   := metric OP limit
    metric  := NAME ("." NAME)* ["(" [arg ("," arg)*] ")"]
    arg     := [NAME "="] value          value: a bare word or a '...' / "..." string
    OP      := "<" | "<=" | ">" | ">="
    limit   := NUMBER ["%"] | "baseline" [("+" | "-") NUMBER ["%"]]

``%`` always divides by 100: ``flip_rate < 5%`` is ``flip_rate < 0.05`` and
``baseline + 2%`` is the baseline plus 0.02 (absolute, not relative). Parsing is
syntactic only; ``biasprobe.checks._metrics.validate`` checks metric names and arguments.
A malformed expression raises ``UsageError`` naming the column, with a ``^`` marking it.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from biasprobe._errors import UsageError

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
_WORD = re.compile(r"[^\s,()='\"]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_OP = re.compile(r"<=|>=|<|>")
_BASELINE = re.compile(r"baseline(?![A-Za-z0-9_])")


@dataclass(frozen=True)
class MetricRef:
    """A metric name with its arguments, e.g. ``gap(country, template=film_filmed_in)``."""

    name: str
    args: tuple[str, ...] = ()
    kwargs: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not all(_NAME.fullmatch(part) for part in self.name.split(".")):
            raise UsageError(f"invalid metric name {self.name!r}; use letters, digits, _ - .")
        for value in (*self.args, *(v for _, v in self.kwargs)):
            _render_value(value)

    def kw(self, key: str, default: str | None = None) -> str | None:
        """The value of keyword argument ``key``."""
        return dict(self.kwargs).get(key, default)

    def __str__(self) -> str:
        parts = [_render_value(a) for a in self.args]
        parts += [f"{k}={_render_value(v)}" for k, v in self.kwargs]
        return f"{self.name}({', '.join(parts)})" if parts else self.name


@dataclass(frozen=True)
class Threshold:
    """A parsed check: ``metric op limit``.

    ``number`` is the number as written (``5.0`` for ``5%``); ``percent`` says it had a
    ``%``; ``baseline`` says the limit is the baseline's value plus ``number``.

    Examples
    --------
    >>> t = parse("flip_rate < 5%")
    >>> t.limit(), str(t)
    (0.05, 'flip_rate < 5%')
    >>> parse("gap(country) <= baseline + 0.02").limit(baseline=0.1)
    0.12000000000000001
    """

    metric: MetricRef
    op: str
    number: float
    percent: bool = False
    baseline: bool = False

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise UsageError(f"invalid operator {self.op!r}; valid: {', '.join(OPS)}")
        if not math.isfinite(self.number):
            raise UsageError(f"threshold limit must be a finite number, got {self.number!r}")

    @property
    def upper(self) -> bool:
        """True for ``<``/``<=`` (the metric must stay below the limit)."""
        return self.op.startswith("<")

    def limit(self, *, baseline: float | None = None) -> float:
        """The numeric limit; ``baseline`` is required when the limit is relative to one."""
        offset = self.number / 100 if self.percent else self.number
        if not self.baseline:
            return offset
        if baseline is None:
            raise UsageError(f"check '{self}' compares with a baseline, but none was given")
        return baseline + offset

    def compare(self, value: float, limit: float) -> bool:
        """``value op limit``."""
        return OPS[self.op](value, limit)

    def limit_text(self) -> str:
        number = _render_number(abs(self.number) if self.baseline else self.number)
        number += "%" if self.percent else ""
        if not self.baseline:
            return number
        if self.number == 0 and not self.percent:
            return "baseline"
        return f"baseline {'-' if math.copysign(1, self.number) < 0 else '+'} {number}"

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.limit_text()}"


def parse(text: str) -> Threshold:
    """Parse a threshold expression (syntax only); ``UsageError`` with the column on error."""
    if not isinstance(text, str):
        raise UsageError(f"a check must be a string like 'gap(country) < 0.1', got {text!r}")
    return _Parser(text).threshold()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def threshold(self) -> Threshold:
        metric = self.metric()
        op = self.expect(_OP, "an operator (<, <=, >, >=)")
        number, percent, baseline = self.limit()
        self.skip()
        if self.pos < len(self.text):
            self.fail("the end of the check")
        return Threshold(metric, op, number, percent, baseline)

    def metric(self) -> MetricRef:
        parts = [self.expect(_NAME, "a metric name such as gap(country) or flip_rate")]
        while self.text.startswith(".", self.pos):
            self.pos += 1
            parts.append(self.expect(_NAME, "a name after '.'"))
        args: list[str] = []
        kwargs: list[tuple[str, str]] = []
        if self.peek("("):
            self.pos += 1
            self.arguments(args, kwargs)
        return MetricRef(".".join(parts), tuple(args), tuple(kwargs))

    def arguments(self, args: list[str], kwargs: list[tuple[str, str]]) -> None:
        if self.peek(")"):
            self.pos += 1
            return
        while True:
            start = self.pos
            key, value = self.argument()
            if key is None:
                args.append(value)
            elif any(k == key for k, _ in kwargs):
                self.pos = start
                self.skip()
                self.fail(f"a new argument name ({key!r} is given twice)")
            else:
                kwargs.append((key, value))
            if self.peek(")"):
                self.pos += 1
                return
            if not self.peek(","):
                self.fail("',' or ')'")
            self.pos += 1

    def argument(self) -> tuple[str | None, str]:
        self.skip()
        match = _NAME.match(self.text, self.pos)
        if match:
            after = self.pos
            self.pos = match.end()
            if self.peek("="):
                self.pos += 1
                return match.group(), self.value()
            self.pos = after
        return None, self.value()

    def value(self) -> str:
        self.skip()
        quote = self.text[self.pos : self.pos + 1]
        if quote in ("'", '"'):
            end = self.text.find(quote, self.pos + 1)
            if end < 0:
                self.fail(f"a closing {quote}")
            value, self.pos = self.text[self.pos + 1 : end], end + 1
            return value
        return self.expect(_WORD, "an argument (a name, or a quoted string)")

    def limit(self) -> tuple[float, bool, bool]:
        self.skip()
        match = _BASELINE.match(self.text, self.pos)
        if not match:
            number, percent = self.number()
            return number, percent, False
        self.pos = match.end()
        if not (self.peek("+") or self.peek("-")):
            return 0.0, False, True
        sign = -1.0 if self.text[self.pos] == "-" else 1.0
        self.pos += 1
        self.skip()
        if self.text[self.pos : self.pos + 1] in ("+", "-"):
            self.fail("a number without a sign after 'baseline +' or 'baseline -'")
        number, percent = self.number()
        return sign * number, percent, True

    def number(self) -> tuple[float, bool]:
        start = self.pos
        value = float(self.expect(_NUMBER, "a number (0.1, 5%) or 'baseline'"))
        if not math.isfinite(value):
            self.pos = start
            self.fail("a finite number")
        percent = self.peek("%")
        if percent:
            self.pos += 1
        return value, percent

    # tokens ------------------------------------------------------------------------
    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, char: str) -> bool:
        self.skip()
        return self.text.startswith(char, self.pos)

    def expect(self, pattern: re.Pattern[str], what: str) -> str:
        self.skip()
        match = pattern.match(self.text, self.pos)
        if not match:
            self.fail(what)
        self.pos = match.end()
        return match.group()

    def fail(self, what: str) -> NoReturn:
        raise UsageError(parse_error(self.text, self.pos, what))


def parse_error(text: str, pos: int, what: str) -> str:
    """One line: the expected token, the column, and the check with ``^`` at the column."""
    found = "the end" if pos >= len(text) else repr(text[pos])
    hint = _visible(text[:pos]) + "^" + _visible(text[pos:])
    return f"cannot parse check '{hint}': expected {what} at column {pos + 1}, found {found}"


def _visible(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _render_value(value: str) -> str:
    if _WORD.fullmatch(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise UsageError(f"argument {value!r} cannot hold both kinds of quote")


def _render_number(value: float) -> str:
    text = f"{value:.15g}"
    return text if float(text) == value else repr(value)
