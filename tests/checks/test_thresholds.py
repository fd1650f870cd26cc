"""Threshold expressions: parsing, canonical form, limits, and one-line usage errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biasprobe._errors import UsageError
from biasprobe.checks._thresholds import MetricRef, Threshold, parse

COUNTRY = MetricRef("gap", ("country",))
FILM = MetricRef("gap", ("country",), (("template", "film"),))
AFGHANISTAN = MetricRef("delta", (), (("country", "Afghanistan"),))
USA = MetricRef("delta", (), (("country", "United States"),))


@pytest.mark.parametrize(
    ("text", "metric", "op", "limit"),
    [
        ("gap(country) < 0.10", COUNTRY, "<", 0.10),
        ("flip_rate < 5%", MetricRef("flip_rate"), "<", 0.05),
        ("max_pair_delta < 0.25", MetricRef("max_pair_delta"), "<", 0.25),
        ("stereoset.stereotype_share < 0.60", MetricRef("stereoset.stereotype_share"), "<", 0.6),
        ("crows-pairs.flip_rate<=.5", MetricRef("crows-pairs.flip_rate"), "<=", 0.5),
        ("delta(country=Afghanistan) > -0.2", AFGHANISTAN, ">", -0.2),
        ("  gap( country ,template = film ) >= 1e-3 ", FILM, ">=", 0.001),
        ("delta(country='United States') > -20%", USA, ">", -0.2),
    ],
)
def test_parse_examples(text: str, metric: MetricRef, op: str, limit: float) -> None:
    t = parse(text)
    assert (t.metric, t.op, t.baseline) == (metric, op, False)
    assert t.limit() == pytest.approx(limit, abs=1e-15)


def test_baseline_limits() -> None:
    plus = parse("gap(country) <= baseline + 0.02")
    minus = parse("gap(country) <= baseline-2%")
    bare = parse("gap(country) <= baseline")
    assert (plus.baseline, minus.baseline, bare.baseline) == (True, True, True)
    assert plus.limit(baseline=0.10) == pytest.approx(0.12)
    assert minus.limit(baseline=0.10) == pytest.approx(0.08)
    assert bare.limit(baseline=0.10) == 0.10
    assert str(minus) == "gap(country) <= baseline - 2%"
    with pytest.raises(UsageError, match="compares with a baseline"):
        plus.limit()


def test_canonical_form() -> None:
    assert str(parse("gap( country )<0.10")) == "gap(country) < 0.1"
    assert str(parse("x( 'b c' , k=\"it's\") > 1")) == "x('b c', k=\"it's\") > 1"


@pytest.mark.parametrize(
    ("text", "column", "expected"),
    [
        ("gap(country) < abc", 16, "a number"),
        ("gap(country < 0.1", 13, "',' or ')'"),
        ("gap(country) 0.1", 14, "an operator"),
        ("gap(country) == 0.1", 14, "an operator"),
        ("gap(country) < 0.1 extra", 20, "the end of the check"),
        ("< 0.1", 1, "a metric name"),
        ("", 1, "a metric name"),
        ("flip_rate < 1e999", 13, "a finite number"),
        ("gap(a=1, a=2) < 1", 10, "'a' is given twice"),
        ("gap('x) < 1", 5, "a closing '"),
        ("gap(c) < baseline + -1", 21, "a number without a sign"),
        ("gap(c) <\n 0.1 z", 15, "the end of the check"),
    ],
)
def test_parse_errors_name_the_column(text: str, column: int, expected: str) -> None:
    with pytest.raises(UsageError) as info:
        parse(text)
    message = str(info.value)
    assert "\n" not in message
    assert f"at column {column}," in message
    assert expected in message
    cut = column - 1
    hint = text[:cut].replace("\n", "\\n") + "^" + text[cut:].replace("\n", "\\n")
    assert message.startswith(f"cannot parse check '{hint}': expected ")


def test_caret_marks_the_bad_token() -> None:
    with pytest.raises(UsageError, match=r"'gap\(country\) < \^abc'"):
        parse("gap(country) < abc")


def test_not_a_string() -> None:
    with pytest.raises(UsageError, match="must be a string"):
        parse(0.1)  # type: ignore[arg-type]


def test_threshold_validates_fields() -> None:
    with pytest.raises(UsageError, match="invalid operator"):
        Threshold(MetricRef("gap", ("x",)), "==", 0.1)
    with pytest.raises(UsageError, match="finite"):
        Threshold(MetricRef("gap", ("x",)), "<", math.nan)
    with pytest.raises(UsageError, match="invalid metric name"):
        MetricRef("gap here")
    with pytest.raises(UsageError, match="both kinds of quote"):
        MetricRef("gap", ("a'b\"c",))


# property tests ----------------------------------------------------------------------
PIECES = st.sampled_from(
    ["gap", "flip_rate", "(", ")", ",", "=", "<", "<=", ">", ">=", "%", ".", "-", "+", " ",
     "baseline", "0.1", "5", "1e-3", "country", "'", '"', "\n", "\x00", "é", "1e999", "nan"]
)  # fmt: skip
SOUPS = st.one_of(st.text(max_size=40), st.lists(PIECES, max_size=14).map("".join))


@settings(max_examples=400, deadline=None)
@given(SOUPS)
def test_parse_raises_only_usage_errors(text: str) -> None:
    try:
        threshold = parse(text)
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    assert parse(str(threshold)) == threshold


NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}(-[a-z0-9]{1,3})?", fullmatch=True)
VALUES = st.one_of(NAMES, st.text(max_size=12).filter(lambda v: not ("'" in v and '"' in v)))
REFS = st.builds(
    MetricRef,
    name=st.lists(NAMES, min_size=1, max_size=2).map(".".join),
    args=st.lists(VALUES, max_size=2).map(tuple),
    kwargs=st.dictionaries(NAMES, VALUES, max_size=2).map(lambda d: tuple(d.items())),
)
NUMBERS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
THRESHOLDS = st.builds(
    Threshold,
    metric=REFS,
    op=st.sampled_from(["<", "<=", ">", ">="]),
    number=NUMBERS,
    percent=st.booleans(),
    baseline=st.booleans(),
)


@pytest.mark.slow  # 300 hypothesis examples
@settings(max_examples=300, deadline=None)
@given(THRESHOLDS)
def test_str_round_trips(threshold: Threshold) -> None:
    again = parse(str(threshold))
    assert again == threshold
    assert str(again) == str(threshold)
    assert again.limit(baseline=0.5) == threshold.limit(baseline=0.5)


@settings(max_examples=200, deadline=None)
@given(NUMBERS, st.booleans())
def test_percent_divides_by_100(number: float, percent: bool) -> None:
    t = Threshold(MetricRef("flip_rate"), "<", number, percent=percent)
    expected = number / 100 if percent else number
    assert parse(str(t)).limit() == expected
