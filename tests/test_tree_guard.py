"""The session guard that keeps tests from writing outside their temporary folders."""

from __future__ import annotations

import subprocess
from pathlib import Path

import _tree_guard
import pytest
from _tree_guard import differences, untracked_files


def test_guard_sees_created_changed_and_removed_files(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("/out/\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.csv").write_text("a\n")
    (tmp_path / "out" / "old.csv").write_text("b\n")
    (tmp_path / "__pycache__").mkdir()
    before = untracked_files(tmp_path)
    assert before is not None and "out/mine.csv" in before
    (tmp_path / "out" / "mine.csv").write_text("overwritten by a test\n")
    (tmp_path / "out" / "old.csv").unlink()
    (tmp_path / "out" / "report.html").write_text("<html>")
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"")  # a tool's cache: not counted
    after = untracked_files(tmp_path)
    assert after is not None
    assert differences(before, after) == [
        "created out/report.html",
        "removed out/old.csv",
        "changed out/mine.csv",
    ]


def test_xdist_workers_do_not_count_each_others_scratch_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_tree_guard, "SYSTEM_TMP", tmp_path)
    monkeypatch.delenv("PYTEST_XDIST_TESTRUNUID", raising=False)
    assert _tree_guard.scratch_prefix() == ("bp-", ())
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "0123456789abcdef")
    prefix, siblings = _tree_guard.scratch_prefix()
    assert prefix == "bp-012345-" and siblings == (prefix,)
    before = _tree_guard.tmp_names(siblings)
    (tmp_path / "bp-012345-gw1xyz").mkdir()  # another worker's scratch folder
    (tmp_path / "bp-999999-abc").mkdir()  # another run's: still counted
    (tmp_path / "leaked.txt").write_text("x")
    assert _tree_guard.tmp_names(siblings) - before == {"bp-999999-abc", "leaked.txt"}
