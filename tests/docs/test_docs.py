"""The README's commands and examples, and the docstring examples, run as written."""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import biasprobe

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
HUB_MARK = "# needs the Hub"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def readme_commands() -> list[str]:
    """Every `biasprobe ...` line of the README's bash blocks, in order."""
    return [
        line.strip()
        for block in blocks("bash")
        for line in block.splitlines()
        if line.strip().startswith("biasprobe ")
    ]


REPO_LINKS = ("reports", "templates", "biasprobe", "notebooks", "README.md")
REPO_COPIES = ("examples",)  # its files name ../out/...: a link would resolve that in the repo


@pytest.fixture
def repo_like(tmp_path: Path, shared_dir: Path) -> Path:
    """A folder that looks like the repository (read-only parts linked, ``../shared`` next
    to it), so that the README's commands write their ``out/...`` here, not in the repo."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in REPO_LINKS:
        (root / name).symlink_to(REPO / name)
    for name in REPO_COPIES:
        shutil.copytree(REPO / name, root / name)
    (tmp_path / "shared").symlink_to(shared_dir)
    return root


@pytest.fixture(scope="module")
def readme_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One score cache for the README's commands and its Python examples: they audit the
    same set with the same model, so the second run reads its scores from the cache
    (and, with every score cached, never loads the model)."""
    return tmp_path_factory.mktemp("readme-cache") / "scores.sqlite"


def test_readme_has_the_three_commands() -> None:
    bash = "\n".join(blocks("bash"))
    assert 'pip install torch==2.13.0 && pip install -e ".[dev' in bash
    assert "biasprobe audit country --out out/country" in bash
    assert "\npytest\n" in f"\n{bash}"
    ci = (REPO / ".ci" / "run").read_text()
    assert "pip install torch==2.13.0" in ci and "pytest" in ci


def test_readme_commands_write_only_relative_paths() -> None:
    # they run in a temporary copy of the repository (repo_like): an absolute path would
    # write outside it
    for command in readme_commands() + blocks("python"):
        assert "/tmp" not in command and " ~/" not in command, command


@pytest.mark.model
def test_readme_commands_run_as_written(repo_like: Path, readme_cache: Path) -> None:
    env = dict(os.environ, BIASPROBE_CACHE=str(readme_cache))
    bindir = Path(sys.executable).parent
    for command in readme_commands():
        argv = shlex.split(command.split(HUB_MARK)[0], comments=True)
        exe = str(bindir / "biasprobe") if (bindir / "biasprobe").exists() else "biasprobe"
        proc = subprocess.run(
            [exe, *argv[1:]], cwd=repo_like, env=env, capture_output=True, text=True, timeout=600
        )
        if HUB_MARK in command:
            assert proc.returncode == 2, (command, proc.stderr)
            assert "cannot reach the Hugging Face Hub" in proc.stderr, (command, proc.stderr)
        else:
            assert proc.returncode == 0, (command, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr, (command, proc.stderr)


@pytest.mark.model
def test_readme_python_examples(
    monkeypatch: pytest.MonkeyPatch, repo_like: Path, readme_cache: Path
) -> None:
    monkeypatch.chdir(repo_like)
    monkeypatch.setenv("BIASPROBE_CACHE", str(readme_cache))
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(blocks("python")):
        test = parser.get_doctest(block, {}, f"README block {i}", "README.md", 0)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0


def modules() -> list[str]:
    """The package and every module in it, subpackages included (walked recursively)."""
    found = pkgutil.walk_packages(biasprobe.__path__, "biasprobe.")
    return ["biasprobe", *sorted(m.name for m in found)]


def test_doctest_collector_finds_every_module() -> None:
    # Counted independently, from the files on disk: a module moved into a subpackage
    # must not silently drop out of the doctest run.
    expected = set()
    for path in (REPO / "biasprobe").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        expected.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    assert set(modules()) == expected
    assert len(expected) >= 65


@pytest.mark.parametrize("name", modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
