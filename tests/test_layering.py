"""The package's shape: no import loops (lazy imports inside functions count), arrows
that point down the layering the README draws, and small leaf imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "bliss_lite"

#: The rooms, top first: a room may import only rooms below it (README, Development).
LAYERS = [
    ["shell"],
    ["session"],
    ["compat", "streaming"],  # streaming's consumers show scans in flint's window
    ["flint"],
    ["commands"],
    ["scanning"],
    ["scan_meta"],
    ["devices"],
    ["config", "settings"],
    ["nexus"],
    ["events", "current", "_common", "_version", "utils", "signals"],
]
#: What nexus may import besides itself (README: h5py/numpy and the event/protocol types).
NEXUS_MAY_IMPORT = {"events", "_common", "_version"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """bliss_lite modules ``path`` imports anywhere (functions too), except under
    ``if TYPE_CHECKING:``, which never runs."""
    tree = ast.parse(path.read_text(), str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                     for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) - {name} for name, path in known.items()}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_loops():
    edges = graph()
    loops = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                loops.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert loops == []


def test_arrows_point_down():
    level = {name: i for i, names in enumerate(LAYERS) for name in names}
    up = []
    for source, targets in graph().items():
        if source == "bliss_lite":  # the top package: wires the holder to the session room
            continue
        for target in targets:
            a, b = room(source), room(target)
            if target == "bliss_lite" or a == b:
                continue
            if a == "nexus" and b not in NEXUS_MAY_IMPORT:
                up.append(f"{source} -> {target} (nexus imports only events/_common)")
            elif level[b] <= level[a] and a != "nexus":
                up.append(f"{source} -> {target}")
    assert sorted(up) == []


def loaded_by(module: str) -> list[str]:
    code = f"import sys, {module}; print(' '.join(sorted(m for m in sys.modules if m.startswith('bliss_lite'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_the_writer_loads_at_most_12_modules():
    loaded = loaded_by("bliss_lite.nexus.writer")
    assert len(loaded) <= 12, loaded
    assert not any(m.startswith(("bliss_lite.scanning", "bliss_lite.session", "bliss_lite.devices"))
                   for m in loaded)


def test_the_events_module_loads_only_the_package_and_the_holder():
    assert loaded_by("bliss_lite.events") == ["bliss_lite", "bliss_lite.current", "bliss_lite.events"]
