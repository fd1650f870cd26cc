"""The HTML audit report: one self-contained file from audit and comparison directories.

The recipe: find what each directory holds (``audit.json`` = an audit, ``compare.json``
= a benchmark comparison, ``checks.json`` = threshold verdicts), read it, build the
views, render the Jinja2 templates in ``biasprobe/report/templates`` (autoescape on for
everything), write one HTML file. CSS, script and images are inlined; a
Content-Security-Policy forbids every network request and every script but the one
sortable-table script. Nothing here calls a model.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import math
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from biasprobe._errors import DataError, UsageError
from biasprobe._folders import CHECKS_FILE, folder_kinds
from biasprobe._io import write_text_atomic
from biasprobe.report._audit_view import AuditView, audit_view
from biasprobe.report._checks_view import checks_table, read_checks
from biasprobe.report._comparison_view import ComparisonView, comparison_view
from biasprobe.report._gaps_view import headline_gaps
from biasprobe.report._limits_view import limits_view
from biasprobe.report._table import Table, table

TEMPLATE = "report.html.j2"
SCRIPT = "sortable.js"
QUALITY_KEYS = ("model", "accuracy", "f1", "auc")
PathArg = str | PathLike[str]


@dataclass
class ReportFolders:
    """The directories of one report, sorted by what they hold."""

    audits: list[Path] = field(default_factory=list)
    comparisons: list[Path] = field(default_factory=list)
    checks: list[Path] = field(default_factory=list)


def classify(dirs: Sequence[PathArg] | PathArg) -> ReportFolders:
    """Sort directories into audits, comparisons and check results."""
    folders = [dirs] if isinstance(dirs, str | PathLike) else list(dirs)
    if not folders:
        raise UsageError("give at least one audit or comparison directory")
    found = ReportFolders()
    for raw in folders:
        folder = Path(raw)
        if not folder.is_dir():
            raise DataError(f"{folder}: not a directory; give audit or comparison directories")
        kinds = {"audit": found.audits, "comparison": found.comparisons, "checks": found.checks}
        hits = folder_kinds(folder)
        if not hits:
            raise DataError(
                f"{folder}: no audit.json, compare.json or checks.json; give a directory "
                "written by 'biasprobe audit --out', 'biasprobe compare --out' or a check run"
            )
        for name in hits:
            if name in kinds and folder not in kinds[name]:  # diff folders: not drawn yet
                kinds[name].append(folder)
    return found


def build_report(
    dirs: Sequence[PathArg] | PathArg, *, out: PathArg, title: str | None = None
) -> Path:
    """Write one self-contained HTML report of audit and comparison directories.

    Parameters
    ----------
    dirs
        Audit directories (``biasprobe audit --out``), comparison directories
        (``biasprobe compare --out``) and folders holding ``checks.json``, in any order.
    out
        The HTML file to write.
    title
        The report's title; by default it names the template sets and models.

    Returns
    -------
    pathlib.Path
        The written file. It makes no network request when opened.

    Examples
    --------
    >>> import biasprobe
    >>> biasprobe.build_report(["reports/country"], out="out/report.html")  # doctest: +SKIP
    PosixPath('out/report.html')
    """
    target = Path(out)
    if target.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{target}: the report is HTML; give an --out path ending in .html")
    html = render_report(dirs, title=title, out=target)
    write_text_atomic(target, html)
    return target


def render_report(
    dirs: Sequence[PathArg] | PathArg, *, title: str | None = None, out: Path | None = None
) -> str:
    """The report as an HTML string (``build_report`` writes it to a file)."""
    from biasprobe.audits._result import load_audit
    from biasprobe.report._maps_view import map_figures
    from biasprobe.report._multi_view import expand_multi, multi_views

    folders, multi = expand_multi(dirs)  # multi-model folders: their models' audits + diffs
    sources = classify(folders)
    audits = [audit_view(load_audit(p), path=p, index=i) for i, p in enumerate(sources.audits)]
    for view in audits:
        for slot in view.slots:
            prefix = f"{view.id}-{slot.slot}"
            slot.figures = map_figures(
                view.result, slot.slot, prefix=prefix, folder=Path(view.path)
            )
    comparisons = [comparison_view(p, index=i) for i, p in enumerate(sources.comparisons)]
    limits = [limits_view(v.result, path=Path(v.path), title=v.title) for v in audits]
    checks = checks_table([read_checks(p / CHECKS_FILE) for p in sources.checks])
    env = environment()
    script = env.loader.get_source(env, SCRIPT)[0]  # type: ignore[union-attr]
    return env.get_template(TEMPLATE).render(
        title=title or default_title(audits, comparisons),
        audits=audits,
        limits=limits,
        comparisons=comparisons,
        checks=checks,
        models=multi_views(multi),
        gaps=headline_gaps(audits),
        headline=headline_table(comparisons),
        quality=quality_table(comparisons),
        command=report_command(dirs, out),
        generated=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        version=_version(),
        script=Markup(script),
        csp=content_security_policy(script),
    )


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report templates; autoescape is on for every file."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("biasprobe.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["finite"] = lambda x: isinstance(x, int | float) and math.isfinite(x)
    return env


def content_security_policy(script: str) -> str:
    """No network, no plugins; only inline styles, data: images and this one script."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def headline_table(comparisons: list[ComparisonView]) -> Table | None:
    """Each model x benchmark: mean paired difference with CI and the finding."""
    if not comparisons:
        return None
    rows = pd.concat([c.overall_frame for c in comparisons], ignore_index=True)
    keys = {"model", "benchmark", "n", "mean_diff", "diff_ci_low", "diff_ci_high"}
    keys |= {"share_a_higher", "finding"}
    from biasprobe.report._comparison_view import OVERALL_COLUMNS

    return table(rows, [c for c in OVERALL_COLUMNS if c.key in keys], id="summary-benchmarks")


def quality_table(comparisons: list[ComparisonView]) -> Table | None:
    """Task quality (SST-2 dev) of every compared model."""
    tables = [c.utility for c in comparisons if c.utility is not None and c.utility.rows]
    if not tables:
        return None
    keep = [i for i, c in enumerate(tables[0].columns) if c.key in QUALITY_KEYS]
    columns = [tables[0].columns[i] for i in keep]
    merged = Table(id="summary-quality", columns=columns, rows=[], sortable=False)
    for t in tables:
        merged.rows.extend([row[i] for i in keep] for row in t.rows)
    return merged


def default_title(audits: list[AuditView], comparisons: list[ComparisonView]) -> str:
    parts = [v.title for v in audits]
    if comparisons:
        parts.append("benchmark comparison")
    return "Bias audit: " + "; ".join(dict.fromkeys(parts))


def report_command(dirs: Sequence[PathArg] | PathArg, out: Path | None) -> str:
    folders = [dirs] if isinstance(dirs, str | PathLike) else list(dirs)
    parts = ["biasprobe", "report", *map(str, folders), "--out", str(out or "report.html")]
    return shlex.join(parts)


def _version() -> str:
    from biasprobe._provenance import biasprobe_version

    return biasprobe_version()
