"""The package's structure (issue 16): one storage floor that alone runs SQL, a Store that is a
facade over it, floors that import only downward, no import circle, no giant module. Each
rule is read off the source with ``ast``, so a change that breaks one fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

import threadtree

PACKAGE = Path(threadtree.__file__).parent
MAX_LINES = 450

# Floors from the ground up; a module may import only from its own floor and those below.
# graph.py and check.py serve Store.graph()/check() and so sit with the facade; drawing and
# lanes draw what graph() gives.
FLOORS = [
    {"errors", "records", "navigation", "run_records", "_validate", "_json", "_sentinel", "_lazy", "_items", "_progress"},
    {"_db"},
    {"_api", "store", "graph", "render", "check", "lanes", "drawing", "__init__"},
    {"formats", "agents"},
    {"cli", "serve", "widget", "__main__"},
]


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``threadtree._db.tree``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_at_load(name: str, path: Path) -> set[str]:
    """The threadtree modules ``name`` imports when it is loaded: module-level imports, not
    those under ``if TYPE_CHECKING:`` nor inside functions (deferred on purpose)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("threadtree"))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.startswith("threadtree"):
                    for alias in node.names:  # `from . import x` imports the module x
                        sub = f"{target}.{alias.name}"
                        found.add(sub if sub in ALL else target)

    visit(tree.body)
    return found


ALL = modules()


def floor_of(name: str) -> int:
    top = name.split(".")[1] if name.count(".") else "__init__"
    return next(i for i, floor in enumerate(FLOORS) if top in floor)


def test_there_is_no_import_circle():
    graph = nx.DiGraph()
    for name, path in ALL.items():
        graph.add_node(name)
        graph.add_edges_from((name, target) for target in imports_at_load(name, path) if target != name)
    # A package's __init__ importing its own submodules is how packages work, not a circle.
    graph.remove_edges_from([(a, b) for a, b in graph.edges if b.startswith(a + ".")])
    cycles = list(nx.simple_cycles(graph))
    assert cycles == []


@pytest.mark.parametrize("name", sorted(ALL))
def test_a_module_imports_only_from_its_floor_and_below(name):
    mine = floor_of(name)
    above = sorted(t for t in imports_at_load(name, ALL[name]) if t != "threadtree" and floor_of(t) > mine)
    assert above == [], f"{name} (floor {mine}) imports from higher floors"


@pytest.mark.parametrize("name", sorted(ALL))
def test_no_module_is_a_giant(name):
    lines = ALL[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def _calls(path: Path) -> list[tuple[int, str]]:
    return [
        (node.lineno, ast.unparse(node.func))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]


def test_sql_runs_in_the_storage_floor_only():
    """Outside threadtree/_db nothing executes SQL or calls a transaction's query methods."""
    found = []
    for name, path in ALL.items():
        if name.startswith("threadtree._db"):
            continue
        for line, func in _calls(path):
            method = func.rpartition(".")[2]
            if method in ("execute", "executemany", "pragma") or func.startswith("tx."):
                found.append(f"{path.relative_to(PACKAGE)}:{line}: {func}()")
    assert found == []


def test_no_code_reaches_into_a_stores_privates():
    """Only store.py touches a Store's private attributes (the floor is reached through
    ``database_of``)."""
    found = []
    for name, path in ALL.items():
        if name == "threadtree.store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and "store" in ast.unparse(node.value).lower()):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def test_engine_specific_errors_stay_in_the_engine():
    """apsw is imported by the SQLite engine only: nothing above the floor knows its errors."""
    found = [
        str(path.relative_to(PACKAGE)) for name, path in ALL.items()
        if not name.startswith("threadtree._db.sqlite") and "import apsw" in path.read_text(encoding="utf-8")
    ]
    assert found == []
