"""``diff_folders``: the diff of two output folders of the same kind (audit or comparison)."""

from __future__ import annotations

from pathlib import Path

from biasprobe._errors import DataError
from biasprobe._folders import folder_kinds
from biasprobe.diffs._diff import DiffResult, diff_audits
from biasprobe.diffs._model_names import model_name

KINDS = ("audit", "comparison")


def diff_folders(
    folder_a: str | Path,
    folder_b: str | Path,
    *,
    n_bootstrap: int | None = None,
    confidence: float | None = None,
    seed: int | None = None,
) -> DiffResult:
    """Paired differences, B minus A, of two audit folders (probes paired by probe_id) or
    two comparison folders (pairs paired by pair_id).

    Raises
    ------
    DataError
        When a folder is neither kind, the kinds differ, or the probes/pairs differ.
    """
    a, b = Path(folder_a), Path(folder_b)
    kind_a, kind_b = _kind(a), _kind(b)
    if kind_a != kind_b:
        raise DataError(
            f"cannot diff {kind_a} folder {a} with {kind_b} folder {b}; give two of one kind"
        )
    if kind_a == "audit":
        from biasprobe.audits._result import load_audit

        ra, rb = load_audit(a), load_audit(b)
        names = _names(
            model_name(ra.metadata.get("model") or {}),
            model_name(rb.metadata.get("model") or {}),
            a,
            b,
        )
        return diff_audits(
            ra, rb, names=names, n_bootstrap=n_bootstrap, confidence=confidence, seed=seed
        )
    from biasprobe.comparisons._comparison import load_comparison
    from biasprobe.diffs._diff_pairs import diff_comparisons

    ca, cb = load_comparison(a), load_comparison(b)
    return diff_comparisons(
        ca,
        cb,
        names=_names(a.name, b.name, a, b),
        n_bootstrap=n_bootstrap or int(ca.metadata.get("n_bootstrap", 2000)),
        confidence=confidence or ca.confidence,
        seed=int(ca.metadata.get("seed", 0)) if seed is None else seed,
    )


def _names(na: str, nb: str, a: Path, b: Path) -> tuple[str, str]:
    if na != nb:
        return na, nb
    return (a.name, b.name) if a.name != b.name else (f"{na} (A)", f"{nb} (B)")


def _kind(folder: Path) -> str:
    kinds = [k for k in folder_kinds(folder) if k in KINDS]
    if not kinds:
        raise DataError(
            f"{folder}: neither an audit folder (audit.json) nor a comparison folder "
            "(compare.json); give two folders written by biasprobe audit or compare"
        )
    return kinds[0]
