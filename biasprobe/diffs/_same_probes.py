"""Whether two audits scored the same probes, and if not, what differs (one line)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from biasprobe._errors import DataError


def probe_differences(meta_a: dict[str, Any], meta_b: dict[str, Any]) -> list[str]:
    """What differs between two audits' template sets and lexicons (empty: the same).

    Audits built without a template set record (a bare ``AuditResult``) are compared by
    their probe texts only (``paired_rows``).
    """
    out: list[str] = []
    if not (meta_a.get("template_set") and meta_b.get("template_set")):
        return out
    set_a, set_b = meta_a.get("template_set") or {}, meta_b.get("template_set") or {}
    for key, what in (("name", "set"), ("version", "set version")):
        if set_a.get(key) != set_b.get(key):
            out.append(f"{what} {set_a.get(key)!r} vs {set_b.get(key)!r}")
    temps_a = {t.get("id"): t.get("text") for t in set_a.get("templates", [])}
    temps_b = {t.get("id"): t.get("text") for t in set_b.get("templates", [])}
    changed = sorted(k for k in set(temps_a) | set(temps_b) if temps_a.get(k) != temps_b.get(k))
    if changed:
        out.append(f"templates {', '.join(map(str, changed[:3]))}")
    slots_a, slots_b = set_a.get("slots") or {}, set_b.get("slots") or {}
    for slot in sorted(set(slots_a) | set(slots_b)):
        a, b = slots_a.get(slot) or {}, slots_b.get(slot) or {}
        if a.get("lexicon") != b.get("lexicon"):
            out.append(f"lexicon of {slot} {a.get('lexicon')!r} vs {b.get('lexicon')!r}")
        if (a.get("neutral") or {}) != (b.get("neutral") or {}):
            na, nb = (a.get("neutral") or {}).get("value"), (b.get("neutral") or {}).get("value")
            out.append(f"neutral filler of {slot} {na!r} vs {nb!r}")
    lex_a, lex_b = meta_a.get("lexicons") or {}, meta_b.get("lexicons") or {}
    for slot in sorted(set(lex_a) & set(lex_b)):
        for key in ("name", "version", "n"):
            va, vb = lex_a[slot].get(key), lex_b[slot].get(key)
            if va != vb:
                out.append(f"lexicon {slot} {key} {va!r} vs {vb!r}")
    return out


def paired_rows(
    a: pd.DataFrame, b: pd.DataFrame, *, slots: list[str], labels: tuple[str, str]
) -> pd.DataFrame:
    """The scored probes of two audits side by side (``score_a``, ``score_b``, ``diff``).

    Paired by ``probe_id``; every probe must have the same text in both, else
    ``DataError`` says how many differ and shows the first.
    """
    cols = ["probe_id", "text", "template_id", "is_baseline", *slots, "score"]
    left = a[cols].rename(columns={"score": "score_a"})
    right = b[["probe_id", "text", "score"]].rename(columns={"score": "score_b", "text": "text_b"})
    both = left.merge(right, on="probe_id", how="outer", indicator=True)
    only = both["_merge"] != "both"
    unequal = ~only & (both["text"] != both["text_b"])
    if only.any() or unequal.any():
        bad = both[only | unequal].iloc[0]
        raise DataError(
            f"cannot diff {labels[0]} and {labels[1]}: {int((only | unequal).sum())} of "
            f"{len(both)} probes differ (probe {bad['probe_id']}: {bad['text']!r} vs "
            f"{bad['text_b']!r}); audit both with the same template set and lexicons"
        )
    both = both.drop(columns=["_merge", "text_b"])
    both["diff"] = both["score_b"] - both["score_a"]
    return both


def check_same_probes(
    meta_a: dict[str, Any], meta_b: dict[str, Any], labels: tuple[str, str]
) -> None:
    """Raise ``DataError`` (one line) when the two audits' probes were built differently."""
    diffs = probe_differences(meta_a, meta_b)
    if diffs:
        raise DataError(
            f"cannot diff {labels[0]} and {labels[1]}: the probes differ ({'; '.join(diffs)}); "
            "audit both with the same template set and lexicons"
        )
