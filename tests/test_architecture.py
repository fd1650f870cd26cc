"""The import graph: no loops, and no module imports a later stage or the package face.

Imports are read with ``ast`` (imports inside functions count too: a lazy import is still a
dependency), so the test sees the code as written, not what happened to load.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "biasprobe"

# The declared stage order, earliest first. A module may import only from its own stage or
# an earlier one. Stages on one line are peers and must not import each other.
STAGES: list[set[str]] = [
    {"_errors", "_io", "_provenance", "_defaults", "_folders"},
    {"stats", "scoring", "probes"},
    {"comparisons"},
    {"audits"},
    {"scrutiny", "diffs"},
    {"maps"},
    {"checks"},
    {"report"},
    {"cli", "pytest_plugin"},
]


def room(module: str) -> str:
    """The top-level room of a dotted module name inside biasprobe ('' for the face)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def stage_of(module: str) -> int:
    name = room(module)
    for i, stage in enumerate(STAGES):
        if name in stage:
            return i
    raise AssertionError(f"{module} is in no declared stage; add its room to STAGES")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Dotted biasprobe modules the file imports (``from a.b import c``: a.b.c if a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "biasprobe"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "biasprobe":
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return found


FILES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
MODULES = set(FILES)
EDGES = {m: imports_of(p) - {m} for m, p in FILES.items()}
ENTRY_FACES = {"biasprobe", "biasprobe.cli.__main__", "biasprobe.__main__"}


def test_graph_is_read() -> None:
    assert len(MODULES) >= 65
    assert EDGES["biasprobe.audits._audit"] >= {"biasprobe.probes._expand"}


def test_no_import_loops() -> None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(EDGES.get(node, ())):
            if nxt not in MODULES:
                continue
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import loop: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("module", sorted(MODULES - ENTRY_FACES))
def test_no_upward_imports(module: str) -> None:
    here = stage_of(module)
    for target in sorted(EDGES[module]):
        assert target != "biasprobe", f"{module} imports the package face; import the module"
        there = stage_of(target)
        assert there < here or room(target) == room(module) or here == there == 0, (
            f"{module} (stage {here}) imports {target} (stage {there}): "
            "a module may import only earlier stages or its own room"
        )
