"""The public surface: one definition of the scorer options, typed exports, stable shapes."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biasprobe
from biasprobe import ScorerOptions, UsageError
from biasprobe._defaults import DEFAULT_CONFIDENCE, DEFAULT_N_BOOTSTRAP, DEFAULT_SEED
from biasprobe.cli import build_parser

REPO = Path(__file__).resolve().parents[1]


def keyword_defaults(fn: object) -> dict[str, object]:
    params = inspect.signature(fn).parameters.values()  # type: ignore[arg-type]
    return {p.name: p.default for p in params if p.kind is p.KEYWORD_ONLY}


def test_scorer_options_mirror_load_scorer() -> None:
    # load_scorer's keywords are the options' one definition; the dataclass cannot drift.
    fields = {name: f.default for name, f in ScorerOptions.__dataclass_fields__.items()}
    assert fields == keyword_defaults(biasprobe.load_scorer)


@pytest.mark.parametrize("fn", [biasprobe.audit, biasprobe.compare])
def test_audit_and_compare_do_not_repeat_the_scorer_options(fn: object) -> None:
    params = inspect.signature(fn).parameters  # type: ignore[arg-type]
    assert not set(ScorerOptions.__dataclass_fields__) & set(params)
    assert "options" in params and params["scorer_options"].kind is inspect.Parameter.VAR_KEYWORD


def fake(texts: list[str]) -> np.ndarray:
    pos = np.array([(len(t) % 7) / 7 for t in texts])
    return np.column_stack([1 - pos, pos])


def test_options_object_and_keywords_are_the_same() -> None:
    run = {"model": fake, "cache": None, "progress": False, "n_bootstrap": 50}
    by_object = biasprobe.audit("religion", options=ScorerOptions(batch_size=3), **run)
    by_keyword = biasprobe.audit("religion", batch_size=3, **run)
    pd.testing.assert_frame_equal(by_object.by_group(), by_keyword.by_group())
    with pytest.raises(UsageError, match="unknown scorer option 'batchsize'; valid: device"):
        biasprobe.audit("religion", batchsize=3, **run)  # type: ignore[call-arg]
    with pytest.raises(UsageError, match="batch size must be at least 1, got 0"):
        biasprobe.audit("religion", options=ScorerOptions(batch_size=0), **run)


def test_cli_defaults_are_the_library_defaults() -> None:
    args = build_parser().parse_args(["audit", "country", "--out", "x"])
    library = keyword_defaults(biasprobe.audit)
    assert (
        (args.seed, args.n_bootstrap, args.confidence)
        == (
            library["seed"],
            library["n_bootstrap"],
            library["confidence"],
        )
        == (DEFAULT_SEED, DEFAULT_N_BOOTSTRAP, DEFAULT_CONFIDENCE)
    )
    assert args.max_probes == library["max_probes"]
    assert args.model == library["model"] == biasprobe.DEFAULT_MODEL
    options = ScorerOptions()
    assert (args.device, args.batch_size, args.dtype) == (
        options.device,
        options.batch_size,
        options.dtype,
    )


def test_every_public_name_is_visible_to_type_checkers() -> None:
    # Names resolved lazily through __getattr__ must also be imported under TYPE_CHECKING,
    # or mypy and IDEs see `object`.
    tree = ast.parse((REPO / "biasprobe" / "__init__.py").read_text(encoding="utf-8"))
    typed: set[str] = set()
    eager: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            typed |= {a.asname or a.name for n in node.body for a in n.names}  # type: ignore[attr-defined]
        elif isinstance(node, ast.ImportFrom):
            eager |= {a.asname or a.name for a in node.names}
    lazy_names = set(biasprobe._LAZY)  # type: ignore[attr-defined]
    assert lazy_names <= typed
    assert set(biasprobe.__all__) <= typed | eager | {"__version__"}


def test_one_line_exports_have_numpy_docstrings() -> None:
    missing = []
    for name in biasprobe.__all__:
        obj = getattr(biasprobe, name)
        if callable(obj) and not isinstance(obj, type(BaseException)):
            doc = inspect.getdoc(obj) or ""
            if not doc or len(doc.splitlines()) < 2:
                missing.append(name)
    assert missing == []


def test_summary_has_one_type_on_both_result_objects() -> None:
    audit = biasprobe.audit("religion", model=fake, cache=None, progress=False, n_bootstrap=50)
    comparison = biasprobe.load_comparison(REPO / "reports" / "compare")
    assert isinstance(audit.summary(), pd.DataFrame)
    assert isinstance(comparison.summary(), pd.DataFrame)
    assert list(audit.summary()["template_id"]) == ["all"]
    assert audit.report_lines()[2].startswith("religion: gap ")


def test_load_comparison_reads_what_save_wrote(tmp_path: Path) -> None:
    original = biasprobe.load_comparison(REPO / "reports" / "compare")
    out = original.save(tmp_path / "again")
    again = biasprobe.load_comparison(out)
    pd.testing.assert_frame_equal(again.summary(), original.summary())
    pd.testing.assert_frame_equal(again.utility(), original.utility())
    assert len(again.pairs) == len(original.pairs) > 0
    # the summary is read as written, not recomputed: it equals the file on disk
    on_disk = pd.read_csv(REPO / "reports" / "compare" / "summary.csv")
    np.testing.assert_allclose(original.summary()["mean_diff"], on_disk["mean_diff"])


def test_iter_probes_takes_what_expand_takes() -> None:
    tset = biasprobe.load_template_set("religion")
    chunks = list(biasprobe.iter_probes(tset, chunk_size=50))
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), biasprobe.expand(tset))
    assert max(len(c) for c in chunks) == 50


def test_shipped_templates_cannot_drift_from_the_user_facing_copy() -> None:
    # templates/ at the repository root is a link to the package data the wheel ships.
    link = REPO / "templates"
    assert link.is_symlink()
    assert link.resolve() == (REPO / "biasprobe" / "data" / "templates").resolve()
    from biasprobe.probes._template_set import template_dir

    assert template_dir().resolve() == link.resolve()
    assert sorted(p.name for p in link.glob("*.yaml")) == sorted(
        f"{name}.yaml" for name in biasprobe.shipped_sets()
    )
