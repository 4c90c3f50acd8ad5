"""The code stays in the three layers README draws: no module of handlers/, bot/ or storage/ imports its way
back to itself (at the top of a file, inside a function or under TYPE_CHECKING alike), and every import
points down: handlers -> bot -> storage, and inside bot, messages and rules below the services and jobs."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("handlers", "bot", "storage")


def product_modules() -> dict[str, Path]:
    modules = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def imported_by(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every product module `name` imports anywhere in its file (the closest module an import names)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = product_modules()
    return {name: imported_by(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One path around each loop found by a depth-first walk (a module that reaches itself again)."""
    found, state, trail = [], {}, []

    def visit(module: str) -> None:
        state[module] = "open"
        trail.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                found.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                visit(target)
        trail.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_no_module_imports_its_way_back_to_itself():
    assert [" -> ".join(loop) for loop in cycles(import_graph())] == []


def test_the_cycle_finder_finds_a_loop_through_three_modules():
    graph = {"bot.people": {"bot.services"}, "bot.services": {"bot.zones"}, "bot.zones": {"bot.people"}, "x": set()}
    assert cycles(graph) == [["bot.people", "bot.services", "bot.zones", "bot.people"]]


def upward(importer: str, imported: str) -> bool:
    """An import that points up the layers (bot.app wiring the handlers in is the one way in)."""
    if importer.startswith("storage"):
        return not imported.startswith("storage")
    if importer.startswith("handlers"):
        return imported.startswith(("storage", "bot.jobs"))
    if importer.startswith("bot.messages") or importer.startswith("bot.rules"):
        return imported.startswith(("bot.services", "bot.jobs", "handlers"))
    return imported.startswith("handlers") and importer != "bot.app"


def test_every_import_points_down_the_layers():
    graph = import_graph()
    assert sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets if upward(a, b)) == []
