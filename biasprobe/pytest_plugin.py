"""pytest plugin (entry point ``pytest11``): bias checks as ordinary tests.

- Options ``--biasprobe-*`` (and ``biasprobe_*`` ini keys): model, templates, audit
  directory, cache, strictness, inconclusive policy, baseline, report.
- Fixtures: ``biasprobe_audit`` (a ``CheckedAudit``; the audit runs or loads once per
  session and template set), ``biasprobe_audits`` (the session store) and
  ``biasprobe_model`` (override it to score with a callable).
- Marker ``@pytest.mark.biasprobe(templates=..., strict=..., inconclusive=...)``.
- ``assert biasprobe_audit.gap("country") < 0.1`` gets a CI-aware verdict and a
  fixed-shape failure message; the session ends with a table of every check.

Nothing heavy happens unless a test uses the fixtures or runs a check.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any, NoReturn

import pytest

FIXTURES = frozenset({"biasprobe_audit", "biasprobe_audits", "biasprobe_diff"})
MARKER_KEYS = ("inconclusive", "strict", "templates")
OPTIONS: dict[str, tuple[str, str]] = {
    "model": ("MODEL", "model to audit: Hub id or local folder (default: DistilBERT SST-2)"),
    "templates": ("SET", "template set: shipped name or YAML path (default: country)"),
    "audit-dir": ("DIR", "load this audit directory (biasprobe audit --out), run no model"),
    "diff-dir": ("DIR", "diff folder for biasprobe_diff (biasprobe diff --out)"),
    "cache": ("PATH", "SQLite score cache, or 'none' (default: ~/.cache/biasprobe/...)"),
    "inconclusive": (
        "POLICY",
        "inconclusive checks: fail or warn (default: fail; warn for baseline limits)",
    ),
    "baseline": ("FILE", "baseline metrics JSON for 'metric <= baseline + 0.02' checks"),
    "report": ("FILE", "write every check's result to this JSON file"),
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_STATE = pytest.StashKey["_State"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("biasprobe", "bias checks (biasprobe)")
    for name, (metavar, help_text) in OPTIONS.items():
        choices = ("fail", "warn") if name == "inconclusive" else None
        group.addoption(
            f"--biasprobe-{name}", default=None, metavar=metavar, choices=choices, help=help_text
        )
        parser.addini(f"biasprobe_{name.replace('-', '_')}", help_text, default=None)
    group.addoption(
        "--biasprobe-strict",
        action="store_true",
        default=None,
        help="compare point estimates, ignoring confidence intervals",
    )
    parser.addini("biasprobe_strict", "compare point estimates", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "biasprobe(templates=None, strict=None, inconclusive=None): per-test biasprobe settings",
    )
    state = config.stash[_STATE] = _State(config)
    if state.option("baseline") or state.option("inconclusive"):
        from biasprobe._errors import BiasprobeError

        try:
            state.settings()
        except BiasprobeError as exc:
            raise pytest.UsageError(f"biasprobe: {exc}") from None


class _State:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: list[tuple[str, Any]] = []
        self._settings: Any = None

    def option(self, name: str) -> Any:
        value = self.command_line(name)
        if value is not None:
            return value
        value = self.config.getini(f"biasprobe_{name.replace('-', '_')}")
        if not isinstance(value, str) or value in ("", "none"):
            return value or None
        rooted = self.config.rootpath / value  # ini paths are relative to the rootdir
        if name in ("audit-dir", "baseline", "report", "cache"):
            return str(rooted)
        if name in ("model", "templates"):
            return resolve_ref(value, base=self.config.rootpath, source=f"ini key biasprobe_{name}")
        return value

    def command_line(self, name: str) -> Any:
        """A ``--biasprobe-NAME`` value: paths are relative to the current directory."""
        value = self.config.getoption(f"biasprobe_{name.replace('-', '_')}")
        if isinstance(value, str) and name in ("model", "templates"):
            return resolve_ref(value, base=Path.cwd(), source=f"--biasprobe-{name}")
        return value

    def settings(self) -> Any:
        if self._settings is None:
            from biasprobe.checks._verdicts import Settings, baseline_settings

            strict = bool(self.option("strict"))
            base = Settings(strict=strict, inconclusive=self.option("inconclusive"))
            self._settings = baseline_settings(self.option("baseline"), base)
        return self._settings

    def settings_for(self, item: pytest.Item) -> Any:
        marker = item.get_closest_marker("biasprobe")
        overrides = marker_settings(marker, item.name) if marker else {}
        overrides.pop("templates", None)
        return self.settings().merged(**overrides)

    def record(self, nodeid: str, result: Any) -> None:
        self.results.append((nodeid, result))


PATH_SUFFIXES = (".yaml", ".yml", ".csv", ".json")


def resolve_ref(value: str, *, base: Path, source: str) -> str:
    """A ``templates``/``model`` value as biasprobe should open it.

    One rule: a value in the ini file or in a marker is relative to the rootdir, a
    command-line value to the current directory (``base``). A path that exists there is
    returned absolute; a shipped set name or a Hub id is returned as given; a value that
    can only be a path (``.yaml``, ``./x``, ``/x``) but does not exist is a ``UsageError``
    that names the resolved path.
    """
    from biasprobe._errors import UsageError

    path = base / Path(value).expanduser()
    if path.exists():
        return str(path)
    if value.startswith((".", "/", "~")) and source.endswith("model"):
        return str(path)  # the model loader names it: "model path '...' does not exist"
    if value.endswith(PATH_SUFFIXES) or value.startswith((".", "/", "~")):
        raise UsageError(
            f"{source}: {value!r} not found (resolved to {path}; paths in markers and ini keys "
            "are relative to the rootdir, command-line paths to the current directory)"
        )
    return value


def marker_settings(marker: pytest.Mark, test: str) -> dict[str, Any]:
    """The marker's keywords, checked: ``UsageError`` on unknown keywords or bad values."""
    from biasprobe._errors import UsageError

    where = f"@pytest.mark.biasprobe on {test}"
    if marker.args:
        raise UsageError(f"{where}: takes keywords only ({', '.join(MARKER_KEYS)})")
    unknown = sorted(set(marker.kwargs) - set(MARKER_KEYS))
    if unknown:
        valid = ", ".join(MARKER_KEYS)
        raise UsageError(f"{where}: unknown keyword {unknown[0]!r}; valid: {valid}")
    kw = dict(marker.kwargs)
    if "strict" in kw and not isinstance(kw["strict"], bool):
        raise UsageError(f"{where}: strict must be True or False, got {kw['strict']!r}")
    if "inconclusive" in kw and kw["inconclusive"] not in ("fail", "warn"):
        raise UsageError(f"{where}: inconclusive must be 'fail' or 'warn'")
    if "templates" in kw and not isinstance(kw["templates"], str | Path):
        raise UsageError(f"{where}: templates must be a set name or a YAML path")
    return kw


