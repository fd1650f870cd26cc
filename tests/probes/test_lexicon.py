"""Lexicon files: parsing, metadata, and each bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from biasprobe import LexiconError, load_lexicon, shipped_lexicons
from biasprobe.probes._lexicon_refs import lexicon_dir


def write(tmp_path: Path, text: str, name: str = "lex.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_country_lexicon_covers_un_members_observers_kosovo_taiwan() -> None:
    lex = load_lexicon("countries")
    with (lexicon_dir() / "countries.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    assert len(lex) == len(rows) >= 197
    status = {r["status"] for r in rows}
    assert {"member", "observer"} <= status
    by_iso = {r["iso3"]: r for r in rows}
    assert sum(r["status"] == "member" for r in rows) == 193
    for iso in ("XKX", "TWN", "PSE", "VAT", "FRA", "AFG"):
        assert iso in by_iso
    assert lex.meta["licence"] and lex.meta["source"]


@pytest.mark.parametrize(
    ("name", "article"),
    [
        ("United States", "the"),
        ("Netherlands", "the"),
        ("Gambia", "the"),
        ("Bahamas", "the"),
        ("Côte d'Ivoire", ""),
        ("France", ""),
    ],
)
def test_country_articles(name: str, article: str) -> None:
    items = load_lexicon("countries").items.set_index("value")
    assert items.loc[name, "article"] == article


def test_namibia_iso2_is_not_read_as_missing() -> None:
    items = load_lexicon("countries").items.set_index("value")
    assert items.loc["Namibia", "iso2"] == "NA"


def test_numeric_metadata_becomes_float(tmp_path: Path) -> None:
    path = write(tmp_path, "# source: x\nvalue,lat,code\nA,1.5,NA\nB,-2,7\n")
    lex = load_lexicon(str(path))
    assert lex.items["lat"].tolist() == [1.5, -2.0]
    assert lex.items["code"].tolist() == ["NA", "7"]
    assert lex.meta == {"source": "x"}


def test_shipped_lexicons_listed() -> None:
    assert "countries" in shipped_lexicons()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# name: x\nname,iso3\nFrance,FRA\n", "line 2: missing required column 'value'"),
        ("# name: x\n", "lexicon is empty"),
        ("value,iso3\n", "has a header but no rows"),
        ("value\nFrance\nFrance\n", "line 3: duplicate value 'France'"),
        ("value,iso3\nFrance,FRA\n ,AFG\n", "line 3: empty 'value'"),
        ("value,article\nNetherlands,teh\n", "line 2: article 'teh' is not one of"),
        ('value\n"France\n', "malformed CSV"),
    ],
)
def test_bad_lexicon(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(LexiconError) as info:
        load_lexicon(str(path))
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_non_utf8_lexicon(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("value\nCôte d'Ivoire\n".encode("latin-1"))
    with pytest.raises(LexiconError, match=r"line 2: not valid UTF-8"):
        load_lexicon(str(path))


def test_unknown_shipped_lexicon_lists_valid_names() -> None:
    with pytest.raises(
        LexiconError, match=r"unknown lexicon 'contries'; shipped lexicons: .*countries"
    ):
        load_lexicon("contries")


def test_missing_lexicon_file(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="file not found"):
        load_lexicon(str(tmp_path / "nope.csv"))
