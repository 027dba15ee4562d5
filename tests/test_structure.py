"""The dependency direction (graph -> uidp, plugins -> uidp, uidp.domain -> stdlib) and module size."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400


def python_files(folder: str) -> list[Path]:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"no Python files under {folder}/"
    return files


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, module: str | None = None) -> Iterator[tuple[int, str]]:
    """Every module a file imports, as an absolute dotted name (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            if node.module is None or node.level:
                # `from . import x` / `from .a import b`: x or b may be modules of that package
                for alias in node.names:
                    yield node.lineno, f"{prefix}.{alias.name}" if prefix else alias.name
            yield node.lineno, prefix


def top(name: str) -> str:
    return name.split(".", 1)[0]


def offenders_in(paths: list[Path], forbidden: set[str], module: str | None = None) -> list[str]:
    found = []
    for path in paths:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        for line, name in imported_modules(path, module):
            if top(name) in forbidden:
                found.append(f"{shown}:{line} imports {name}")
    return found


def offenders(folder: str, forbidden: set[str]) -> list[str]:
    return offenders_in(python_files(folder), forbidden)


def test_the_checker_sees_every_import_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import graph.x\nimport os, plugins\nfrom graph import app\n"
        "from . import errors\nfrom ..services import a\n"
        "def f():\n    import plugins.password\n"
    )
    names = [name for _, name in imported_modules(sample, "uidp.domain.sample")]
    assert {"graph.x", "os", "plugins", "graph", "plugins.password"} <= set(names)
    assert "uidp.domain.errors" in names
    assert "uidp.services" in names
    assert offenders_in([sample], {"graph"}, "uidp.domain.sample") == [
        f"{sample.name}:1 imports graph.x",
        f"{sample.name}:3 imports graph",
    ]


def test_core_imports_neither_graph_nor_plugins():
    found = offenders("uidp", {"graph", "plugins"})
    assert not found, "uidp must not import the GraphQL adapter or plugins:\n" + "\n".join(found)


def test_plugins_do_not_import_graph():
    found = offenders("plugins", {"graph"})
    assert not found, "plugins must not import graph:\n" + "\n".join(found)


def test_domain_imports_only_stdlib_and_itself():
    found = []
    for path in python_files("uidp/domain"):
        for line, name in imported_modules(path):
            if top(name) in sys.stdlib_module_names or name == "uidp.domain" or name.startswith("uidp.domain."):
                continue
            found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not found, "uidp.domain is pure (stdlib and uidp.domain only):\n" + "\n".join(found)


@pytest.mark.parametrize("folder", ["uidp", "graph", "plugins"])
def test_modules_stay_small(folder):
    long_ones = []
    for path in python_files(folder):
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_LINES:
            long_ones.append(f"{path.relative_to(ROOT)}: {count} lines")
    assert not long_ones, f"modules over {MAX_LINES} lines (split them):\n" + "\n".join(long_ones)