def uses_biasprobe(item: pytest.Item) -> bool:
    """Whether a test asks for the biasprobe fixtures or carries the biasprobe marker.

    Only such tests get the plugin's settings and appear in the session summary."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & FIXTURES) or item.get_closest_marker("biasprobe") is not None


def _usage_failure(exc: Exception) -> NoReturn:
    from biasprobe._errors import HubUnreachableError

    if isinstance(exc, HubUnreachableError):
        exc = exc.for_option("--biasprobe-model")  # this entry point's option
    raise pytest.fail.Exception(f"biasprobe: {exc}", pytrace=False) from None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("biasprobe")
    if marker is None:
        return
    from biasprobe._errors import BiasprobeError

    try:
        marker_settings(marker, item.name)
    except BiasprobeError as exc:
        _usage_failure(exc)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    state = item.config.stash.get(_STATE, None)
    if state is None or not uses_biasprobe(item):
        return (yield)
    from biasprobe._errors import BiasprobeError
    from biasprobe.checks._verdicts import checking

    try:
        settings = state.settings_for(item)
    except BiasprobeError:  # reported by pytest_runtest_setup
        settings = state.settings()
    with checking(settings, lambda result: state.record(item.nodeid, result)):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """In tests that use biasprobe, a ``BiasprobeError`` (a bad check expression, an
    unknown slot) fails the test with its one-line message instead of a traceback."""
    if not uses_biasprobe(item):
        return (yield)
    from biasprobe._errors import BiasprobeError

    try:
        return (yield)
    except BiasprobeError as exc:
        _usage_failure(exc)


# fixtures -----------------------------------------------------------------------------
class AuditStore:
    """Audits of this session, one per template set, run or loaded on first use."""

    def __init__(self, state: _State, model: Any) -> None:
        self.state, self.model = state, model
        self._audits: dict[str, Any] = {}

    def get(self, templates: str | Path | None = None) -> Any:
        key = str(templates or self.state.option("templates") or "country")
        if key not in self._audits:
            try:
                self._audits[key] = self._make(key, explicit=templates is not None)
            except Exception as exc:
                self._audits[key] = exc
        found = self._audits[key]
        if isinstance(found, Exception):
            raise found
        return found

    def _make(self, templates: str, *, explicit: bool) -> Any:
        from biasprobe._errors import UsageError

        audit_dir = self.state.option("audit-dir")
        if audit_dir is None:
            return self._run(templates)
        from biasprobe.audits._result import load_audit

        audit = load_audit(Path(audit_dir))
        name = audit.metadata.get("template_set", {}).get("name")
        if explicit and name and name != templates:
            raise UsageError(
                f"--biasprobe-audit-dir {audit_dir} holds template set {name!r}, "
                f"but the test asks for {templates!r}"
            )
        return audit

    def _run(self, templates: str) -> Any:
        from biasprobe.audits._audit import audit
        from biasprobe.scoring._cache import USE_DEFAULT_CACHE

        cache = self.state.option("cache")
        cache_arg = None if cache == "none" else (cache or USE_DEFAULT_CACHE)
        result = audit(templates, model=self.model, cache=cache_arg, progress=False)
        result.metadata["command"] = ["pytest", "biasprobe_audit"]
        return result


@pytest.fixture(scope="session")
def biasprobe_model(pytestconfig: pytest.Config) -> Any:
    """The model that ``biasprobe_audit`` scores: ``--biasprobe-model``; override to pass a
    callable ``list[str] -> probabilities``."""
    model = pytestconfig.stash[_STATE].option("model")
    if model is None:
        from biasprobe.scoring._scorer import DEFAULT_MODEL

        return DEFAULT_MODEL
    return model


@pytest.fixture(scope="session")
def biasprobe_audits(pytestconfig: pytest.Config, biasprobe_model: Any) -> AuditStore:
    """The session's audits: ``biasprobe_audits.get("country")`` gives an ``AuditResult``."""
    return AuditStore(pytestconfig.stash[_STATE], biasprobe_model)


