"""The layering the folder names promise, checked on the source: no import cycles (function-local imports count),
Reflex only in `ui/` and `rxconfig.py`, the UI reaching the rest only through facades, and no module over 400
lines."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from data360_chat.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "data360_chat"
MAX_LINES = 400
# What the UI may import from the rest of the app: the chats and admin facades, accounts, settings; the app module
# also wires the HTTP routes and the process's services (observability included), and each page event opens its
# log context.
UI_FACADES = (
    "data360_chat.chats",
    "data360_chat.admin.service",
    "data360_chat.auth",
    "data360_chat.settings",
    "data360_chat.ui",
)
UI_WIRING = {
    "data360_chat.ui.app": (
        "data360_chat.web.app",
        "data360_chat.web.security_headers",
        "data360_chat.streams",
        "data360_chat.observability",
    ),
    "data360_chat.ui.state.auth": ("data360_chat.observability.context",),
    "data360_chat.ui.server": ("data360_chat.observability",),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Every module of ours that `path` imports, anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
            targets = submodules if len(submodules) == len(node.names) else [base, *submodules]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def imports_reflex(path: Path) -> bool:
    """Whether the file imports Reflex (or one of its packages) anywhere."""
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        if any(name == "reflex" or name.startswith(("reflex.", "reflex_")) for name in names):
            return True
    return False


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others() -> None:
    known = modules()
    graph = {name: set(imports(path, known)) for name, path in known.items()}
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_reflex_stays_in_the_ui_and_the_ui_uses_facades() -> None:
    known = modules()
    assert imports_reflex(PROJECT_ROOT / "rxconfig.py")
    for name, path in known.items():
        if not name.startswith("data360_chat.ui"):
            assert not imports_reflex(path), name
            continue
        allowed = UI_FACADES + UI_WIRING.get(name, ())
        reached = [target for target in imports(path, known) if not target.startswith(allowed)]
        assert reached == [], f"{name} reaches past the facades: {reached}"


def test_no_module_is_longer_than_400_lines() -> None:
    folders = [PACKAGE, PROJECT_ROOT / "tests", PROJECT_ROOT / "bench"]
    long = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for folder in folders
        for path in folder.rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
