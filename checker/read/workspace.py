"""The workspace: a team's own repository of contracts, rules, policies, events and scenarios.

Its config is `contract-check.toml` (table `[contract-check]`) or `[tool.contract-check]` in
pyproject.toml, found from the current directory upwards (the nearest wins; inside one folder
contract-check.toml wins over pyproject.toml). Paths in it are relative to the config's folder.
Command-line options override it: `--rules`, `--events`, `--fail-on` and the rest replace the
config's value for that run; `--no-config` ignores the config.

    [contract-check]
    contracts = ["contracts"]        # contract files or folders of them (*.yaml, *.yml)
    rules = ["rules"]                # your templates, over the bundled ones (same id overrides)
    policies = ["policies"]          # your term policies, over the bundled ones
    events = ["events/company.jsonl"]   # the log every contract is checked against
    events-table = "events"          # for a database URL in `events` (or events-query)
    scenarios = ["scenarios"]
    fail-on = "breach"

    [contract-check.contract-events]  # a contract's own logs instead of the shared ones
    acme-msa = ["events/acme.jsonl"]  # key: the contract file's name without .yaml
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CheckError

CONFIG_FILE = "contract-check.toml"
PYPROJECT = "pyproject.toml"
TABLE = "contract-check"
CONTRACT_SUFFIXES = (".yaml", ".yml")

# key → (kind, what it holds); kinds: paths (list of paths), path, text, events, choice, table
KEYS: dict[str, tuple[str, str]] = {
    "contracts": ("paths", "contract files or folders of them"),
    "rules": ("paths", "folders of your rule templates, layered over the bundled ones"),
    "policies": ("paths", "folders of your term policies, layered over the bundled ones"),
    "events": ("events", "event logs (files or database URLs) every contract is checked against"),
    "events-table": ("text", "the table of a database URL in `events`"),
    "events-query": ("text", "a SELECT whose rows are the events of a database URL in `events`"),
    "contract-events": ("table", "a contract's own event logs, by contract file name (without .yaml)"),
    "scenarios": ("paths", "scenario files or folders run by `contract-check test`"),
    "waivers": ("path", "the waiver file `check` applies"),
    "as-of": ("text", "the time deadlines are judged at (a date, a datetime with offset, or 'today')"),
    "fail-on": ("choice", "the verdict at or above which `check` exits 1"),
    "lint-fail-on": ("choice", "the severity at or above which `lint` exits 1"),
}
FAIL_ON = ("breach", "grey", "pending", "never")
LINT_FAIL_ON = ("error", "warning", "info", "never")


@dataclass(frozen=True)
class Workspace:
    """A loaded config: every path absolute (resolved against the config's folder)."""

    file: Path
    root: Path
    contracts: tuple[Path, ...] = ()
    rules: tuple[Path, ...] = ()
    policies: tuple[Path, ...] = ()
    events: tuple[str, ...] = ()
    events_table: str | None = None
    events_query: str | None = None
    contract_events: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scenarios: tuple[Path, ...] = ()
    waivers: Path | None = None
    as_of: str | None = None
    fail_on: str | None = None
    lint_fail_on: str | None = None

    def contract_files(self) -> list[Path]:
        """Every contract the workspace holds, in path order; a folder's proposals/ are not contracts."""
        if not self.contracts:
            raise CheckError(f"no `contracts` in [{self._table()}]: say where the contracts are", self.file)
        found: list[Path] = []
        for path in self.contracts:
            if path.is_file():
                found.append(path)
            elif path.is_dir():
                found.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix in CONTRACT_SUFFIXES))
            else:
                raise CheckError(f"contracts: {self._shown(path)} does not exist", self.file, self.line_of("contracts"))
        if not found:
            raise CheckError("contracts: no contract files (*.yaml) in " +
                             ", ".join(self._shown(p) for p in self.contracts), self.file, self.line_of("contracts"))
        return list(dict.fromkeys(found))

    def events_for(self, contract: Path) -> list[str]:
        """The logs a contract is checked against: its own (contract-events) or the shared ones."""
        own = self.contract_events.get(contract.stem)
        logs = own if own is not None else self.events
        if not logs:
            raise CheckError(
                f"no event log for contract {self._shown(contract)}: set `events` (shared) or "
                f"`contract-events.{contract.stem}` in the config, or pass --events", self.file)
        return list(logs)

    def line_of(self, key: str) -> int | None:
        return _line_of(self.file, key)

    def _table(self) -> str:
        return TABLE if self.file.name == CONFIG_FILE else f"tool.{TABLE}"

    def _shown(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)


