"""One rule for the plugin's paths: ini keys and markers relative to the rootdir, wherever
pytest is started from; a path that is not there is reported with its resolved location."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_plugin import (  # the fake model and set files of the plugin's own tests
    FAKE_CONFTEST,
    LEXICON,
    TEMPLATES,
    _modules_loaded_once,  # noqa: F401 - the same module warm-up (a fixture)
)

TESTS = """
import pytest

def test_default(biasprobe_audit):
    assert biasprobe_audit.metadata["template_set"]["name"] == "letters"

@pytest.mark.biasprobe(templates="sets/colours.yaml")
def test_marker_set(biasprobe_audit):
    assert biasprobe_audit.metadata["template_set"]["name"] == "colours"
"""


def make_project(root: Path, *, marker_path: str = "sets/colours.yaml") -> Path:
    """proj/pytest.ini (the rootdir), proj/sets/*.yaml, proj/tests/test_sets.py."""
    proj = root / "proj"
    (proj / "sets").mkdir(parents=True)
    (proj / "tests").mkdir()
    (proj / "pytest.ini").write_text(
        "[pytest]\nbiasprobe_templates = sets/letters.yaml\nbiasprobe_cache = none\n"
    )
    (proj / "conftest.py").write_text(FAKE_CONFTEST)
    for name, values in (("letters", "Alpha\nBeta"), ("colours", "red\ngreen\nblue")):
        (proj / "sets" / f"{name}.csv").write_text(LEXICON.format(name=name, values=values))
        (proj / "sets" / f"{name}.yaml").write_text(TEMPLATES.format(name=name))
    tests = TESTS.replace("sets/colours.yaml", marker_path)
    (proj / "tests" / "test_sets.py").write_text(tests)
    return proj


@pytest.mark.slow  # two pytest sessions, each auditing two sets
@pytest.mark.parametrize("start", ["parent", "tests"])
def test_marker_and_ini_paths_are_relative_to_the_rootdir(
    pytester: pytest.Pytester, start: str
) -> None:
    proj = make_project(pytester.path)
    where = {"parent": pytester.path, "project": proj, "tests": proj / "tests"}[start]
    target = {"parent": "proj/tests", "project": "tests", "tests": "."}[start]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(where)
        result = pytester.runpytest("-p", "no:cacheprovider", target)
    result.assert_outcomes(passed=2)


def test_missing_marker_path_names_the_resolved_path(pytester: pytest.Pytester) -> None:
    proj = make_project(pytester.path, marker_path="sets/colour.yaml")
    result = pytester.runpytest("-p", "no:cacheprovider", "proj/tests")
    result.assert_outcomes(passed=1, errors=1)
    resolved = proj / "sets" / "colour.yaml"
    result.stdout.fnmatch_lines(
        [f"*'sets/colour.yaml' not found (resolved to {resolved}; paths in markers and ini*"]
    )


def test_command_line_paths_are_relative_to_the_current_directory(
    pytester: pytest.Pytester,
) -> None:
    proj = make_project(pytester.path)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--biasprobe-templates", "proj/sets/colours.yaml", "proj/tests"
    )
    # the command line wins over the ini key: both tests now audit 'colours'
    result.assert_outcomes(passed=1, failed=1)
    missing = pytester.runpytest(
        "-p", "no:cacheprovider", "--biasprobe-templates", "sets/colours.yaml", "proj/tests"
    )
    missing.stdout.fnmatch_lines(
        [f"*--biasprobe-templates: 'sets/colours.yaml' not found (resolved to {pytester.path}*"]
    )
    assert proj.is_dir()
