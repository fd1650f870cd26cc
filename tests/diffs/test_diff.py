"""Paired model diffs of two audits: synthetic scorers of known truth, checked against scipy."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _diff_support import base, crc_score, probabilities
from scipy import stats

import biasprobe
from biasprobe import DataError
from biasprobe.diffs._diff import diff_audits, load_diff

MOVED = "Sikh"


def one_group_moves(texts: list[str]) -> np.ndarray:
    """Same as ``base`` except for one group: +0.08, with wording-dependent noise."""
    s = np.array([crc_score(t) for t in texts])
    for i, t in enumerate(texts):
        if MOVED in t:
            s[i] += 0.08 + 0.02 * ((zlib.crc32(t[::-1].encode()) % 100) / 100 - 0.5)
    return probabilities(s)


def _audit(model: object, templates: object = "religion") -> biasprobe.AuditResult:
    return biasprobe.audit(templates, model=model, cache=None, progress=False, n_bootstrap=1000)


@pytest.fixture(scope="module")
def audits() -> tuple[biasprobe.AuditResult, biasprobe.AuditResult]:
    return _audit(base), _audit(one_group_moves)


def test_diff_finds_the_one_group_that_moved_and_no_other(audits) -> None:
    d = diff_audits(*audits)
    assert set(d.moved("religion")["value"]) == {MOVED}
    assert d.verdict == "changed"
    others = d.by_group("religion").query("value != @MOVED")
    assert (others["diff"] == 0).all() and (others["verdict"] == "no change").all()


def test_group_change_interval_is_the_t_interval_over_wordings(audits) -> None:
    a, b = audits
    d = diff_audits(a, b).by_group("religion").set_index("value")
    pa, pb = (r.probes[~r.probes["is_baseline"]] for r in (a, b))
    paired = pa[["probe_id", "template_id", "religion", "score"]].merge(
        pb[["probe_id", "score"]], on="probe_id", suffixes=("_a", "_b")
    )
    paired["d"] = paired["score_b"] - paired["score_a"]
    per_wording = paired[paired["religion"] == MOVED].groupby("template_id")["d"].mean()
    lo, hi = stats.t.interval(
        0.95, len(per_wording) - 1, loc=per_wording.mean(), scale=stats.sem(per_wording)
    )
    row = d.loc[MOVED]
    assert row["diff"] == pytest.approx(per_wording.mean(), abs=1e-12)
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]
    # the bootstrap SE of a mean of wordings estimates the classic SEM (within 10%)
    assert (row["ci_high"] - row["ci_low"]) == pytest.approx(hi - lo, rel=0.1)
    p = d["p_value"].to_numpy()
    np.testing.assert_allclose(d["p_adjusted"], stats.false_discovery_control(p), rtol=1e-12)


def test_gap_and_contrast_changes_are_differences_of_the_two_audits(audits) -> None:
    a, b = audits
    d = diff_audits(a, b)
    assert float(d.gap("religion")) == pytest.approx(
        float(b.gap("religion")) - float(a.gap("religion")), abs=1e-12
    )
    ca = a.contrasts("religion").set_index("contrast")["estimate"]
    cb = b.contrasts("religion").set_index("contrast")["estimate"]
    got = d.contrasts("religion").set_index("contrast")["diff"]
    pd.testing.assert_series_equal(got.sort_index(), (cb - ca).sort_index(), check_names=False)
    row = d.gaps().iloc[0]
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]


def test_identical_scorers_give_exactly_zero_and_no_change(audits) -> None:
    a, _ = audits
    d = diff_audits(a, _audit(base))
    assert d.verdict == "no change"
    assert (d.by_group()["diff"] == 0).all()
    assert (d.by_group()[["ci_low", "ci_high"]] == 0).all().all()
    assert (d.contrasts()["diff"] == 0).all()
    assert float(d.gap("religion")) == 0.0
    assert set(d.by_group()["verdict"]) == {"no change"}


def test_accessors_and_round_trip(audits, tmp_path: Path) -> None:
    d = diff_audits(*audits, names=("old", "new"))
    e = d.group("religion", MOVED)
    assert e.ci_low <= float(e) <= e.ci_high and float(e) > 0.05
    with pytest.raises(biasprobe.UsageError, match="no group 'Jedi'"):
        d.group("religion", "Jedi")
    with pytest.raises(biasprobe.UsageError, match="unknown slot"):
        d.gap("country")
    back = load_diff(d.save(tmp_path / "diff"))
    assert back.verdict == d.verdict == "changed"
    assert back.names == ("old", "new")
    stats_cols = ["slot", "value", "n", "mean_a", "mean_b", "diff", "ci_low", "ci_high"]
    stats_cols += ["p_value", "p_adjusted", "verdict"]
    pd.testing.assert_frame_equal(
        back.by_group()[stats_cols], d.by_group()[stats_cols], check_dtype=False
    )
    assert "moved (BH): 1 of 18 groups: Sikh" in "\n".join(d.report_lines())


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (Path(biasprobe.__file__).parent / "data/templates/religion.yaml").read_text()
    assert old in text
    path = tmp_path / "religion.yaml"
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("version: 1", "version: 2", "set version '1' vs '2'"),
        ("{value: local, article: a}", "{value: nearby, article: a}", "neutral filler"),
        ("My neighbour is", "Your neighbour is", "templates neighbour_is"),
    ],
)
def test_different_probes_are_refused_in_one_line(audits, tmp_path, old, new, said) -> None:
    other = _audit(base, _variant(tmp_path, old, new))
    with pytest.raises(DataError, match="the probes differ") as info:
        diff_audits(audits[0], other)
    assert said in str(info.value) and "\n" not in str(info.value)


def test_probe_texts_are_checked_even_without_metadata(audits) -> None:
    a, _ = audits
    probes = a.probes.copy()
    probes.loc[probes.index[5], "text"] = "something else"
    other = biasprobe.AuditResult(probes=probes, slots=a.slots, metadata={}, n_bootstrap=100)
    with pytest.raises(DataError, match=r"1 of .* probes differ"):
        diff_audits(a, other)


def _one_wording(scores: dict[str, list[float]]) -> biasprobe.AuditResult:
    rows = [{"template_id": "t0", "group": "a thing", "score": 0.5, "is_baseline": True}]
    for group, values in scores.items():
        rows += [
            {"template_id": "t0", "group": group, "score": v, "is_baseline": False} for v in values
        ]
    frame = pd.DataFrame(rows)
    frame.insert(0, "probe_id", range(len(frame)))
    frame["template"] = "{group} is here."
    frame["text"] = [f"{g} {i}" for i, g in enumerate(frame["group"])]
    return biasprobe.AuditResult(probes=frame, slots=["group"], n_bootstrap=2000)


def test_one_wording_falls_back_to_paired_probe_resampling() -> None:
    rng = np.random.default_rng(1)
    x, y = list(rng.random(30)), list(rng.random(30))
    shift = list(rng.normal(0.2, 0.05, 30))
    a = _one_wording({"x": x, "y": y})
    b = _one_wording({"x": [v + s for v, s in zip(x, shift, strict=True)], "y": y})
    d = diff_audits(a, b).by_group("group").set_index("value")
    ci = stats.t.interval(0.95, 29, loc=np.mean(shift), scale=stats.sem(shift))
    assert d.loc["x", "diff"] == pytest.approx(np.mean(shift))
    assert d.loc["x", "ci_low"] == pytest.approx(ci[0], abs=0.01)
    assert d.loc["x", "ci_high"] == pytest.approx(ci[1], abs=0.01)
    assert d.loc["x", "verdict"] == "up" and d.loc["y", "verdict"] == "no change"
    assert np.isnan(diff_audits(a, b).gaps()["ci_low"].iloc[0])  # no gap interval here
