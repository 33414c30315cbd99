"""The house's layout rules, read from the source: no module of tracker/ imports, however
indirectly, a module that imports it back (counting imports inside functions and under
TYPE_CHECKING, which hide a circle rather than break it)."""

import ast
from pathlib import Path

import tracker

PACKAGE = Path(tracker.__file__).parent


def module_files() -> dict[str, Path]:
    files = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def import_graph() -> dict[str, set[str]]:
    """Each tracker module and the tracker modules it imports anywhere in its text."""
    files = module_files()

    def module_of(name: str) -> str:
        # `from tracker.plan.models import Plan` imports tracker.plan.models, not a module `Plan`.
        while name not in files:
            name = name.rpartition(".")[0]
        return name

    graph = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                imported |= {f"{base}.{alias.name}" for alias in node.names}
        graph[name] = {
            module_of(target) for target in imported if target.startswith("tracker.")
        } - {name, "tracker"}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_checker_finds_a_circle():
    graph = {"tracker.a": {"tracker.b"}, "tracker.b": {"tracker.c"}, "tracker.c": {"tracker.a"}}
    assert circles(graph) == [["tracker.a", "tracker.b", "tracker.c"]]
    assert circles({"tracker.a": {"tracker.b"}, "tracker.b": set()}) == []


def test_the_graph_sees_imports_inside_functions_and_type_checking():
    graph = import_graph()
    assert "tracker.auth.models" in graph["tracker.audit.services"]
    assert "tracker.db" in graph["tracker.plan.models"]


def test_no_module_imports_itself_back():
    assert circles(import_graph()) == []
