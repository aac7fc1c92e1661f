"""The content services import each other without circles, and never import content.tasks.

Every import of a content.services module (or content.tasks) in content/services and in
content/tasks.py is read from the source, at module level and inside functions alike: a
function-level import that closes a circle is a circle all the same (it only fails later, at
run time). Tasks call services, never the reverse: services send tasks by name
(content.services.enqueue).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "content" / "services"
TASKS = "content.tasks"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {module_name(p): p for p in SERVICES.rglob("*.py")}
    found[TASKS] = ROOT / "content" / "tasks.py"
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The known module `name` is, or is in (content.services.posts.check -> ...posts)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(source: str, known: dict[str, Path], package: str = "") -> set[str]:
    """The known modules a module's source imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .settle import x
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from content.services import planning` imports the module planning.
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            module = _resolve(name, known)
            if module is not None:
                found.add(module)
                break
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges[name] = imports_of(path.read_text(encoding="utf-8"), known, package) - {name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One path per circle found (depth-first)."""
    found: list[list[str]] = []
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_the_graph_reads_local_imports_and_finds_a_circle() -> None:
    known = {"content.services.a": Path("a.py"), "content.services.b": Path("b.py")}
    a = "from content.services import b\n"
    b = "def f():\n    from content.services.a import g\n    return g\n"
    edges = {
        "content.services.a": imports_of(a, known),
        "content.services.b": imports_of(b, known),
    }
    assert edges == {
        "content.services.a": {"content.services.b"},
        "content.services.b": {"content.services.a"},
    }
    assert cycles(edges) == [["content.services.a", "content.services.b", "content.services.a"]]


def test_the_graph_covers_the_services() -> None:
    edges = graph()
    assert "content.services.publishing.attempt" in edges
    assert "content.services.imports.running" in edges
    assert "content.services.state" in edges["content.services.planning"]
    assert "content.services.posts" in edges["content.services.approval"]
    assert "content.services.publishing.attempt" in edges[TASKS]


def test_content_services_have_no_import_circles() -> None:
    assert cycles(graph()) == []


@pytest.mark.parametrize("name", sorted(n for n in modules() if n != TASKS))
def test_a_service_never_imports_the_tasks(name: str) -> None:
    assert TASKS not in graph()[name]


def test_the_state_owner_imports_no_other_service() -> None:
    # Every service may use it; it uses none of them.
    assert {m for m in graph()["content.services.state"] if m.startswith("content.")} == set()