@pytest.fixture
def biasprobe_audit(request: pytest.FixtureRequest, biasprobe_audits: AuditStore) -> Any:
    """A ``CheckedAudit`` of the session's model (template set: option or marker)."""
    from biasprobe._errors import BiasprobeError
    from biasprobe.checks._expect import CheckedAudit

    marker = request.node.get_closest_marker("biasprobe")
    templates = marker.kwargs.get("templates") if marker else None
    try:
        if isinstance(templates, str):
            base = request.config.rootpath
            source = f"@pytest.mark.biasprobe(templates=...) on {request.node.name}"
            templates = resolve_ref(templates, base=base, source=source)
        return CheckedAudit(biasprobe_audits.get(templates))
    except BiasprobeError as exc:
        _usage_failure(exc)


@pytest.fixture(scope="session")
def biasprobe_diff(pytestconfig: pytest.Config) -> Any:
    """A ``CheckedDiff`` of ``--biasprobe-diff-dir``: ``assert biasprobe_diff.gap("country")
    < 0.02`` is a CI-aware regression check of model B against model A."""
    from biasprobe._errors import BiasprobeError, UsageError
    from biasprobe.checks._checked_diff import CheckedDiff
    from biasprobe.diffs._diff import load_diff

    folder = pytestconfig.stash[_STATE].option("diff-dir")
    try:
        if folder is None:
            raise UsageError("biasprobe_diff needs --biasprobe-diff-dir DIR (biasprobe diff --out)")
        return CheckedDiff(load_diff(Path(folder)))
    except BiasprobeError as exc:
        _usage_failure(exc)


# reporting ----------------------------------------------------------------------------
def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: object, right: object
) -> list[str] | None:
    estimate = getattr(sys.modules.get("biasprobe.audits._result"), "Estimate", None)
    if op not in _FLIP or estimate is None:
        return None
    if isinstance(right, estimate) and not isinstance(left, estimate):
        left, right, op = right, left, _FLIP[op]
    if not isinstance(left, estimate) or isinstance(right, bool | estimate):
        return None
    if not isinstance(right, int | float):
        return None
    from biasprobe.checks._expect import Checked

    result = left.results.get((op, float(right))) if isinstance(left, Checked) else None
    if result is not None:
        return list(result.lines(width=56))
    return _plain_lines(left, op, float(right))


def _plain_lines(left: Any, op: str, right: float) -> list[str]:
    return [
        f"{left.label} {op} {right:g}: FAIL (plain Estimate: the point estimate is compared)",
        f"metric:   {left.label}",
        "groups:   see audit.gaps(); use the biasprobe_audit fixture for CI-aware checks",
        f"observed: {float(left):.4f} (CI {left.ci_low:.4f} to {left.ci_high:.4f})",
        f"limit:    {op} {right:g}",
        "worst examples: use biasprobe_audit or biasprobe.expect(audit) to list them",
    ]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or not state.results:
        return
    tr = terminalreporter
    tr.write_sep("=", "biasprobe checks")
    counts: dict[str, int] = {}
    for nodeid, result in state.results:
        status = result.status
        if result.verdict == "inconclusive":
            status += " (warn)" if result.passed else " (fail)"
        counts[result.verdict] = counts.get(result.verdict, 0) + 1
        m = result.measure
        tr.write_line(
            f"{status:<19} {result.check}  observed {float(m):.4f} "
            f"[{m.ci_low:.4f}, {m.ci_high:.4f}]  {nodeid}"
        )
    order = ("pass", "fail", "inconclusive")
    noun = "check" if len(state.results) == 1 else "checks"
    tr.write_line(
        f"{len(state.results)} {noun}: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in order)
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    path = state.option("report") if state is not None else None
    if state is None or path is None:
        return
    import json

    from biasprobe._io import write_text_atomic

    records = [{"test": nodeid, **result.to_dict()} for nodeid, result in state.results]
    write_text_atomic(Path(path), json.dumps({"checks": records}, indent=2) + "\n")
