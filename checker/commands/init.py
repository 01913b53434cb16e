"""`contract-check init [DIR]`: scaffold a workspace in a team's own repository.

Writes the config (contract-check.toml, or `[tool.contract-check]` appended to pyproject.toml
with --pyproject), contracts/ with a two-clause starter contract, rules/ and policies/ for the
team's own templates and policies, events/ with a starter log, scenarios/, a
.pre-commit-config.yaml and a CI workflow. Never overwrites a file: if any target exists, nothing
is written and the files are named (exit 2). The scaffold is data in checker/scaffold/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import CheckError

SCAFFOLD = Path(__file__).resolve().parent.parent / "scaffold"
# scaffold file → where it goes in the workspace (files starting with a dot are kept without
# one in the package, so that no packaging tool skips them).
RENAMED = {
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "github-workflow.yml": ".github/workflows/contract-check.yml",
}
STARTER = ("contracts/starter-services-2025.yaml", "events/events.jsonl", "scenarios/starter-services-2025.yaml")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "init", help="scaffold a workspace: config, contracts/, rules/, policies/, events/, scenarios/, "
                     "pre-commit and CI",
        description="Scaffold a contract-check workspace in DIR (default: the current directory). "
                    "Nothing is overwritten: if a file it would write exists, it writes nothing.")
    parser.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR")
    parser.add_argument("--pyproject", action="store_true",
                        help="put the config in pyproject.toml as [tool.contract-check] instead of contract-check.toml")
    parser.add_argument("--bare", action="store_true",
                        help="without the starter contract, its event log and its scenarios")
    return parser


def plan(directory: Path, pyproject: bool, bare: bool) -> dict[Path, str]:
    """Target path → text, for every file init writes (the config excluded when --pyproject)."""
    files: dict[Path, str] = {}
    for source in sorted(p for p in SCAFFOLD.rglob("*") if p.is_file()):
        name = source.relative_to(SCAFFOLD).as_posix()
        if "__pycache__" in name or (bare and name in STARTER):
            continue
        if name == "contract-check.toml" and pyproject:
            continue
        text = source.read_text(encoding="utf-8")
        if bare and name == "contract-check.toml":
            text = text.replace('events = ["events/events.jsonl"]', 'events = []')
        files[directory / RENAMED.get(name, name)] = text
    if bare:
        files[directory / "contracts" / ".gitkeep"] = ""
        files[directory / "events" / ".gitkeep"] = ""
        files[directory / "scenarios" / ".gitkeep"] = ""
    return files


def pyproject_table(config_text: str) -> str:
    """The config's settings as a [tool.contract-check] table (same keys, same comments)."""
    return config_text.replace("[contract-check]", "[tool.contract-check]").replace(
        "[contract-check.contract-events]", "[tool.contract-check.contract-events]")


def run(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    if directory.exists() and not directory.is_dir():
        raise CheckError("not a directory", directory)
    files = plan(directory, args.pyproject, args.bare)
    existing = [path for path in files if path.exists()]
    config = directory / ("pyproject.toml" if args.pyproject else "contract-check.toml")
    if args.pyproject and config.is_file() and "contract-check" in _tables(config):
        existing.append(config)
    if existing:
        names = ", ".join(str(p) for p in existing)
        raise CheckError(f"init writes nothing over existing files; already there: {names}")
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if args.pyproject:
            table = pyproject_table((SCAFFOLD / "contract-check.toml").read_text(encoding="utf-8"))
            if args.bare:
                table = table.replace('events = ["events/events.jsonl"]', 'events = []')
            before = config.read_text(encoding="utf-8") if config.is_file() else ""
            separator = "" if not before or before.endswith("\n\n") else ("\n" if before.endswith("\n") else "\n\n")
            config.write_text(before + separator + table, encoding="utf-8")
    except OSError as exc:
        raise CheckError(f"cannot write the workspace: {exc.strerror or exc}", exc.filename) from None
    written = sorted(str(p.relative_to(directory)) for p in files)
    print(f"contract-check: workspace created in {directory}", file=sys.stdout)
    print(f"  config: {config.relative_to(directory)}", file=sys.stdout)
    for name in written:
        print(f"  {name}", file=sys.stdout)
    print("next: contract-check check   (then: contract-check test, contract-check agenda, "
          "pre-commit install)", file=sys.stdout)
    return 0


def _tables(pyproject: Path) -> set[str]:
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CheckError(f"cannot read it as TOML: {exc}", pyproject) from None
    tool = data.get("tool", {})
    return set(tool) if isinstance(tool, dict) else set()