def find_config(start: Path) -> Path | None:
    """The nearest contract-check.toml, or pyproject.toml with [tool.contract-check], upwards."""
    here = start.resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*[\"']?contract-check[\"']?\s*(\]|\.)", text, re.MULTILINE) is not None


def load_workspace(file: Path) -> Workspace:
    """Read and check a config file; every error names the file and the line."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckError("config file not found", file) from None
    except UnicodeDecodeError as exc:
        raise CheckError(f"not UTF-8 (byte 0x{exc.object[exc.start]:02x})", file, text_line(exc.object, exc.start)) from None
    except OSError as exc:
        raise CheckError(f"cannot read the config: {exc.strerror or exc}", file) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, file) from None
    if file.name == PYPROJECT:
        table = data.get("tool", {}).get(TABLE)
        name = f"tool.{TABLE}"
    else:
        table = data.get(TABLE)
        name = TABLE
    if not isinstance(table, dict):
        raise CheckError(f"no [{name}] table in this file", file, 1)
    return _workspace(file, table, name)


def _toml_error(exc: tomllib.TOMLDecodeError, file: Path) -> CheckError:
    message = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    if found:
        message = message[: found.start()].rstrip()
        return CheckError(f"invalid TOML: {message}", file, int(found.group(1)), int(found.group(2)))
    return CheckError(f"invalid TOML: {message}", file)


def text_line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _line_of(file: Path, key: str) -> int | None:
    """The line where `key = ...` is written (tomllib keeps no positions), if it can be found."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(lines, 1):
        if pattern.match(line):
            return number
    return None


def _shown_from(root: Path, written: str) -> Path:
    """A config path as the user sees it: relative to the current directory when inside it."""
    path = root / written
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _workspace(file: Path, table: dict[str, Any], name: str) -> Workspace:
    root = file.parent.resolve()

    def fail(key: str, message: str) -> CheckError:
        return CheckError(f"[{name}] {key}: {message}", file, _line_of(file, key))

    def paths(key: str, value: Any) -> tuple[Path, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
            raise fail(key, "must be a path or a list of paths (strings)")
        return tuple(_shown_from(root, v) for v in items)

    def events(key: str, value: Any) -> tuple[str, ...]:
        from .sources import is_url

        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
            raise fail(key, "must be an event log or a list of them (paths or database URLs)")
        return tuple(v if v == "-" or is_url(v) else str(_shown_from(root, v)) for v in items)

    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            known = ", ".join(KEYS)
            raise fail(key, f"unknown setting; known: {known}")
        kind = KEYS[key][0]
        attr = key.replace("-", "_")
        if kind == "paths":
            values[attr] = paths(key, value)
        elif kind == "path":
            if not isinstance(value, str) or not value:
                raise fail(key, "must be a path (a string)")
            values[attr] = _shown_from(root, value)
        elif kind == "events":
            values[attr] = events(key, value)
        elif kind == "text":
            if not isinstance(value, str) or not value.strip():
                raise fail(key, "must be a non-empty string")
            values[attr] = value
        elif kind == "choice":
            choices = FAIL_ON if key == "fail-on" else LINT_FAIL_ON
            if value not in choices:
                raise fail(key, f"must be one of {', '.join(choices)}, got {value!r}")
            values[attr] = value
        else:
            if not isinstance(value, dict):
                raise fail(key, "must be a table: contract file name = [event logs]")
            values[attr] = {stem: events(f"{key}.{stem}", logs) for stem, logs in value.items()}
    if "events_table" in values and "events_query" in values:
        raise fail("events-query", "give events-table or events-query, not both")
    return Workspace(file=file, root=root, **values)


def discover(config: Path | None, use_config: bool, start: Path | None = None) -> Workspace | None:
    """The workspace a command runs in: --config, else the nearest config upwards, else none."""
    if not use_config:
        return None
    if config is not None:
        return load_workspace(config)
    found = find_config(start or Path.cwd())
    return None if found is None else load_workspace(found)
