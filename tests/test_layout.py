"""The package layout shows the pipeline, and imports only point down it.

    read → language → run → api → authoring → commands, cli
    report (renderers of findings) sits beside run; shared vocabulary (errors, models, findings,
    limits, values, moments) is below everything.

A module may import its own package, the packages its stage allows, and the shared modules —
never a later stage (e.g. the engine never imports a command, a reader never imports the
language) — and the module-level imports have no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "checker"
SHARED = {"checker", "checker.errors", "checker.models", "checker.findings", "checker.limits", "checker.values",
          "checker.moments"}
# stage → the stages it may import (besides itself and the shared modules)
ALLOWED: dict[str, set[str]] = {
    "shared": set(),
    "read": set(),
    "language": {"read"},
    "run": {"read", "language"},
    "report": set(),
    "api": {"read", "language", "run"},
    "authoring": {"read", "language", "run", "report", "api"},
    "commands": {"read", "language", "run", "report", "api", "authoring", "cli"},
    "cli": {"read", "language", "run", "report", "api", "authoring", "commands"},
}


def stage(module: str) -> str:
    if module in SHARED:
        return "shared"
    part = module.split(".")[1]
    if part in ("read", "language", "run", "report", "authoring", "commands"):
        return part
    if part in ("api",):
        return "api"
    if part in ("cli", "__main__"):
        return "cli"
    raise AssertionError(f"{module} belongs to no stage: put it in a stage package or list it as shared")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("checker"):
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    found.add(candidate if _is_module(candidate) else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("checker"))
    return found


def _is_module(dotted: str) -> bool:
    path = ROOT / Path(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "scaffold" not in p.parts)


def test_every_import_points_down_the_pipeline() -> None:
    wrong = []
    for path in modules():
        source = module_name(path)
        mine = stage(source)
        for target in imports(path, top_level_only=False):
            theirs = stage(target)
            if theirs not in ("shared", mine) and theirs not in ALLOWED[mine]:
                wrong.append(f"{source} ({mine}) imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_module_level_imports_have_no_cycle() -> None:
    graph = {module_name(p): {t for t in imports(p, top_level_only=True) if t != module_name(p)} for p in modules()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, "import cycle: " + " → ".join([*visiting[visiting.index(node):], node])
        visiting.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)

