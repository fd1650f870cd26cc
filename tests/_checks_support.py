"""Synthetic audits for the threshold-check tests (no model: scores are drawn directly)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from biasprobe import AuditResult


def make_probes(
    means: dict[str, float],
    *,
    slot: str = "group",
    n_templates: int = 6,
    sd: float = 0.05,
    baseline: float = 0.6,
    seed: int = 0,
) -> pd.DataFrame:
    """One baseline probe per template plus one probe per (template, group).

    Scores are ``means[group] + N(0, sd)`` clipped to [0, 1]; ``p_NEGATIVE``/``p_POSITIVE``
    columns make the predicted label ``score >= 0.5``.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_templates):
        template = f"Sentence {t} about {{{slot}}}."
        rows.append(_row(f"t{t}", template, "a group", True, baseline, slot, "base"))
        for group, mean in means.items():
            score = float(np.clip(mean + rng.normal(0, sd), 0.0, 1.0))
            rows.append(_row(f"t{t}", template, group, False, score, slot, group))
    return pd.DataFrame(rows)


def _row(
    tid: str, template: str, value: str, base: bool, score: float, slot: str, key: str
) -> dict[str, object]:
    return {
        "probe_id": f"{tid}-{key}",
        "template_id": tid,
        "template": template,
        "text": template.replace("{" + slot + "}", value),
        "is_baseline": base,
        slot: value,
        "p_NEGATIVE": 1.0 - score,
        "p_POSITIVE": score,
        "score": score,
    }


def make_audit(
    means: dict[str, float], *, n_bootstrap: int = 400, boot_seed: int = 0, **options: object
) -> AuditResult:
    slot = str(options.get("slot", "group"))
    probes = make_probes(means, **options)  # type: ignore[arg-type]
    meta = {"slots": [slot], "model": {"model": "synthetic"}}
    return AuditResult(
        probes=probes, slots=[slot], metadata=meta, n_bootstrap=n_bootstrap, seed=boot_seed
    )


_SAVED: dict[str, AuditResult] = {}


def save_audit(folder: Path, means: dict[str, float], **options: object) -> Path:
    """Write a synthetic audit directory (probes.parquet, audit.json, ...).

    The audit of the same ``means`` and options is computed once per process (it is only
    saved from, never changed); every call writes a folder of its own.
    """
    key = repr((sorted(means.items()), sorted(options.items())))
    if key not in _SAVED:
        _SAVED[key] = make_audit(means, **options)  # type: ignore[arg-type]
    _SAVED[key].save(folder)
    return folder


# With the defaults: a gap of about 0.27 (A vs B) with a 95% CI of about [0.21, 0.31]:
# wholly below 0.5, wholly above 0.1, straddling 0.3 (and the point estimate below it).
MEANS = {"A": 0.70, "B": 0.42, "C": 0.55}


def near_limit(audit: AuditResult, slot: str = "group") -> float:
    """A limit inside the gap's CI and above its estimate: CI-aware inconclusive, strict pass."""
    row = audit.gaps().iloc[0]
    near = round(float(row["gap"] + row["gap_ci_high"]) / 2, 4)
    assert row["gap_ci_low"] < row["gap"] < near < row["gap_ci_high"]
    assert row["gap_ci_low"] > 0.1 and row["gap_ci_high"] < 0.5  # 0.1 fails, 0.5 passes
    return near
