"""The core is a library with no UI in it: importing it must not import Textual."""

import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "tui" / "core"


def test_core_imports_nothing_from_textual():
    modules = sorted(p.stem for p in CORE.glob("*.py") if p.stem != "__init__")
    code = "import sys\n" + "".join(f"import tui.core.{m}\n" for m in modules) + (
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.') or m == 'rich' or m.startswith('rich.')]\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(modules) >= 10


PACKAGE = CORE.parent


def _imports() -> dict[str, set[str]]:
    """Every tui module and the tui modules it imports at run time, at the top or inside a function."""
    import ast

    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # imports only a type checker runs are no cycle at run time
            if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
                node.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("tui"):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("tui"))
        graph[name] = found
    return {m: {d for d in deps if d in graph and d != m and d != "tui"} for m, deps in graph.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state and (found := visit(d)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_no_import_cycles_even_through_imports_inside_functions():
    graph = _imports()
    assert "tui.core.transaction" in graph and "tui.core.gitrepo" in graph["tui.core.transaction"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_layers_point_one_way():
    graph = _imports()
    for m, deps in graph.items():
        if m.startswith("tui.core"):
            assert not {d for d in deps if d.startswith(("tui.cli", "tui.ui"))}, m
        if m.startswith("tui.ui"):
            assert not {d for d in deps if d.startswith("tui.cli")}, m
        if m.startswith("tui.cli"):
            assert not {d for d in deps if d.startswith("tui.ui") and d != "tui.ui.app"}, m
