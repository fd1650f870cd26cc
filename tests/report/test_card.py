"""``biasprobe card``: a model-card Bias section with the map, gaps with CIs, templates,
reproduction commands; user strings escaped for Markdown and HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from _report_fixtures import HOSTILE_IMG, HOSTILE_SCRIPT, comparison, country_audit, hostile_audit
from hypothesis import given
from hypothesis import strategies as st

import biasprobe
from biasprobe import DataError, UsageError
from biasprobe.cli import main
from biasprobe.report._card import code_block, md


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return country_audit(tmp_path_factory)


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory, audit_dir: Path) -> Path:
    return biasprobe.build_card([audit_dir], out=tmp_path_factory.mktemp("card") / "BIAS.md")


def test_card_has_the_map_next_to_it(card: Path) -> None:
    text = card.read_text(encoding="utf-8")
    assert text.startswith("## Bias\n")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images == ["BIAS_country_map.png"]
    png = card.parent / images[0]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_card_gap_and_groups_match_the_audit(card: Path, audit_dir: Path) -> None:
    text = card.read_text(encoding="utf-8")
    probes = pd.read_parquet(audit_dir / "probes.parquet")
    means = probes[~probes["is_baseline"]].groupby("country")["score"].mean()
    gap = biasprobe.load_audit(audit_dir).gap("country")
    row = f"| country | {means.max() - means.min():.3f} | {gap.ci_low:.3f} to {gap.ci_high:.3f} |"
    assert row in text
    assert f"{md(means.idxmax())} ({means.max():.3f})" in text
    groups = biasprobe.load_audit(audit_dir).by_group("country")
    top = groups.iloc[0]
    line = f"| highest | {md(top['value'])} | {top['n']} | {top['mean']:.3f} | "
    assert line + f"{top['ci_low']:.3f} to {top['ci_high']:.3f} |" in text


def test_card_lists_templates_and_how_to_reproduce(card: Path, audit_dir: Path) -> None:
    text = card.read_text(encoding="utf-8")
    meta = json.loads((audit_dir / "audit.json").read_text())
    for t in meta["template_set"]["templates"]:
        assert f"- {md(t['id'])}: “{md(t['text'])}”" in text
    block = re.search(r"```bash\n(.*?)\n```", text, re.S)
    assert block is not None
    assert block.group(1).startswith("biasprobe audit ")
    assert f"biasprobe card {audit_dir} --out {card}" in block.group(1)  # where it was written
    assert f"Seed {meta['seed']}, {meta['n_bootstrap']} bootstrap resamples" in text


def test_card_with_a_comparison(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, audit_dir: Path, datasets_dir: Path
) -> None:
    compare_dir = comparison(tmp_path_factory, datasets_dir)
    out = biasprobe.build_card([audit_dir, compare_dir], out=tmp_path / "card.md")
    text = out.read_text(encoding="utf-8")
    summary = pd.read_csv(compare_dir / "summary.csv")
    first = summary[summary["breakdown"] == "overall"].iloc[0]
    assert f"| {md(first['benchmark'])} | {first['n']} | {first['mean_diff']:+.3f} |" in text


def test_hostile_strings_are_escaped(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = biasprobe.build_card([hostile_audit(tmp_path_factory)], out=tmp_path / "h.md")
    text = out.read_text(encoding="utf-8")
    block = re.search(r"\n```bash\n(.*?)\n```\n", text, re.S)
    assert block is not None and HOSTILE_SCRIPT in block.group(1)  # verbatim inside code only
    prose = text.replace(block.group(0), "\n")
    assert "<" not in prose and ">" not in prose
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert HOSTILE_SCRIPT not in prose and HOSTILE_IMG not in prose


@given(st.text())
def test_md_never_leaves_html_or_table_syntax(value: str) -> None:
    out = md(value)
    assert "<" not in out and ">" not in out and "\n" not in out
    assert not re.search(r"(?<!\\)\|", out)
    assert not re.search(r"(?<!\\)[`*\[\]]", out)


@given(st.text(alphabet="`ab\n", max_size=30))
def test_code_block_fence_outlasts_backticks(value: str) -> None:
    block = code_block(value)
    fence = block.split("bash", 1)[0]
    assert block.endswith("\n" + fence)
    assert fence not in value


def test_bad_inputs(tmp_path: Path, audit_dir: Path, datasets_dir: Path) -> None:
    with pytest.raises(UsageError, match=r"ending in \.md"):
        biasprobe.build_card([audit_dir], out=tmp_path / "card.html")
    (tmp_path / "cmp").mkdir()
    (tmp_path / "cmp" / "compare.json").write_text("{}")
    with pytest.raises(DataError, match="needs at least one audit"):
        biasprobe.build_card([tmp_path / "cmp"], out=tmp_path / "card.md")


def test_cli(tmp_path: Path, audit_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "BIAS.md"
    assert main(["card", str(audit_dir), "--out", str(out)]) == 0
    assert "BIAS_country_map.png" in capsys.readouterr().out
    assert main(["card", str(audit_dir), "--out", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("biasprobe card: error:") and "\n" not in err
