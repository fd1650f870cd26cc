"""load_audit reads the statistics a saved audit holds instead of recomputing them.

The expected tables come from a fresh computation (``AuditResult`` on the same probes):
what load_audit reads must equal them exactly, dtypes included.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pandas as pd
import pytest

import biasprobe
from biasprobe import AuditResult, load_audit
from biasprobe.audits._stored import STORED_KEY


def fake_model(texts: list[str]) -> list[list[float]]:
    """A stand-in scorer: a stable pseudo-probability per text."""
    pos = [(zlib.crc32(t.encode()) % 1000) / 1000 for t in texts]
    return [[1 - p, p] for p in pos]


SAVED: dict[str, Path] = {}
AFRICA = """\
name: mini-africa
description: Three wordings over the African countries (Namibia's iso2 is "NA").
slots:
  country:
    lexicon: countries
    neutral: a country
    where: {region: [Africa]}
templates:
  - id: film
    text: "This film was shot in {country}."
  - id: trip
    text: "We are planning a trip to {country}."
  - id: book
    text: "The book is set in {country}."
"""


def save(name: str, factory: pytest.TempPathFactory) -> Path:
    """The set audited with the stand-in scorer and saved (once per session)."""
    if name not in SAVED:
        root = factory.mktemp(name)
        source: str | Path = name
        if name == "mini-africa":
            source = root / "africa.yaml"
            source.write_text(AFRICA, encoding="utf-8")
        result = biasprobe.audit(
            source, model=fake_model, cache=None, progress=False, n_bootstrap=200, seed=3
        )
        SAVED[name] = result.save(root / "audit")
    return SAVED[name]


@pytest.fixture(scope="module", params=["mini-africa", "occupation_gender", "names_ethnicity"])
def saved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # mini-africa: lexicon columns with "NA" (Namibia's iso2); occupation_gender: two slots
    # (cells, interactions); names_ethnicity: named contrasts from the YAML
    return save(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save("mini-africa", tmp_path_factory)


RECOMPUTED: dict[Path, AuditResult] = {}


def recomputed(folder: Path) -> AuditResult:
    """The statistics computed afresh from the folder's probes, as before this change
    (once per folder: the saved folders above are never changed; the tests that change a
    folder change a copy)."""
    if folder not in RECOMPUTED:
        RECOMPUTED[folder] = _recompute(folder)
    return RECOMPUTED[folder]


def _recompute(folder: Path) -> AuditResult:
    meta = json.loads((folder / "audit.json").read_text())
    meta.pop(STORED_KEY)
    return AuditResult(
        probes=pd.read_parquet(folder / "probes.parquet"),
        slots=meta["slots"],
        metadata=meta,
        seed=meta["seed"],
        n_bootstrap=meta["n_bootstrap"],
        confidence=meta["confidence"],
    )


def no_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: AuditResult, spec: object) -> None:
        raise AssertionError("statistics recomputed")

    monkeypatch.setattr(AuditResult, "_compute", fail)


def assert_same(got: AuditResult, want: AuditResult) -> None:
    pd.testing.assert_frame_equal(got.by_group(), want.by_group(), check_exact=True)
    pd.testing.assert_frame_equal(got.gaps(), want.gaps(), check_exact=True)
    pd.testing.assert_frame_equal(got.contrasts(), want.contrasts(), check_exact=True)
    assert got.report_lines() == want.report_lines()
    assert got.metadata == want.metadata


def test_loaded_statistics_equal_the_recomputed_ones(
    saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = recomputed(saved)
    assert not want.contrasts().empty
    no_compute(monkeypatch)  # read, not recomputed
    got = load_audit(saved)
    assert_same(got, want)
    if saved.parent.name.startswith("names_ethnicity"):
        assert (got.contrasts()["kind"] == "named").any()
    if saved.parent.name.startswith("mini-africa"):
        iso2 = got.by_group("country").set_index("value")["iso2"]
        assert iso2["Namibia"] == "NA"
    if len(got.slots) == 2:  # computed on demand from the probes, as before
        monkeypatch.undo()
        pd.testing.assert_frame_equal(got.cells(*got.slots), want.cells(*want.slots))


def copy(folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    out.mkdir()
    for f in folder.iterdir():
        (out / f.name).write_bytes(f.read_bytes())
    return out


@pytest.mark.parametrize("change", ["no mark", "older mark", "no contrasts.csv", "no column"])
def test_older_or_incomplete_folders_are_recomputed(
    country: Path, tmp_path: Path, change: str
) -> None:
    folder = copy(country, tmp_path)
    meta_path = folder / "audit.json"
    meta = json.loads(meta_path.read_text())
    if change == "no mark":
        del meta[STORED_KEY]
    elif change == "older mark":
        meta[STORED_KEY] = 0
    elif change == "no contrasts.csv":
        (folder / "contrasts.csv").unlink()
    else:  # a gaps.csv from before the permutation test
        gaps = pd.read_csv(folder / "gaps.csv").drop(columns="p_value")
        gaps.to_csv(folder / "gaps.csv", index=False)
    meta_path.write_text(json.dumps(meta))
    got = load_audit(folder)
    assert got._tables is None  # nothing read or computed before first use
    assert_same(got, recomputed(country))


def test_tables_that_do_not_match_the_probes_are_recomputed(country: Path, tmp_path: Path) -> None:
    folder = copy(country, tmp_path)
    probes = pd.read_parquet(folder / "probes.parquet")
    scored = ~probes["is_baseline"]
    probes.loc[scored, "score"] = 1 - probes.loc[scored, "score"]  # edited after the audit
    probes.to_parquet(folder / "probes.parquet", index=False)
    got = load_audit(folder).by_group("country").set_index("value")["mean"]
    want = probes[scored].groupby("country")["score"].mean()  # pandas, not biasprobe
    pd.testing.assert_series_equal(
        got.sort_index(), want.sort_index(), check_names=False, check_index_type=False
    )


def test_a_loaded_audit_pickles_before_and_after_first_use(country: Path) -> None:
    import pickle

    fresh = load_audit(country)
    again = pickle.loads(pickle.dumps(fresh))
    assert_same(again, recomputed(country))
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(fresh)).gaps(), fresh.gaps())
