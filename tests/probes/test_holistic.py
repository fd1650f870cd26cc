"""HolisticBias descriptors read at run time: layouts, counts, articles, and bad input."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from biasprobe import DataError, LexiconError
from biasprobe.probes._expand import expand
from biasprobe.probes._holistic import descriptors_frame, load_holistic_lexicon
from biasprobe.probes._lexicon_refs import load_lexicon
from biasprobe.probes._template_set import load_template_set


def raw_descriptors(datasets_dir: Path, version: str) -> dict[str, list[str]]:
    """descriptor -> axes, straight from the JSON (independent of the loader)."""
    path = datasets_dir / "holistic_bias" / version / "descriptors.json"
    out: dict[str, list[str]] = {}
    for axis, buckets in json.loads(path.read_text(encoding="utf-8")).items():
        lists = buckets.values() if isinstance(buckets, dict) else [buckets]
        for entries in lists:
            for e in entries:
                name = e if isinstance(e, str) else e["descriptor"]
                axes = out.setdefault(name, [])
                if axis not in axes:
                    axes.append(axis)
    return out


@pytest.mark.parametrize(("version", "n"), [("v1.0", 520), ("v1.1", 579)])
def test_unique_descriptor_counts_match_source_md(datasets_dir: Path, version: str, n: int) -> None:
    lex = load_holistic_lexicon(f"holistic_bias:{version}", data_dir=datasets_dir)
    raw = raw_descriptors(datasets_dir, version)
    assert len(lex) == len(raw) == n
    assert set(lex.items["value"]) == set(raw)
    for value, all_axes in zip(lex.items["value"], lex.items["all_axes"], strict=True):
        assert all_axes.split("|") == raw[value]
    assert lex.meta["licence"].startswith("CC BY-SA 4.0")
    assert lex.meta["version"] == version


def test_rows_carry_axis_bucket_preference_and_article(datasets_dir: Path) -> None:
    items = load_holistic_lexicon("holistic_bias:v1.1", data_dir=datasets_dir).items
    rows = items.set_index("value")
    assert rows.loc["Deaf", ["axis", "bucket", "preference"]].tolist() == [
        "ability",
        "auditory",
        "reviewed",
    ]
    assert rows.loc["LGBTQ", "all_axes"] == "gender_and_sex|sexual_orientation"
    assert rows.loc["Chicana", "gender"] == "female"
    expected = {"autistic": "an", "US-born": "a", "80-year-old": "an", "European": "a"}
    for value, article in expected.items():
        assert rows.loc[value, "article"] == article
    assert set(items["article"]) == {"a", "an"}


@pytest.mark.parametrize("layout", ["parent", "dataset", "version"])
def test_data_dir_layouts(tmp_path: Path, datasets_dir: Path, layout: str) -> None:
    source = datasets_dir / "holistic_bias" / "v1.1" / "descriptors.json"
    target = {
        "parent": tmp_path / "holistic_bias" / "v1.1",
        "dataset": tmp_path / "v1.1",
        "version": tmp_path,
    }[layout]
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target / "descriptors.json")
    assert len(load_holistic_lexicon("holistic_bias", data_dir=tmp_path)) == 579


def test_lexicon_ref_resolves_through_env(
    monkeypatch: pytest.MonkeyPatch, datasets_dir: Path
) -> None:
    monkeypatch.setenv("BIASPROBE_DATA", str(datasets_dir))
    lex = load_lexicon("holistic_bias:v1.1")
    assert lex.name == "holistic_bias" and len(lex) == 579
    assert lex.path.endswith(os.path.join("v1.1", "descriptors.json"))


def test_shipped_set_expands_at_run_time(
    monkeypatch: pytest.MonkeyPatch, datasets_dir: Path
) -> None:
    monkeypatch.setenv("BIASPROBE_DATA", str(datasets_dir))
    probes = expand(load_template_set("holistic_bias"))
    assert len(probes) == 579 * 6 + 6 * 5  # five neutral fillers per wording
    deaf = probes.loc[probes["descriptor"] == "Deaf", "text"].tolist()
    assert "A Deaf person moved in next door." in deaf
    assert "descriptor_axis" in probes.columns


def test_unknown_version_is_a_lexicon_error(datasets_dir: Path) -> None:
    with pytest.raises(LexiconError, match=r"unknown HolisticBias version 'v9'.*v1\.0, v1\.1"):
        load_holistic_lexicon("holistic_bias:v9", data_dir=datasets_dir)


def test_data_dir_without_descriptors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no HolisticBias v1\.1 descriptors\.json found"):
        load_holistic_lexicon("holistic_bias:v1.1", data_dir=tmp_path)


def test_no_local_copy_offline_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIASPROBE_DATA", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="set BIASPROBE_DATA") as info:
        load_lexicon("holistic_bias:v1.1")
    assert "\n" not in str(info.value)


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "descriptors.json").write_text('{"ability":\n  [oops]}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"descriptors\.json, line 2: malformed JSON"):
        load_holistic_lexicon("holistic_bias", data_dir=tmp_path)


@pytest.mark.parametrize("raw", [{"ability": [42]}, {"ability": {"x": [{"preference": "a"}]}}])
def test_unexpected_entries(raw: dict) -> None:
    with pytest.raises(DataError, match="unexpected descriptor entry"):
        descriptors_frame(raw)


def test_validate_skips_holistic_set_without_data(monkeypatch: pytest.MonkeyPatch) -> None:
    from biasprobe.probes._validate import validate

    monkeypatch.delenv("BIASPROBE_DATA", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    findings = validate(["holistic_bias"])
    assert findings["severity"].tolist() == ["warning"]
    assert "BIASPROBE_DATA" in findings["message"].iloc[0]


@pytest.mark.online
def test_hub_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        pytest.skip("offline")
    monkeypatch.delenv("BIASPROBE_DATA", raising=False)
    assert len(load_holistic_lexicon("holistic_bias:v1.1")) > 500
