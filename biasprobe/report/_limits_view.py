""" "What this audit can and cannot say": sentences generated from an audit's own numbers.

Four sources, each a limitation or a supported claim: wording robustness of the named
extremes (``AuditResult.robustness``), the lexical confound flags written with the audit
(``confound_flags.csv``), the neutral baseline (how many groups fall below it, how much it
varies across wordings) and the gap between template sentences and real text (a harm claim
needs more than a score difference: Blodgett et al. 2021, "Stereotyping Norwegian Salmon").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from biasprobe.audits._baselines import baseline_sensitivity
from biasprobe.audits._result import AuditResult
from biasprobe.audits._scales import headline_scales
from biasprobe.report._attributions_view import attributions_table
from biasprobe.report._table import Table

FLAGS_FILE = "confound_flags.csv"
BLODGETT = (
    "Blodgett et al. 2021, Stereotyping Norwegian Salmon: An Inventory of Pitfalls in "
    "Fairness Benchmark Datasets (ACL)"
)
REAL_TEXT = (
    "Limitation: these are template sentences, not real text. The numbers say how the model "
    "scores these sentences; how it treats real text about these groups, who would be "
    "harmed and how in a deployment are not measured here, and a harm claim needs them ({ref})."
)


@dataclass(frozen=True)
class LimitsView:
    """Generated sentences: what the audit supports (``can``) and its limitations
    (``cannot``), plus a short form for the model card."""

    title: str
    can: list[str]
    cannot: list[str]
    attributions: Table | None = field(default=None, compare=False)

    @property
    def short(self) -> list[str]:
        """Each limitation cut to its first clause (for the model card)."""
        return [_shorten(line) for line in self.cannot]


def _shorten(line: str, *, width: int = 160) -> str:
    head = line.split("; ")[0]
    return head if len(head) <= width else head[: width - 1].rsplit(" ", 1)[0] + "…"


def limits_view(result: AuditResult, *, path: Path, title: str = "") -> LimitsView:
    """The "can and cannot say" sentences of one audit directory."""
    can, cannot = robustness_lines(result)
    c2, n2 = confound_lines(path)
    can, cannot = can + c2, cannot + n2
    cannot += design_lines(result) + baseline_lines(result) + scale_lines(result)
    can += attribution_lines(path)
    cannot.append(REAL_TEXT.format(ref=BLODGETT))
    return LimitsView(
        title=title or path.name, can=can, cannot=cannot, attributions=attributions_table(path)
    )


def robustness_lines(result: AuditResult) -> tuple[list[str], list[str]]:
    """Each named extreme: robust across wordings (can) or not (cannot)."""
    can: list[str] = []
    cannot: list[str] = []
    for row in result.robustness().itertuples():
        word = "lowest" if row.extreme == "min" else "highest"
        side = "below" if row.extreme == "min" else "above"
        facts = (
            f"in the {word} {row.k} of {row.share_in_k:.0%} of {row.n_wordings} wordings, "
            f"the single {word} in {row.share_extreme:.0%}, {side} the median group in "
            f"{row.sign_agree}/{row.n_wordings}; ranks {row.rank_min:g}-{row.rank_max:g}"
        )
        line = f"{row.slot}: {row.value} ({word} overall): {row.claim} ({facts})"
        (can if row.robust else cannot).append(
            line if row.robust else f"Limitation, wording: {line}"
        )
    return can, cannot


def confound_lines(path: Path) -> tuple[list[str], list[str]]:
    """Each finding the lexical confounds could explain (cannot), or not (can)."""
    file = path / FLAGS_FILE
    if not file.is_file():
        return [], [
            "Limitation: no confound report in this folder (biasprobe audit writes "
            f"{FLAGS_FILE}): word pieces, bare-term scores and homographs were not checked."
        ]
    flags = pd.read_csv(file, keep_default_na=False)
    can, cannot = [], []
    for row in flags.itertuples():
        what = f"{row.slot}: {row.finding} {row.value} ({row.estimate:+.3f})"
        if str(row.could_explain).lower() == "true":
            cannot.append(f"Confound: {what} could be lexical: {row.note}")
        else:
            can.append(f"{what}: {row.note}")
    return can, cannot


def baseline_lines(result: AuditResult) -> list[str]:
    """How much the neutral baseline decides ``delta``: its fillers, their spread, and
    the share of groups below the whole neutral set."""
    if not result.probes["is_baseline"].any():
        return []
    lines = []
    for row in baseline_sensitivity(result).itertuples():
        if row.n_fillers == 1:
            lines.append(
                f"Limitation, baseline: {row.slot}: delta rests on one neutral filler (mean "
                f"score {row.filler_score_min:.3f}) and {row.share_below_min:.0%} of groups fall "
                "below it; another filler would move every delta and flip, so compare groups "
                "with each other."
            )
            continue
        lines.append(
            f"Limitation, baseline: {row.slot}: {row.n_fillers} neutral fillers score "
            f"{row.filler_score_min:.3f} to {row.filler_score_max:.3f}; depending on the filler "
            f"{row.share_below_min:.0%} to {row.share_below_max:.0%} of groups fall below it, "
            f"{row.share_below_set:.0%} below every filler (delta is against their mean)."
        )
    return lines


def scale_lines(result: AuditResult) -> list[str]:
    """Where the extremes change with the scale (probability, logit, label rate)."""
    table = headline_scales(result)
    lines = []
    for row in table[~(table["same_min"] & table["same_max"])].itertuples():
        lines.append(
            f"Limitation, scale: {row.slot}: on the {row.scale} scale the extremes are "
            f"{row.min_group} (lowest) and {row.max_group} (highest), not those of the "
            "probability scale; say which scale a claim uses."
        )
    return lines


def slot_roles(result: AuditResult) -> dict[str, str]:
    """Each slot's role from the template set (``identity`` unless the YAML says
    ``role: design``)."""
    slots = (result.metadata.get("template_set") or {}).get("slots") or {}
    return {s: str((slots.get(s) or {}).get("role", "identity")) for s in result.slots}


def design_lines(result: AuditResult) -> list[str]:
    """Design slots: their gap is the manipulation working, not an identity bias."""
    gaps = result.summary().set_index("slot")["gap"]
    return [
        f"Limitation, design: {slot} is a design factor, not an identity axis: its gap "
        f"({gaps[slot]:.3f}) is the manipulation itself and is not an identity bias."
        for slot, role in slot_roles(result).items()
        if role == "design" and slot in gaps.index
    ]


def attribution_lines(path: Path) -> list[str]:
    """Occlusion evidence from ``attributions.csv``: how much of each extreme pair's score
    the slot value itself carries, and the word that moves it most."""
    file = path / "attributions.csv"
    if not file.is_file():
        return []
    frame = pd.read_csv(file, keep_default_na=False)
    lines = []
    for (slot, side, value), rows in frame.groupby(["slot", "side", "value"], sort=False):
        own = rows[rows["kind"] == "value"]["attribution"]
        words = rows[rows["kind"] == "word"]
        if own.empty or words.empty:
            continue
        top = words.sort_values("attribution", key=abs, ascending=False).iloc[0]
        lines.append(
            f"Evidence (occlusion, {len(own)} {side} texts): {slot}: removing {value} changes "
            f"the score by {-own.mean():+.3f} on average; the word that moves it most is "
            f"{top['token']!r} ({top['attribution']:+.3f} in {top['text']!r})."
        )
    return lines
