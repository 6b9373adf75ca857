"""The import graph of `platforms/` has no cycle, and the core contracts import no kit.

Every module under `platforms/` is parsed with `ast`. An edge is any `import x` or
`from x import y` naming another module of `platforms/` (`y` itself when it is a submodule,
relative imports resolved), wherever it sits: at the top, inside a function, or inside
`if TYPE_CHECKING:`. Type-only imports count: a cycle that only the type checker sees is
still a cycle for the reader. Importing `a.b.c` also runs `a/__init__` and `a/b/__init__`;
those implicit parent imports are not edges (every module would otherwise sit in a cycle
with its own package).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = ROOT / "platforms"
# The core contracts: everything else in `platforms/` builds on them, they build on nothing.
CORE = frozenset(
    f"platforms.{name}"
    for name in ("adapter", "canonical", "errors", "ids", "events", "webhooks", "money")
)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(PLATFORMS.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[str]:
    """Every dotted name `module` imports (absolute), top level, nested and type-only alike."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                # `from pkg import mod` imports the submodule; `from mod import name` the module
                yield f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source


def _owner(name: str) -> str | None:
    """The module of `platforms/` a dotted name lives in, if any."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """module -> the modules of `platforms/` it imports."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        targets = {_owner(name) for name in _imported(module, path)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert "platforms.canonical" in graph["platforms.adapter"]  # from x import y
    assert "platforms.sandbox.kit" in graph["platforms.registry"]  # inside `if TYPE_CHECKING:`
    assert "platforms.shopify.sandbox.app" in graph["platforms.shopify"]  # inside a function
    assert "platforms.magento.sandbox.query" in graph["platforms.magento.sandbox.app"]  # pkg.mod
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules_of_platforms() -> None:
    found = cycles(import_graph())
    assert found == [], "import cycles in platforms/:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_core_contracts_import_only_each_other() -> None:
    graph = import_graph()
    assert graph.keys() >= CORE
    outside = {module: sorted(graph[module] - CORE) for module in CORE if graph[module] - CORE}
    assert outside == {}
