"""Lexical confounds: synthetic scorers of known truth; adjusted effects checked against numpy."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasprobe import AuditResult, DataError
from biasprobe.scoring._tokens import WordPieces
from biasprobe.scrutiny._confounds import corpus_counts, read_reference_corpus, term_table
from biasprobe.scrutiny._scrutiny import confound_report

# group A mostly short (1 piece of 4 letters), group B mostly long; some overlap in each
GROUP_A = [
    "Ann",
    "Bob",
    "Cal",
    "Dan",
    "Eve",
    "Fay",
    "Gus",
    "Hal",
    "Ida",
    "Jo",
    "Alexandra",
    "Bartholomew",
]
GROUP_B = [
    "Kristofer",
    "Leopoldina",
    "Maximilian",
    "Nathaniel",
    "Octavia",
    "Penelope",
    "Quentin",
    "Rosalind",
    "Sebastian",
    "Theodora",
    "Uma",
    "Vic",
]
WORDINGS = [
    "I met {name} today.",
    "{name} called.",
    "This is {name}.",
    "{name} was here.",
    "We saw {name}.",
    "Ask {name} first.",
    "{name} wrote back.",
    "Say hi to {name}.",
]  # eight, as in the shipped name sets: intervals resample wordings (t with 7 df)


def chunks(text: str) -> list[str]:
    """A toy word-piece tokenizer: every word cut into pieces of 4 characters."""
    return [w[i : i + 4] for w in text.split() for i in range(0, len(w), 4)]


PIECES = WordPieces(tokenize=chunks, unk_token=None, source="chunks")


def jitter(name: str) -> float:
    return float(np.random.default_rng(zlib.crc32(name.encode())).normal(0, 0.01))


def audit_of(score: Callable[[str, str], float]) -> AuditResult:
    """Every name in every wording, scored by ``score(text, name)``."""
    rows = []
    for t, wording in enumerate(WORDINGS):
        rows.append(
            {
                "template_id": f"t{t}",
                "text": wording.format(name="someone"),
                "name": "someone",
                "name_group": None,
                "is_baseline": True,
            }
        )
        for group, names in (("A", GROUP_A), ("B", GROUP_B)):
            for name in names:
                rows.append(
                    {
                        "template_id": f"t{t}",
                        "text": wording.format(name=name),
                        "name": name,
                        "name_group": group,
                        "is_baseline": False,
                    }
                )
    probes = pd.DataFrame(rows)
    probes["score"] = [
        score(text, name) for text, name in zip(probes["text"], probes["name"], strict=True)
    ]
    probes.insert(0, "probe_id", range(len(probes)))
    probes["template"] = probes["template_id"]
    return AuditResult(probes=probes, slots=["name"], seed=0, n_bootstrap=200)


def pieces_only(text: str, name: str) -> float:
    return 0.9 - 0.05 * len(chunks(text)) + jitter(name)


def bare(texts: list[str]) -> np.ndarray:
    return np.array([pieces_only(t, t) for t in texts])


def test_a_pieces_only_scorer_is_attributed_to_pieces() -> None:
    result = audit_of(pieces_only)
    report = confound_report(result, pieces=PIECES, score=bare, group="group")
    effects = report.effects.set_index("adjustment")
    raw, adjusted = effects.loc["raw"], effects.loc["pieces"]
    assert raw["ci_high"] < 0  # B (more pieces) scores lower: a real gap in the audit ...
    assert adjusted["ci_low"] <= 0 <= adjusted["ci_high"]  # ... that the pieces account for
    assert abs(adjusted["estimate"]) < 0.25 * abs(raw["estimate"])
    group_flag = report.flags[report.flags["finding"] == "group effect"].iloc[0]
    assert group_flag["could_explain"] and "pieces" in group_flag["flags"]
    rho = report.associations.set_index("covariate").loc["n_pieces", "rho"]
    assert rho < -0.8


def test_adjusted_effect_matches_least_squares() -> None:
    terms = confound_report(audit_of(pieces_only), pieces=PIECES, score=bare, group="group")
    t = terms.terms
    x = np.column_stack([np.ones(len(t)), (t["group"] == "B").astype(float), t["n_pieces"]])
    coef = np.linalg.lstsq(x, t["mean"].to_numpy(), rcond=None)[0]
    effects = terms.effects.set_index("adjustment")
    assert effects.loc["pieces", "contrast"] == "B - A"
    assert effects.loc["pieces", "estimate"] == pytest.approx(coef[1])
    raw = t.groupby("group")["mean"].mean()
    assert effects.loc["raw", "estimate"] == pytest.approx(raw["B"] - raw["A"])


def test_a_true_group_effect_is_not_explained_away() -> None:
    def group_effect(text: str, name: str) -> float:
        return 0.8 - (0.2 if name in GROUP_B else 0.0) + jitter(name)

    report = confound_report(audit_of(group_effect), pieces=PIECES, score=None, group="group")
    effects = report.effects.set_index("adjustment")
    assert effects.loc["pieces", "ci_high"] < -0.1
    group_flag = report.flags[report.flags["finding"] == "group effect"].iloc[0]
    assert not group_flag["could_explain"]


def test_term_table_counts_and_homographs() -> None:
    result = audit_of(pieces_only)
    terms = term_table(result, "name", pieces=PIECES, score=bare).set_index("value")
    assert terms.loc["Bartholomew", "n_pieces"] == 3 and terms.loc["Ann", "n_pieces"] == 1
    assert terms.loc["Ann", "bare_score"] == pytest.approx(0.85 + jitter("Ann"))
    assert not terms["homograph"].any()
    flags = confound_report(result, pieces=PIECES, group=None).flags
    assert set(flags["finding"]) == {"lowest value", "highest value"}


def test_corpus_counts_whole_words(tmp_path: Path) -> None:
    path = tmp_path / "train.tsv"
    path.write_text(
        "label\tsentence\n0\ta turkey of a film .\n1\tturkey was lovely\n"
        "0\tturkeys everywhere\n1\tnothing here\n",
        encoding="utf-8",
    )
    corpus = read_reference_corpus(tmp_path)
    got = corpus_counts(["Turkey", "Chad"], corpus).set_index("value")
    assert got.loc["Turkey", "corpus_n"] == 2
    assert got.loc["Turkey", "corpus_positive_share"] == 0.5
    assert got.loc["Chad", "corpus_n"] == 0


def test_reference_corpus_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no reference corpus"):
        read_reference_corpus(tmp_path / "missing")
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="needs a 'label' column"):
        read_reference_corpus(bad)


@pytest.mark.model
def test_real_tokenizer_pieces(stand_in_model: Path) -> None:
    from transformers import AutoTokenizer

    from biasprobe.scoring._tokens import word_pieces

    tok = AutoTokenizer.from_pretrained(stand_in_model)
    pieces = word_pieces(stand_in_model)
    for word in ("Niger", "Torrance", "Saint Vincent and the Grenadines"):
        assert pieces.count(word) == (len(tok.tokenize(word)), 0)
    assert pieces.count("Niger")[0] == 1  # one word piece: no sub-word overlap to blame


def wording_of(text: str, name: str) -> int:
    return next(i for i, w in enumerate(WORDINGS) if w.format(name=name) == text)


def wording_specific(text: str, name: str) -> float:
    """B - A is -0.05 on average, but +0.10 or -0.20 depending on the wording."""
    t = wording_of(text, name)
    swing = 0.15 if t % 2 else -0.15
    return 0.7 + (swing - 0.05 if name in GROUP_B else 0.0) + jitter(name)


def test_intervals_resample_wordings_like_the_audit_contrast() -> None:
    """Raw B - A: the same estimate as the audit's named contrast, and an interval of the
    same width (both resample wordings and each side's values); statsmodels' HC3 interval,
    which treats value means as independent, is far narrower."""
    import statsmodels.formula.api as smf

    result = audit_of(wording_specific)
    report = confound_report(result, pieces=PIECES, score=None, group="group")
    raw = report.effects.set_index("adjustment").loc["raw"]
    assert raw["interval"].startswith("wordings x values") and raw["n_wordings"] == 8
    named = AuditResult(
        probes=result.probes,
        slots=["name"],
        seed=0,
        n_bootstrap=2000,
        contrasts={"name": {"B - A": (GROUP_B, GROUP_A)}},
    ).contrasts("name")
    row = named[named["kind"] == "named"].set_index("contrast").loc["B - A"]
    assert raw["estimate"] == pytest.approx(row["estimate"])
    width, audit_width = raw["ci_high"] - raw["ci_low"], row["ci_high"] - row["ci_low"]
    assert width == pytest.approx(audit_width, rel=0.2)
    assert raw["ci_low"] <= -0.05 <= raw["ci_high"]
    terms = report.terms
    hc3 = smf.ols("mean ~ C(group)", data=terms).fit(cov_type="HC3").conf_int()
    assert width > 3 * float(hc3.iloc[1, 1] - hc3.iloc[1, 0])


@pytest.mark.slow
def test_clustered_interval_covers_a_wording_specific_effect() -> None:
    """Over wording draws, the 95% interval of the raw effect covers the true average
    effect (-0.05) most of the time; HC3 misses it most of the time."""
    import statsmodels.formula.api as smf

    hits = hc3_hits = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        swings = rng.normal(0, 0.15, len(WORDINGS))

        def score(text: str, name: str, swings: np.ndarray = swings) -> float:
            effect = swings[wording_of(text, name)] - 0.05 if name in GROUP_B else 0.0
            return 0.7 + effect + jitter(name)

        report = confound_report(audit_of(score), pieces=PIECES, score=None, group="group")
        raw = report.effects.set_index("adjustment").loc["raw"]
        hits += int(raw["ci_low"] <= -0.05 <= raw["ci_high"])
        fit = smf.ols("mean ~ C(group)", data=report.terms).fit(cov_type="HC3")
        lo, hi = fit.conf_int().iloc[1]
        hc3_hits += int(lo <= -0.05 <= hi)
    assert hits >= 10 and hc3_hits <= 4


# the OLS, the fallback interval and Spearman: built here, checked against the libraries ---
def three_groups(seed: int = 3) -> pd.DataFrame:
    """Value means of three groups with word pieces and bare scores (a made-up term table)."""
    rng = np.random.default_rng(seed)
    n = 30
    group = np.repeat(["low", "mid", "top"], n // 3)
    pieces = rng.integers(1, 4, n)
    bare = rng.uniform(0.2, 0.9, n)
    mean = 0.6 - 0.1 * (group == "low") - 0.04 * pieces + 0.2 * bare + rng.normal(0, 0.03, n)
    return pd.DataFrame(
        {
            "slot": "name",
            "value": [f"v{i}" for i in range(n)],
            "group": group,
            "mean": mean,
            "n_pieces": pieces,
            "bare_score": bare,
        }
    )


@pytest.mark.parametrize(
    ("adjustment", "formula"),
    [
        ("raw", ""),
        ("pieces", " + n_pieces"),
        ("pieces+bare_score", " + n_pieces + bare_score"),
        ("strata:pieces", " + C(n_pieces)"),
    ],
)
def test_estimates_and_hc3_intervals_equal_statsmodels_formula_ols(adjustment, formula) -> None:
    """Without per-wording cells: each group's coefficient and HC3 interval and p-value are
    statsmodels' (formula OLS with the reference group as the treatment baseline)."""
    import statsmodels.formula.api as smf

    from biasprobe.scrutiny._confound_effects import group_effects

    terms = three_groups()
    got = group_effects(terms).set_index(["adjustment", "contrast"]).loc[adjustment]
    ref = str(terms.groupby("group")["mean"].mean().idxmax())
    assert ref == "top"
    fit = smf.ols(f"mean ~ C(group, Treatment(reference='top')){formula}", data=terms).fit(
        cov_type="HC3"
    )
    ci = fit.conf_int()
    for level in ("low", "mid"):
        term = f"C(group, Treatment(reference='top'))[T.{level}]"
        row = got.loc[f"{level} - top"]
        assert row["estimate"] == pytest.approx(fit.params[term], abs=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(ci.loc[term]), abs=1e-12)
        assert row["p_value"] == pytest.approx(fit.pvalues[term], rel=1e-9)
        assert row["n_values"] == fit.nobs and row["interval"].startswith("HC3")


def test_replicate_coefficients_equal_a_weighted_fit_each() -> None:
    """The bootstrap's batched normal equations give, replicate by replicate, what a
    weighted least-squares fit of that replicate's value means gives (numpy lstsq)."""
    from biasprobe.scrutiny._confound_effects import _Bootstrap, design

    result = audit_of(lambda text, name: 0.5 + 0.3 * (len(name) % 3 == 0) + jitter(text))
    report = confound_report(result, pieces=PIECES, score=bare, group="group")
    data = report.terms.dropna(subset=["group"])
    cells = result.probes[~result.probes["is_baseline"]].rename(columns={"name": "value"})
    boot = _Bootstrap(data, cells, n_resamples=20, seed=1, key="pieces")
    exog, _ = design(data, ref="A", covariates=("n_pieces",))
    got = boot.coefficients(exog)
    table = cells.pivot_table(index="value", columns="template_id", values="score")
    table = table.reindex(data["value"]).to_numpy()
    for b in range(20):
        means = (table * boot.w_words[b]).sum(axis=1) / boot.w_words[b].sum()
        w = np.sqrt(boot.w_values[b])
        keep = w > 0
        want = np.linalg.lstsq(exog[keep] * w[keep, None], means[keep] * w[keep], rcond=None)[0]
        assert got[b] == pytest.approx(want, abs=1e-10)


def test_spearman_equals_scipy_with_ties() -> None:
    from scipy import stats

    from biasprobe.scrutiny._confound_effects import spearman

    rng = np.random.default_rng(5)
    for n in (5, 12, 40):
        x = rng.integers(0, 4, n).astype(float)  # many ties
        y = x * 0.3 + rng.normal(0, 1, n)
        rho, p = spearman(x, y)
        want = stats.spearmanr(x, y)
        assert rho == pytest.approx(want.statistic, abs=1e-12)
        assert p == pytest.approx(want.pvalue, rel=1e-9)
    for y in (np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])):  # perfect: p is 0
        rho, p = spearman(np.array([0.1, 0.5, 0.9]), y)
        want = stats.spearmanr([0.1, 0.5, 0.9], y)
        assert (rho, p) == pytest.approx((want.statistic, want.pvalue), abs=1e-12)
