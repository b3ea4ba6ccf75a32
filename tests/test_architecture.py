"""The structure rules of docs/architecture.md that import-linter does not check.

* no module imports another module's private names (``from x import _y``);
* the library never imports rich (only ``benchmark.cli`` renders);
* library modules stay small: one job per module (a ceiling, not a target).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("human2k", "benchmark", "timinet")
MAX_LINES = 420  # docs/architecture.md: "under ~300 lines"; this ceiling catches growth


def _modules():
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).rglob("*.py")):
            yield path, ".".join(path.relative_to(REPO).with_suffix("").parts)


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node


@pytest.mark.parametrize("path,module", list(_modules()), ids=lambda v: str(v)[-60:])
def test_no_private_names_across_modules(path, module):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [
        f"{node.module}.{alias.name} (line {node.lineno})"
        for node in _imports(tree)
        if node.module.split(".")[0] in PACKAGES and node.module != module
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert not bad, f"{module} imports private names: {', '.join(bad)}"


def test_rich_only_in_the_cli():
    users = []
    for path, module in _modules():
        if module.startswith("benchmark.cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "rich" or n.startswith("rich.") for n in names):
                users.append(module)
    assert not users, f"rich imported outside benchmark.cli: {users}"


def test_modules_stay_small():
    big = []
    for path, module in _modules():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            big.append(f"{module} ({n} lines)")
    assert not big, f"split these by responsibility: {', '.join(big)}"
