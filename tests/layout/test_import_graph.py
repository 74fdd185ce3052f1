"""The import graph tells the truth: project modules are imported at the top of files, and never in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {"sotay": "sotay", "index": "sotay.index", "rules": "sotay.rules", "bot": "sotay.bot",
            "corpus": "sotay.corpus"}


def product_modules() -> dict[str, Path]:
    """Module name -> source file, for every product module."""
    found: dict[str, Path] = {}
    for folder, package in PACKAGES.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


MODULES = product_modules()


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The product modules an import statement loads (a ``from pkg import submodule`` names the submodule)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in MODULES]
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join(anchor + ([base] if base else []))
    targets = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
    return targets or ([base] if base in MODULES else [])


def imports_of(module: str) -> tuple[list[str], list[tuple[int, str]]]:
    """(product modules imported at module level, (line, module) of those imported inside a function or class)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(n) for n in tree.body}
    for node in tree.body:  # "if TYPE_CHECKING:" blocks count as module level
        if isinstance(node, ast.If):
            top_level |= {id(n) for n in node.body}
    at_top: list[str] = []
    nested: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target in _imported(node, module, path.name == "__init__.py"):
                if id(node) in top_level:
                    at_top.append(target)
                else:
                    nested.append((node.lineno, target))
    return at_top, nested


def test_no_in_function_import_of_project_modules() -> None:
    offenders = [f"{MODULES[m].relative_to(REPO)}:{line} imports {target}"
                 for m in MODULES for line, target in imports_of(m)[1]]
    assert not offenders, "\n".join(offenders)


def test_no_import_circle() -> None:
    graph = {m: sorted(set(imports_of(m)[0]) - {m}) for m in MODULES}
    # A package's __init__ that re-exports its submodules is not a circle with them.
    for package in [m for m in MODULES if MODULES[m].name == "__init__.py"]:
        for m in graph:
            if m.startswith(package + "."):
                graph[m] = [t for t in graph[m] if t != package]
    state: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in graph[node]:
            if state.get(target) == 1:
                circles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module)
    assert not circles, "\n".join(" -> ".join(c) for c in circles)


def test_the_graph_is_read_from_every_product_file() -> None:
    """The walk sees the real tree: the modules a reader starts from are there, with real edges."""
    assert {"sotay.cli", "sotay.commands.ask", "sotay.index.search.hybrid", "sotay.rules.engine",
            "sotay.bot.dialogue"} <= MODULES.keys()
    assert "sotay.index.search.hybrid" in imports_of("sotay.index.answer")[0]
