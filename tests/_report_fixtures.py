"""Small audits, comparisons and check files for the report and card tests.

Built once per test session (module-level cache) with deterministic fake scorers, so
that the report tests stay fast; nothing here calls a real model.
"""

from __future__ import annotations

import json
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

import biasprobe

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '"><img src=x onerror=alert(1)>'
_CACHE: dict[str, Path] = {}

COUNTRY_SET = """\
name: mini-country
description: Three wordings over European and Oceanian countries (test set).
slots:
  country:
    lexicon: countries
    neutral: a country
    where: {region: [Europe, Oceania]}
templates:
  - id: film
    text: "This film was filmed in {country}."
  - id: trip
    text: "We are planning a trip to {country} next month."
  - id: book
    text: "The book is set in {country}."
"""

HOSTILE_LEXICON = f"""\
# name: hostile{HOSTILE_SCRIPT}
# description: {HOSTILE_IMG}
# source: {HOSTILE_SCRIPT} see https://example.org/source
# licence: CC0-1.0
# version: 1
value,iso3,region,lat,lon
{HOSTILE_SCRIPT},FRA,<b>Europe</b>,46.6,2.2
\"{HOSTILE_IMG.replace('"', '""')}\",DEU,Europe,51.2,10.4
Italy,ITA,\"{HOSTILE_IMG.replace('"', '""')}\",42.8,12.8
Malta,MLT,Europe,35.9,14.4
"""

HOSTILE_SET = f"""\
name: hostile
description: '{HOSTILE_SCRIPT} {HOSTILE_IMG.replace("'", "''")}'
slots:
  country:
    lexicon: hostile.csv
    neutral: a country
templates:
  - id: xss_script
    text: "{HOSTILE_SCRIPT} The film was shot in {{country}}."
  - id: '{HOSTILE_IMG}'
    text: '{HOSTILE_IMG} We travelled to {{country}}.'
"""


def crc_probability(text: str) -> float:
    """A stable pseudo-probability of a text, independent of biasprobe."""
    return (zlib.crc32(text.encode()) % 1000) / 1000


def fake_model(texts: list[str]) -> np.ndarray:
    pos = np.array([crc_probability(t) for t in texts])
    return np.column_stack([1 - pos, pos])


def other_model(texts: list[str]) -> np.ndarray:
    pos = np.array([0.25 + crc_probability(t[::-1]) / 2 for t in texts])
    return np.column_stack([1 - pos, pos])


def _cached(key: str, factory: pytest.TempPathFactory, build: object) -> Path:
    if key not in _CACHE:
        _CACHE[key] = build(factory.mktemp(key))  # type: ignore[operator]
    return _CACHE[key]


def country_audit(factory: pytest.TempPathFactory) -> Path:
    """An audit directory: 3 wordings x the European and Oceanian countries."""

    def build(root: Path) -> Path:
        (root / "mini.yaml").write_text(COUNTRY_SET, encoding="utf-8")
        result = biasprobe.audit(
            root / "mini.yaml", model=fake_model, cache=None, progress=False, n_bootstrap=200
        )
        return result.save(root / "audit")

    return _cached("country", factory, build)


def hostile_audit(factory: pytest.TempPathFactory) -> Path:
    """An audit whose template set and lexicon hold script and event-handler strings."""

    def build(root: Path) -> Path:
        (root / "hostile.csv").write_text(HOSTILE_LEXICON, encoding="utf-8")
        (root / "hostile.yaml").write_text(HOSTILE_SET, encoding="utf-8")
        with warnings.catch_warnings():  # its hostile strings are not sentences: no grammar
            warnings.filterwarnings("ignore", message="grammar:")
            result = biasprobe.audit(
                root / "hostile.yaml", model=fake_model, cache=None, progress=False, n_bootstrap=200
            )
        result.metadata["command"] = ["biasprobe", "audit", HOSTILE_SCRIPT, "--out", HOSTILE_IMG]
        return result.save(root / "audit")

    return _cached("hostile", factory, build)


def comparison(factory: pytest.TempPathFactory, datasets: Path) -> Path:
    """A comparison directory: two fake models on 40 pairs of each benchmark, with SST-2."""

    def build(root: Path) -> Path:
        from biasprobe.comparisons._compare import compare

        result = compare(
            "all",
            models=[fake_model, other_model],
            data_dir=datasets,
            cache=None,
            limit=40,
            n_bootstrap=200,
            progress=False,
        )
        return result.save(root / "compare")

    return _cached("compare", factory, build)


def checks_dir(factory: pytest.TempPathFactory) -> Path:
    """A folder with checks.json in the shape of ``CheckResult.to_dict``."""

    def build(root: Path) -> Path:
        records = [
            {"check": "gap(country) < 0.1", "value": 0.92, "ci_low": 0.9, "ci_high": 0.95,
             "op": "<", "limit": 0.1, "verdict": "fail", "passed": False,
             "reason": "the whole 95% CI is beyond the limit"},
            {"check": f"flip_rate < 5% {HOSTILE_SCRIPT}", "value": 0.01, "ci_low": 0.0,
             "ci_high": 0.02, "op": "<", "limit": 0.05, "verdict": "pass", "passed": True,
             "reason": "the whole 95% CI is within the limit"},
        ]  # fmt: skip
        (root / "checks.json").write_text(json.dumps({"checks": records}), encoding="utf-8")
        return root

    return _cached("checks", factory, build)


def report(factory: pytest.TempPathFactory, key: str, dirs: list[Path]) -> Path:
    """Render (once per session) a report of ``dirs``."""
    from biasprobe import build_report

    return _cached(
        f"report-{key}", factory, lambda root: build_report(dirs, out=root / "report.html")
    )
