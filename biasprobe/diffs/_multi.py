"""Several models in one audit: every model scores the same probes, then paired diffs.

``audit_models`` runs ``audit`` once per model (same template set, seed and statistics;
each model with its own scorer options: a revision, a dtype build) and diffs every model
against the first (the reference). ``MultiAudit.save(DIR)`` writes each model's usual
outputs to ``DIR/<name>/``, ``models.json`` (names, folders, fingerprints), and the diff:
with two models in ``DIR`` itself, with more in ``DIR/diffs/<name>/`` (each against the
reference). ``load_multi`` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from biasprobe._errors import DataError, UsageError
from biasprobe._io import write_atomic, write_text_atomic
from biasprobe.audits._audit import audit
from biasprobe.audits._result import AuditResult, load_audit
from biasprobe.diffs._diff import DiffResult, diff_audits, load_diff
from biasprobe.diffs._model_names import model_name, unique_names
from biasprobe.diffs._model_spec import as_spec
from biasprobe.diffs._quality import quality_table, sst2_predictions, task_quality
from biasprobe.probes._template_set import TemplateSet, load_template_set
from biasprobe.scoring._cache import USE_DEFAULT_CACHE, resolve_cache_path
from biasprobe.scoring._options import ScorerOptions
from biasprobe.scoring._scorer import load_scorer

MODELS_FILE = "models.json"
QUALITY_FILE = "quality.csv"


class MultiAudit:
    """Audits of the same probes by several models, and each one's diff to the first.

    Attributes
    ----------
    audits
        Model name to ``AuditResult``, in the order given (the first is the reference).
    diffs
        Model name (every model but the first) to its ``DiffResult`` against the reference.
    quality
        Bias against task quality (``quality_table``): per model and slot, the gap and the
        SST-2 dev accuracy/F1 with CIs and the Pareto front; ``None`` unless measured.
    """

    def __init__(
        self,
        audits: dict[str, AuditResult],
        diffs: dict[str, DiffResult],
        quality: pd.DataFrame | None = None,
    ) -> None:
        self.audits = audits
        self.diffs = diffs
        self.quality = quality

    @property
    def names(self) -> list[str]:
        return list(self.audits)

    @property
    def reference(self) -> str:
        """The first model's name: every diff is another model minus this one."""
        return self.names[0]

    def diff(self, name: str | None = None) -> DiffResult:
        """The diff of model ``name`` (default: the second model) against the reference."""
        key = name or self.names[1]
        if key not in self.diffs:
            raise UsageError(f"no diff for {key!r}; diffs: {', '.join(self.diffs)}")
        return self.diffs[key]

    def save(self, out_dir: str | Path) -> Path:
        """Write DIR/<name>/ per model, the diff(s) and models.json."""
        out = Path(out_dir)
        for name, result in self.audits.items():
            result.save(out / name)
        for name, d in self.diffs.items():
            d.save(self._diff_dir(out, name))
        record = {
            "reference": self.reference,
            "models": [
                {
                    "name": name,
                    "folder": name,
                    "model": (r.metadata.get("model") or {}).get("model"),
                    "fingerprint": (r.metadata.get("model") or {}).get("fingerprint"),
                    "revision": (r.metadata.get("model") or {}).get("revision"),
                    "dtype": (r.metadata.get("model") or {}).get("dtype"),
                }
                for name, r in self.audits.items()
            ],
            "diffs": {name: str(self._diff_dir(out, name).relative_to(out)) for name in self.diffs},
        }
        if self.quality is not None:
            write_atomic(out / QUALITY_FILE, partial(self.quality.to_csv, index=False))
        write_text_atomic(out / MODELS_FILE, json.dumps(record, indent=2, default=str) + "\n")
        return out

    def _diff_dir(self, out: Path, name: str) -> Path:
        return out if len(self.diffs) == 1 else out / "diffs" / name

    def report_lines(self) -> list[str]:
        """Each model's headline lines, then each diff's."""
        lines: list[str] = []
        for name, result in self.audits.items():
            lines += [f"[{name}]", *result.report_lines()]
        for d in self.diffs.values():
            lines += d.report_lines()
        return lines

    def __repr__(self) -> str:
        return "MultiAudit(\n  " + "\n  ".join(self.report_lines()) + "\n)"


