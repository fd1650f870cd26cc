"""The suite leaves the repository and the top level of the temp folder as it found them.

A session fixture (registered from conftest.py) records, before the first test:

- every file in the repository that git ignores (``out/``, caches of biasprobe) or does
  not track outside the source folders (where a developer may add files meanwhile), with
  its size and modification time, and
- the names at the top level of the system temp folder (``/tmp``).

Meanwhile ``TMPDIR`` points at a short session folder (so tests, their subprocesses,
Chromium and Ray keep their scratch files there; it is removed at the end). After the
last test, any file created, changed or removed in the repository, or any new name in
``/tmp``, fails the session (reported as an error in the last test's teardown).
Tools' own caches (``__pycache__``, ``.pytest_cache``, ``.hypothesis``, ...) and
pytest's ``pytest-of-USER`` folder are not counted. Under pytest-xdist each worker runs
this guard for its own tests and makes its own scratch folder; the workers of one run name
theirs after the run's id (``PYTEST_XDIST_TESTRUNUID``), so no worker counts a sibling's
scratch folder, which comes and goes meanwhile, as a leak. The ``/tmp`` part runs where
``BIASPROBE_TMP_GUARD=1`` (CI sets it): on a machine shared with other processes that
write to ``/tmp`` meanwhile it would blame the suite for their files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOOL_CACHES = (
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".mypy_cache",
    ".ruff_cache",
    ".venv",
    ".egg-info",
)
SOURCE_FOLDERS = ("biasprobe/", "tests/", "benchmarks/", "scripts/", "notebooks/", "examples/")
SYSTEM_TMP = Path("/tmp")
TMP_NOT_OURS = ("pytest-of-", "bash_")  # pytest's own base folder; this machine's tool runner


def untracked_files(repo: Path = REPO) -> dict[str, tuple[int, int]] | None:
    """``{path: (size, mtime_ns)}`` of every file git does not track; None outside git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--others", "--exclude-standard"],
            cwd=repo,
            capture_output=True,
            check=True,
        ).stdout
        ignored = subprocess.run(
            ["git", "ls-files", "-z", "--others", "--ignored", "--exclude-standard"],
            cwd=repo,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    names = [n for n in listed.decode().split("\0") if not n.startswith(SOURCE_FOLDERS)]
    state: dict[str, tuple[int, int]] = {}
    for name in names + ignored.decode().split("\0"):
        if not name or any(part.endswith(TOOL_CACHES) for part in Path(name).parts):
            continue
        try:
            stat = (repo / name).stat()
        except OSError:
            continue
        state[name] = (stat.st_size, stat.st_mtime_ns)
    return state


def tmp_names(ignore: tuple[str, ...] = ()) -> set[str]:
    """Names at the top level of ``/tmp``, less pytest's, the tool runner's and ``ignore``."""
    skip = (*TMP_NOT_OURS, *ignore)
    return {n for n in os.listdir(SYSTEM_TMP) if not n.startswith(skip)}


def scratch_prefix() -> tuple[str, tuple[str, ...]]:
    """This session's scratch-folder prefix and the prefixes of its siblings' folders: under
    pytest-xdist, ``bp-<run id>-`` for every worker of the run; alone, ``bp-`` and none."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        return "bp-", ()
    prefix = f"bp-{run[:6]}-"  # short all the same: Ray's socket paths
    return prefix, (prefix,)


def differences(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """What changed between two ``untracked_files`` states, one line per file."""
    lines = [f"created {p}" for p in sorted(after.keys() - before.keys())]
    lines += [f"removed {p}" for p in sorted(before.keys() - after.keys())]
    lines += [f"changed {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return lines


@pytest.fixture(scope="session", autouse=True)
def _leaves_no_files_behind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    tmp_path_factory.getbasetemp()  # pytest's own folder stays under the real temp folder
    guard_tmp = os.environ.get("BIASPROBE_TMP_GUARD") == "1"
    repo_before = untracked_files()
    prefix, siblings = scratch_prefix()
    tmp_before = tmp_names(siblings)
    scratch = tempfile.mkdtemp(prefix=prefix)  # short: Ray's socket paths live under it
    old_env, old_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = scratch
    try:
        yield
    finally:
        tempfile.tempdir = old_tempdir
        if old_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_env
        shutil.rmtree(scratch, ignore_errors=True)
    problems: list[str] = []
    repo_after = untracked_files()
    if repo_before is not None and repo_after is not None:
        problems += [f"{line} in the repository" for line in differences(repo_before, repo_after)]
    if guard_tmp:
        problems += [f"created {SYSTEM_TMP / n}" for n in sorted(tmp_names(siblings) - tmp_before)]
    if problems:
        pytest.fail(
            "the tests wrote outside their temporary folders: " + "; ".join(problems[:20]),
            pytrace=False,
        )
