"""The house's shape, checked: apps depend one way (accounts ← forum ← campaigns, and
accounts ← forum ← conversations, which nothing imports), no module
imports another app's private name, and no two modules import each other, directly or round a
circle (counting imports inside functions, which is where circles hide)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What each app may import: only apps below it. Campaigns and conversations sit side by side.
MAY_IMPORT: dict[str, set[str]] = {
    "accounts": set(),
    "forum": {"accounts"},
    "campaigns": {"accounts", "forum"},
    "conversations": {"accounts", "forum"},
}
APPS = list(MAY_IMPORT)
PROJECT = [*APPS, "grassroots"]


def modules() -> dict[str, Path]:
    found = {}
    for package in PROJECT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, list[str], int]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((module, [alias.name for alias in node.names], node.lineno))
    return found


MODULES = modules()


def resolve(module: str, names: list[str]) -> list[str]:
    """The project modules an import statement loads (`from forum import services` loads
    forum.services)."""
    loaded = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
    if module in MODULES or not loaded:
        loaded.append(module)
    return [m for m in loaded if m in MODULES]


def app_of(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_apps_depend_one_way_and_take_no_private_names(name):
    here = app_of(name)
    for module, names, line in imports(name, MODULES[name]):
        there = app_of(module)
        if there not in APPS or there == here:
            continue
        where = f"{MODULES[name].relative_to(ROOT)}:{line}"
        if here in APPS:
            assert there in MAY_IMPORT[here], f"{where}: {here} imports {there}"
        private = [n for n in names if n.startswith("_")]
        private += [part for part in module.split(".") if part.startswith("_")]
        assert not private, f"{where}: imports {there}'s private {', '.join(private)}"


def test_no_module_imports_round_a_circle():
    graph = {
        name: {m for module, names, _ in imports(name, path) for m in resolve(module, names)}
        - {name}
        for name, path in MODULES.items()
    }
    # A package's __init__ importing its own submodules is how packages are built, not a circle.
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(f"{m}.")}
    circles = []
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                circles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_checks_see_the_code():
    # Guards against a walker that silently finds nothing (a moved folder, a parse change).
    assert {"forum.services", "campaigns.services", "accounts.models"} <= set(MODULES)
    assert ("forum.models", ["Post"]) in [
        (m, [n for n in names if n == "Post"])
        for m, names, _ in imports("campaigns.models", MODULES["campaigns.models"])
    ]