def audit_models(
    templates: str | Path | TemplateSet,
    *,
    models: Sequence[Any],
    options: ScorerOptions | None = None,
    utility_data: str | Path | None = None,
    **kwargs: Any,
) -> MultiAudit:
    """Audit several models on the same probes and diff each against the first.

    Parameters
    ----------
    templates
        A shipped set name, a YAML path, or a ``TemplateSet``.
    models
        At least two: Hub ids, local folders, callables, scorers, ``ModelSpec`` objects or
        spec strings (``"PATH,fast=int8"``, ``"org/m,revision=v2"``; keys revision, fast,
        dtype, name). Names in outputs are unique (``-2`` appended to repeats).
    utility_data
        A folder laid out like ``../shared/datasets`` (``sst2/dev.tsv``): measure each
        model's SST-2 dev accuracy and F1 (bias against task quality, ``MultiAudit.quality``).
    options, **kwargs
        Shared scorer options and every other keyword of ``audit`` (cache, seed,
        n_bootstrap, confidence, ...); a model's own spec overrides the scorer options.

    Examples
    --------
    >>> flat = lambda texts: [[0.5, 0.5]] * len(texts)
    >>> multi = audit_models("religion", models=[flat, flat], cache=None, progress=False)
    >>> multi.diff().verdict
    'no change'
    """
    specs = [as_spec(m) for m in models]
    if len(specs) < 2:
        raise UsageError(f"audit_models needs at least two models, got {len(specs)}")
    tset = templates if isinstance(templates, TemplateSet) else load_template_set(templates)
    scorer_keys = set(ScorerOptions.__dataclass_fields__)
    shared = ScorerOptions.of(options, {k: v for k, v in kwargs.items() if k in scorer_keys})
    rest = {k: v for k, v in kwargs.items() if k not in scorer_keys}
    sst2 = _load_sst2(utility_data)
    results, quality = [], []
    for spec in specs:
        scorer = load_scorer(spec.model, **replace(shared, **spec.overrides).as_kwargs())
        results.append(audit(tset, model=scorer, **rest))
        if sst2 is not None:
            quality.append(
                _quality(scorer, sst2, results[-1], rest.get("cache", USE_DEFAULT_CACHE))
            )
    found = [
        s.name or model_name(r.metadata.get("model") or {})
        for s, r in zip(specs, results, strict=True)
    ]
    names = unique_names(found)
    for name, r in zip(names, results, strict=True):
        r.metadata["model_name"] = name
    audits = dict(zip(names, results, strict=True))
    ref = names[0]
    diffs = {n: diff_audits(audits[ref], audits[n], names=(ref, n)) for n in names[1:]}
    table = quality_table(audits, dict(zip(names, quality, strict=True))) if quality else None
    return MultiAudit(audits, diffs, table)


def _load_sst2(data: str | Path | None) -> pd.DataFrame | None:
    if data is None:
        return None
    from biasprobe.comparisons._sst2 import load_sst2

    return load_sst2(data_dir=data)


def _quality(scorer: Any, sst2: pd.DataFrame, result: AuditResult, cache: Any) -> dict[str, float]:
    path = resolve_cache_path(cache)
    preds = sst2_predictions(scorer, sst2, cache=path)
    boot = result.boot
    return task_quality(
        sst2["label"],
        preds,
        n_bootstrap=boot.n_resamples,
        confidence=boot.confidence,
        seed=boot.seed,
    )


def load_multi(path: str | Path) -> MultiAudit:
    """Read a folder written by ``MultiAudit.save`` / ``biasprobe audit --model A --model B``.

    Raises
    ------
    DataError
        When ``models.json`` or a model's audit folder is missing.
    """
    folder = Path(path)
    record_path = folder / MODELS_FILE
    if not record_path.is_file():
        raise DataError(f"{record_path}: not found; is {folder} a multi-model audit folder?")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    audits = {m["name"]: load_audit(folder / m["folder"]) for m in record["models"]}
    diffs = {name: load_diff(folder / sub) for name, sub in record["diffs"].items()}
    quality = pd.read_csv(folder / QUALITY_FILE) if (folder / QUALITY_FILE).is_file() else None
    return MultiAudit(audits, diffs, quality)
