"""The session guard that keeps tests from writing outside their temporary folders."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
