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


# --- the import graph: no cycles, and the edges the layers allow -------------------------------------------------

LAYERS = ("uidp", "graph", "plugins")


def runtime_imports(path: Path, module: str | None = None) -> Iterator[tuple[int, str]]:
    """Every module a file imports when it runs (imports under ``if TYPE_CHECKING:`` never run).

    ``from a import b`` yields ``a.b`` (which :func:`import_graph` resolves to the module ``a.b`` if there is one,
    else to ``a``), so importing a submodule from a package is an edge to the submodule.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                typing_only.update(n.lineno for n in ast.walk(inner) if hasattr(n, "lineno"))
    package = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - (node.level - 1)], *([node.module] if node.module else [])])
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def import_graph(folders: tuple[str, ...] = LAYERS) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports at run time (at top level or inside a function alike).

    ``from a.b import C`` counts as an edge to ``a.b`` when ``C`` is not itself a module. Importing a module does
    not add an edge to its parent packages' ``__init__`` (those are listed explicitly when imported).
    """
    paths = {module_name(p): p for folder in folders for p in python_files(folder)}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for _, imported in runtime_imports(path):
            target = imported
            while target and target not in paths:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None when the graph is acyclic."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_function_level_imports_and_skips_type_checking_ones(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import uidp.config\n"
        "def f():\n    from uidp.runtime import Runtime\n"
    )
    names = {name for _, name in runtime_imports(sample, "uidp.sample")}
    assert "uidp.runtime.Runtime" in names and not any(name.startswith("uidp.config") for name in names)


def test_no_import_cycles_anywhere():
    graph = import_graph()
    assert len(graph) > 100, "the walk found too few modules"
    assert any(graph.values()), "the walk found no edges"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_graph_does_not_import_plugins():
    found = offenders("graph", {"plugins"})
    assert not found, "graph reaches plugins only through the plugin host:\n" + "\n".join(found)


def test_rate_limit_policy_lives_in_the_services():
    """Which limit, which key and how many belong to the service a resolver calls (decision 107); the graph
    layer keeps only the anonymous-mutation budget (graph/limits.py, decision 82)."""
    allowed = {ROOT / "graph/limits.py"}
    paths = [p for p in python_files("graph") if p not in allowed]
    found = [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in paths
        for line, name in imported_modules(p)
        if name.startswith("uidp.services.shared.request_limits")
    ]
    assert not found, "resolvers pass the client; the service counts its own limit:\n" + "\n".join(found)


def test_staff_roles_are_named_by_the_one_enum():
    """``uidp.domain.accounts.StaffRole`` is the only place a role is spelled (decision 109)."""
    roles = {"reviewer", "operator", "administrator"}
    home = ROOT / "uidp/domain/accounts.py"
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
        for folder in ("uidp", "graph", "plugins")
        for path in python_files(folder)
        if path != home and "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in roles
    ]
    assert not found, "use uidp.domain.accounts.StaffRole:\n" + "\n".join(found)


ORM_QUERY_METHODS = {
    "filter", "exclude", "get", "get_or_none", "all", "first", "create", "bulk_create", "get_or_create",
    "update_or_create", "annotate", "raw", "select_for_update", "exists", "count", "delete", "save", "values",
    "values_list", "fetch_related", "in_bulk",
}  # fmt: skip


def orm_queries(path: Path) -> Iterator[str]:
    """Calls like ``Person.filter(...)`` or ``in_transaction()`` in a file: queries that belong in services."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    models: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("uidp.models"):
            models.update(alias.asname or alias.name for alias in node.names)
        if isinstance(node, ast.ImportFrom | ast.Import) and any(
            (alias.name if isinstance(node, ast.Import) else node.module or "").startswith("tortoise")
            for alias in node.names
        ):
            yield f"{node.lineno}: imports tortoise"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id in models and node.func.attr in ORM_QUERY_METHODS:
                yield f"{node.lineno}: {owner.id}.{node.func.attr}(...)"


def test_the_orm_query_finder_sees_queries(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from uidp.models.person import Person, PersonStatus\nfrom tortoise.transactions import in_transaction\n"
        "async def f():\n    await Person.filter(id=1).first()\n    PersonStatus('ACTIVE')\n"
    )
    assert list(orm_queries(sample)) == ["2: imports tortoise", "4: Person.filter(...)"]


def test_graph_runs_no_orm_queries():
    found = [f"{p.relative_to(ROOT)}:{hit}" for p in python_files("graph") for hit in orm_queries(p)]
    assert not found, "queries belong in uidp/services; graph calls services:\n" + "\n".join(found)


def test_only_uidp_http_client_decides_the_client_address():
    allowed = ROOT / "uidp/http/client.py"
    found = []
    for folder in LAYERS:
        for path in python_files(folder):
            text = path.read_text(encoding="utf-8").lower()
            if path != allowed and ('headers.get("x-forwarded-for"' in text or ".client.host" in text):
                found.append(str(path.relative_to(ROOT)))
    assert not found, "use uidp.http.client.client_info:\n" + "\n".join(found)


# ---- modules loaded by name (issue 8, part 6) -------------------------------------------------------------


def names_a_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def loaded_by_name() -> set[str]:
    """Modules outside the core that are reached by name: every plugin package (any may be named in
    UIDP_PLUGINS), and every dotted module name under graph/ or plugins/ written as a string in the code
    (DEFAULT_PLUGINS, the GraphQL adapter ``graph.app`` ...)."""
    found = {f"plugins.{p.name}" for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").is_file()}
    for folder in ("uidp", "graph", "plugins"):
        for path in python_files(folder):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    name = node.value.split(":", 1)[0]  # "module:attribute" as uvicorn and entry points write it
                    if "." in name and top(name) in ("graph", "plugins") and names_a_module(name):
                        found.add(name)
    return found


def plugin_package(module: str) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "plugins" and len(parts) > 1 else None


def by_name_offenders(paths: list[Path], by_name: set[str]) -> list[str]:
    found = []
    for path in paths:
        importer = module_name(path) if path.is_relative_to(ROOT) else path.stem
        for line, name in imported_modules(path, importer):
            for target in by_name:
                if (name == target or name.startswith(target + ".")) and plugin_package(importer) != target:
                    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                    found.append(f"{shown}:{line} imports {name}, which is loaded by name")
    return found


def test_the_by_name_checker_sees_plugins_and_the_adapter(tmp_path):
    by_name = loaded_by_name()
    assert {"plugins.password", "plugins.sandbox", "plugins.ca", "plugins.bankcard_http", "graph.app"} <= by_name
    sample = tmp_path / "sample.py"
    sample.write_text("from plugins.sandbox.registry import TEST_ENTITIES\nimport graph.app\nimport os\n")
    assert by_name_offenders([sample], by_name) == [
        "sample.py:1 imports plugins.sandbox.registry, which is loaded by name",
        "sample.py:2 imports graph.app, which is loaded by name",
    ]


def test_nothing_imports_a_module_loaded_by_name():
    """A plugin is reached through the host only (so disabling or replacing it works); a plugin may import its
    own submodules, never another plugin; nothing imports the GraphQL adapter the app loads by name."""
    by_name = loaded_by_name()
    found = by_name_offenders([*python_files("uidp"), *python_files("graph"), *python_files("plugins")], by_name)
    assert not found, "modules loaded by name are reached only by name:\n" + "\n".join(found)
