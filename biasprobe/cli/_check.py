"""``biasprobe check``: threshold checks on audit / comparison directories, with CI exit codes.

Exit 0 when every check passes (an inconclusive check passes under ``--inconclusive
warn``), 1 when any fails, 2 on a usage or input error. Checks come from ``--check``
and from a config: ``--config FILE`` (YAML), else ``./biasprobe.yaml``, else the
``[tool.biasprobe]`` table of ``./pyproject.toml``. Config keys: ``checks`` (a list of
expressions), ``strict``, ``inconclusive`` (fail|warn), ``baseline`` (path relative to
the config file).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

POLICIES = ("fail", "warn")
CONFIG_KEYS = ("baseline", "checks", "inconclusive", "strict")
CONFIG_NAMES = ("biasprobe.yaml", "biasprobe.yml")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check", help="check audit results against bias thresholds (exit 1 when one fails)"
    )
    p.add_argument(
        "dirs",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="an audit directory (biasprobe audit --out) and/or a comparison directory",
    )
    p.add_argument("--config", type=Path, help="YAML config with a 'checks:' list")
    p.add_argument(
        "--check",
        dest="checks",
        action="append",
        default=[],
        metavar="EXPR",
        help="threshold expression, e.g. 'gap(country) < 0.10' (repeatable)",
    )
    p.add_argument("--strict", action="store_true", default=None, help="compare point estimates")
    p.add_argument(
        "--inconclusive",
        choices=POLICIES,
        help="inconclusive checks fail or warn (default: fail; warn for baseline limits)",
    )
    p.add_argument("--baseline", type=Path, help="baseline JSON for 'baseline + x' limits")
    p.add_argument("--save-baseline", type=Path, metavar="FILE", help="write metrics as JSON")
    p.add_argument("--junit-xml", type=Path, metavar="FILE", help="write JUnit XML")
    p.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="write the results as JSON (DIR/checks.json is shown by biasprobe report)",
    )
    p.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from biasprobe._errors import UsageError
    from biasprobe._io import write_text_atomic
    from biasprobe.checks._metrics import load_sources, validate
    from biasprobe.checks._thresholds import parse
    from biasprobe.checks._verdicts import Settings, baseline_settings, evaluate, save_baseline

    config, config_dir = load_config(args.config)
    texts = [*config.get("checks", []), *args.checks]
    if not texts and args.save_baseline is None:
        raise UsageError("no checks: give --check EXPR or a config with a 'checks:' list")
    checks = [parse(text) for text in texts]
    for check in checks:
        validate(check.metric)
    settings = Settings(
        strict=bool(args.strict if args.strict is not None else config.get("strict", False)),
        inconclusive=args.inconclusive or config.get("inconclusive"),
    )
    baseline = args.baseline or _config_path(config.get("baseline"), config_dir)
    settings = baseline_settings(baseline, settings)
    sources = load_sources(args.dirs)
    results = [evaluate(check, sources, settings) for check in checks]
    if args.save_baseline is not None:
        refs = [c.metric for c in checks if not c.baseline]
        doc = save_baseline(args.save_baseline, sources, refs=refs)
        print(f"wrote baseline {args.save_baseline} ({len(doc['metrics'])} metrics)")
    if results:
        print("\n".join(table_lines(results)))
    if args.junit_xml is not None:
        write_junit(args.junit_xml, results)
    if args.json is not None:
        records = {"checks": [r.to_dict() for r in results]}
        write_text_atomic(args.json, json.dumps(records, indent=2) + "\n")
    return 0 if all(r.passed for r in results) else 1


def load_config(path: Path | None) -> tuple[dict[str, Any], Path | None]:
    """The config mapping and its folder: ``path``, ./biasprobe.yaml or ./pyproject.toml."""
    if path is not None:
        return _read_yaml(path), path.parent
    for name in CONFIG_NAMES:
        if Path(name).is_file():
            return _read_yaml(Path(name)), Path(".")
    if Path("pyproject.toml").is_file():
        return _read_pyproject(Path("pyproject.toml")), Path(".")
    return {}, None


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    from biasprobe._errors import UsageError
    from biasprobe._io import read_text

    try:
        data = yaml.safe_load(read_text(path, error=UsageError))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{path}{line}: not valid YAML") from None
    return check_config(data if data is not None else {}, where=str(path))


def _read_pyproject(path: Path) -> dict[str, Any]:
    import tomllib

    from biasprobe._errors import UsageError

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    table = data.get("tool", {}).get("biasprobe", {})
    return check_config(table, where=f"{path} [tool.biasprobe]")


def check_config(data: Any, *, where: str) -> dict[str, Any]:
    """Validate a config mapping: known keys, a list of strings, a bool, a policy."""
    from biasprobe._errors import UsageError

    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected a mapping with keys {', '.join(CONFIG_KEYS)}")
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r}; valid: {', '.join(CONFIG_KEYS)}")
    checks = data.get("checks", [])
    if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
        raise UsageError(f"{where}: 'checks' must be a list of expressions like 'gap(x) < 0.1'")
    if not isinstance(data.get("strict", False), bool):
        raise UsageError(f"{where}: 'strict' must be true or false")
    if data.get("inconclusive", "fail") not in POLICIES:
        raise UsageError(f"{where}: 'inconclusive' must be fail or warn")
    if not isinstance(data.get("baseline", ""), str):
        raise UsageError(f"{where}: 'baseline' must be a file path")
    return dict(data)


def _config_path(value: str | None, folder: Path | None) -> Path | None:
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() or folder is None else folder / path


def table_lines(results: list[Any]) -> list[str]:
    """The results table, then the full message of each check that did not pass, then counts."""
    width = max(len(str(r.check)) for r in results)
    lines = [f"{'verdict':<13} {'check':<{width}}  {'observed':>9}  {'CI':<19}  limit"]
    for r in results:
        m = r.measure
        ci = f"[{m.ci_low:.4f}, {m.ci_high:.4f}]"
        lines.append(
            f"{r.status:<13} {r.check!s:<{width}}  {float(m):>9.4f}  {ci:<19}  {r.limit:.4g}"
        )
    for r in results:
        if r.verdict != "pass":
            lines += ["", *r.lines()]
    return [*lines, "", summary_line(results)]


def summary_line(results: list[Any]) -> str:
    """Every verdict counted, then what the exit status makes of them.

    "all passed" only when every verdict is pass; inconclusive checks are named as such,
    whether the policy lets them through (warn) or counts them as failures (fail).
    """
    counts = {k: sum(r.verdict == k for r in results) for k in ("pass", "fail", "inconclusive")}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    not_passed = sum(not r.passed for r in results)
    if counts["pass"] == len(results):
        outcome = "all passed"
    elif not_passed == 0:
        n = counts["inconclusive"]
        outcome = (
            f"none failed; {n} inconclusive, reported as {'a warning' if n == 1 else 'warnings'}"
        )
    else:
        outcome = f"{not_passed} not passed"
        warned = sum(r.verdict == "inconclusive" and r.passed for r in results)
        if warned:
            outcome += f"; {warned} inconclusive reported as warnings"
    noun = "check" if len(results) == 1 else "checks"
    return f"{len(results)} {noun}: {summary} ({outcome})"


def write_junit(path: Path, results: list[Any]) -> None:
    """One JUnit testcase per check: failure for a failed check, output for every check."""
    import xml.etree.ElementTree as ET

    from biasprobe._io import write_atomic

    failed = sum(not r.passed for r in results)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites, "testsuite", name="biasprobe", tests=str(len(results)), failures=str(failed)
    )
    suite.set("errors", "0")
    suite.set("skipped", "0")
    for r in results:
        case = ET.SubElement(suite, "testcase", classname="biasprobe.check", name=str(r.check))
        props = ET.SubElement(case, "properties")
        for key, value in r.to_dict().items():
            ET.SubElement(props, "property", name=key, value=str(value))
        if not r.passed:
            failure = ET.SubElement(case, "failure", message=r.lines()[0], type=r.verdict)
            failure.text = r.message()
        ET.SubElement(case, "system-out").text = r.message()
    tree = ET.ElementTree(suites)
    write_atomic(path, lambda p: tree.write(p, encoding="utf-8", xml_declaration=True))
