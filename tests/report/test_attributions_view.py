"""The report shows token attributions of the extreme pairs: occlusion always, integrated
gradients next to it when the audit folder has ``attributions_ig.csv``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _scrutiny_support import noise, scored_audit

from biasprobe.report._attributions_view import value_span
from biasprobe.report._html import render_report
from biasprobe.scrutiny._explain import explain_extremes

VALUE_PIECES = {"v11": ("v", "##11"), "v03": ("v", "##03")}


def score(texts: list[str]) -> np.ndarray:
    return np.array([0.2 if "v11" in t else 0.8 if "v03" in t else 0.5 for t in texts])


def audit_folder(root: Path) -> Path:
    result = scored_audit(lambda t, v: noise(t, v) - 0.3 * (v == "v11") + 0.3 * (v == "v03"))
    folder = result.save(root / "a")
    explain_extremes(result, score=score, n=2).to_csv(folder / "attributions.csv", index=False)
    return folder


def fake_ig(folder: Path) -> pd.DataFrame:
    """An IG file in the shape ``integrated_gradients`` writes: the value's pieces carry
    -0.2 and -0.1, every other piece +0.01."""
    occl = pd.read_csv(folder / "attributions.csv", keep_default_na=False)
    texts = occl.drop_duplicates(["slot", "side", "pair"])["text"].tolist()
    rows = []
    for i, text in enumerate(texts):
        pieces = ["[CLS]"]
        for word in text.rstrip(".").split():
            pieces += VALUE_PIECES.get(word, (word,))
        pieces += [".", "[SEP]"]
        for j, tok in enumerate(pieces):
            attr = -0.2 if tok == "v" else -0.1 if tok.startswith("##") else 0.01
            rows.append([i, text, j, tok, attr, 0.5, 0.004])
    columns = ["text_id", "text", "token_index", "token", "attribution", "score", "delta"]
    return pd.DataFrame(rows, columns=columns)


def cells(page: str, column: str) -> list[str]:
    """The exact values (``data-value``) of one column of the attribution table."""
    body = re.search(r'<table id="attr-[0-9a-f]+".*?</table>', page, flags=re.S)
    assert body is not None
    keys = re.findall(r'data-key="([^"]+)"', body.group(0))
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(0).split("<tbody>")[1], flags=re.S)
    tds = [re.findall(r"<td([^>]*)>(.*?)</td>", r, flags=re.S) for r in rows]
    k = keys.index(column)
    return [
        (re.search(r'data-value="([^"]+)"', row[k][0]) or re.search("(.*)", row[k][1])).group(1)
        for row in tds
    ]


def test_without_ig_only_occlusion_is_shown(tmp_path: Path) -> None:
    folder = audit_folder(tmp_path)
    page = render_report([folder])
    assert "Token attributions of the extreme pairs: occlusion</h4>" in page
    assert 'data-key="ig_value"' not in page
    occl = pd.read_csv(folder / "attributions.csv")
    own = occl[(occl["kind"] == "value")]
    want = own.drop_duplicates(["slot", "side", "pair"])["attribution"].tolist()
    assert [float(v) for v in cells(page, "occlusion_value")] == pytest.approx(want)


def test_ig_sits_next_to_occlusion(tmp_path: Path) -> None:
    folder = audit_folder(tmp_path)
    ig = fake_ig(folder)
    ig.to_csv(folder / "attributions_ig.csv", index=False)
    page = render_report([folder])
    assert "occlusion and integrated gradients</h4>" in page
    # the value's two pieces: -0.2 + -0.1, for every explained text (independent of the view)
    assert [float(v) for v in cells(page, "ig_value")] == pytest.approx(
        [-0.3] * ig["text_id"].nunique()
    )
    assert set(cells(page, "ig_top")) == {"v (-0.200)"}
    assert [float(v) for v in cells(page, "ig_delta")] == pytest.approx([0.004] * 4)
    assert float(cells(page, "occlusion_value")[0]) == pytest.approx(0.3)  # high side: v03


def test_report_without_attributions_has_no_table(tmp_path: Path) -> None:
    folder = scored_audit(noise).save(tmp_path / "a")
    assert '<table id="attr-' not in render_report([folder])


def test_value_span_follows_word_pieces() -> None:
    pieces = ["<s>", "\u2581Bur", "kina", "\u2581Faso", "\u2581is", "</s>"]
    assert value_span(pieces, "Burkina Faso") == (1, 4)
    assert value_span(["[CLS]", "chad", "[SEP]"], "Niger") is None


@pytest.mark.model
@pytest.mark.slow
def test_report_of_a_real_ig_run(tmp_path: Path, stand_in_model: Path) -> None:
    import biasprobe
    from biasprobe.scoring._scorer import load_scorer
    from biasprobe.scrutiny._scrutiny import scrutinize

    (tmp_path / "c.csv").write_text("value\nFrance\nSyria\nJapan\n", encoding="utf-8")
    (tmp_path / "set.yaml").write_text(
        "name: few\nslots:\n  country:\n    lexicon: c.csv\n    neutral: a country\n"
        "templates:\n  - id: a\n    text: 'This film was filmed in {country}.'\n"
        "  - id: b\n    text: 'We travelled to {country} last year.'\n",
        encoding="utf-8",
    )
    scorer = load_scorer(stand_in_model, device="cpu")
    result = biasprobe.audit(tmp_path / "set.yaml", model=scorer, cache=None, progress=False)
    folder = result.save(tmp_path / "audit")
    scrutinize(result, scorer, folder, integrated=True, n_pairs=1)
    page = render_report([folder])
    values = [float(v) for v in cells(page, "ig_value")]
    assert len(values) == 2 and all(np.isfinite(values))
