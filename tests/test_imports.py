"""The package's import graph: no circles, and no private name (``_x``) used across modules.

Every import counts, also those inside functions (a lazy import only hides a circle from the
interpreter, not from the reader). The tests are walked too: they use public names only.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "audio2digest"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def scan(path: Path, module: str, known: set[str]):
    """(imported modules, [(other module, private name)]) of one file."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    is_package = path.name == "__init__.py"
    imports: set[str] = set()
    private: list[tuple[str, str]] = []
    aliases: dict[str, str] = {}  # local name -> package module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("audio2digest"):
                    imports.add(a.name)
                    if a.asname:
                        aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            src = _resolve(module, node, is_package)
            if not src.startswith("audio2digest"):
                continue
            parent, _, last = src.rpartition(".")
            if (
                last.startswith("_")
                and not last.startswith("__")
                and not (module == parent or module.startswith(parent + "."))
            ):
                private.append((parent, last))  # a private module of another package
            for a in node.names:
                sub = f"{src}.{a.name}"
                if sub in known:  # "from audio2digest import pipeline": a module
                    imports.add(sub)
                    aliases[a.asname or a.name] = sub
                    continue
                imports.add(src)
                if a.name.startswith("_") and not a.name.startswith("__") and src != module:
                    private.append((src, a.name))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and aliases[node.value.id] != module
        ):
            private.append((aliases[node.value.id], node.attr))
    return imports, private


def graph() -> dict[str, set[str]]:
    mods = package_modules()
    known = set(mods)
    out: dict[str, set[str]] = {}
    for name, path in mods.items():
        imports, _ = scan(path, name, known)
        # A package's __init__ importing its own submodules (a registry) is not a circle
        # of design: the submodule depends on the package, not the other way round.
        out[name] = {
            m
            for m in imports
            if m in known and m != name and not (m.startswith(name + ".") and path.name == "__init__.py")
        }
    return out


def cycles(g: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[frozenset[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(frozenset(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def private_uses() -> list[tuple[str, str, str]]:
    mods = package_modules()
    known = set(mods)
    found = []
    files = dict(mods)
    files.update({module_name(p): p for p in sorted((ROOT / "tests").glob("*.py"))})
    for name, path in files.items():
        _, private = scan(path, name, known)
        found += [(name, src, attr) for src, attr in private]
    return found


def test_the_scanner_finds_a_circle_and_a_private_import(tmp_path):
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(g) == [frozenset({"a", "b", "c"})]
    f = tmp_path / "m.py"
    f.write_text(
        "from audio2digest.pipeline import _x\nimport audio2digest.stages as st\n"
        "from audio2digest.render._common import clock\n"
        "def f():\n    return st._y\n",
        "utf-8",
    )
    _, private = scan(f, "m", {"audio2digest.pipeline", "audio2digest.stages", "audio2digest.render._common"})
    assert sorted(private) == [
        ("audio2digest.pipeline", "_x"),
        ("audio2digest.render", "_common"),
        ("audio2digest.stages", "_y"),
    ]


def test_no_import_circles():
    found = cycles(graph())
    assert not found, "import circles: " + "; ".join(" ↔ ".join(sorted(c)) for c in found)


def test_no_private_names_across_modules():
    found = private_uses()
    assert not found, "private names used across modules: " + ", ".join(
        f"{user} uses {src}.{name}" for user, src, name in found
    )


def test_dependencies_point_down():
    """sources, asr, text, render and the stage list know nothing of pipeline, batch or cli."""
    low = (
        "audio2digest.sources",
        "audio2digest.asr",
        "audio2digest.text",
        "audio2digest.render",
        "audio2digest.stages",
        "audio2digest.types",
        "audio2digest.errors",
        "audio2digest.files",
    )
    high = ("audio2digest.pipeline", "audio2digest.batch", "audio2digest.cli")
    wrong = [(m, d) for m, deps in graph().items() if m.startswith(low) for d in deps if d.startswith(high)]
    assert not wrong, wrong


def test_every_import_of_a_package_name_resolves():
    """A lazy import inside a function fails only when it runs: check them all now."""
    import importlib

    mods = package_modules()
    missing = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            src = _resolve(name, node, path.name == "__init__.py")
            if src not in mods:
                continue
            module = importlib.import_module(src)
            for a in node.names:
                if not hasattr(module, a.name) and f"{src}.{a.name}" not in mods:
                    missing.append(f"{name}: from {src} import {a.name}")
    assert not missing, missing
