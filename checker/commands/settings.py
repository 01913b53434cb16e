"""What a command runs with: its command-line options first, then the workspace config, then defaults.

Every command gets `args.workspace` (checker/read/workspace.py; None outside a workspace or with
--no-config). The helpers here are the one place that decides which source wins, so `check`,
`agenda`, `lint`, `diff`, `test`, `explain` and `rules` agree.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import CheckError
from ..read.workspace import Workspace


def workspace(args: argparse.Namespace) -> Workspace | None:
    ws: Workspace | None = getattr(args, "workspace", None)
    return ws


def _chosen(args: argparse.Namespace, flag: str, key: str | None = None) -> Any:
    """The command line's value of `flag` when given, else the config's `key` (default: the same
    name), else None."""
    given = getattr(args, flag, None)
    if given is not None:
        return given
    ws = workspace(args)
    return getattr(ws, key or flag, None) if ws is not None else None


def rule_layers(args: argparse.Namespace) -> list[Path]:
    """Folders of templates over the bundled ones: --rules (repeatable), else the config's `rules`."""
    return list(_chosen(args, "rules") or ())


def policy_folders(args: argparse.Namespace) -> list[Path]:
    """Folders of policies over the bundled ones: --policies (repeatable), else the config's `policies`."""
    given: list[Path] | None = getattr(args, "policies", None)
    if given:
        return list(given)
    ws = workspace(args)
    if ws is None:
        return []
    # A workspace's policies/ starts empty: nothing to layer yet (a folder that is missing is
    # still an error, from the loader).
    return [folder for folder in ws.policies if not folder.is_dir() or any(folder.glob("*.yaml"))]


def event_logs(args: argparse.Namespace, contract: Path | None) -> list[str]:
    """--events as given (bound to --events-table/--events-query), else the config's logs for
    this contract (its own `contract-events`, else the shared `events`)."""
    given: list[str] | None = getattr(args, "events", None)
    if given:
        return given
    ws = workspace(args)
    if ws is None:
        raise CheckError("--events is required (or run inside a workspace whose config names the event logs: "
                         "see `contract-check init`)")
    from ..read.sources import bind

    logs = ws.events_for(contract) if contract is not None else list(ws.events)
    if not logs:
        raise CheckError("no event logs: pass --events, or set `events` in the config", ws.file, ws.line_of("events"))
    bound = argparse.Namespace(events=logs, events_table=ws.events_table, events_query=ws.events_query)
    bind(bound)
    events: list[str] = bound.events
    return events


def contracts(args: argparse.Namespace) -> list[Path]:
    """--contract when given, else every contract of the workspace."""
    given: Path | None = getattr(args, "contract", None)
    if given is not None:
        return [given]
    ws = workspace(args)
    if ws is None:
        raise CheckError("--contract is required outside a workspace (a folder with contract-check.toml, "
                         "or pyproject.toml with [tool.contract-check]: see `contract-check init`)")
    return ws.contract_files()


def as_of_text(args: argparse.Namespace) -> str | None:
    chosen: str | None = _chosen(args, "as_of")
    return chosen


def fail_on(args: argparse.Namespace, default: str, config_key: str = "fail_on") -> str:
    chosen: str | None = _chosen(args, "fail_on", config_key)
    return chosen or default


def waivers_file(args: argparse.Namespace) -> Path | None:
    chosen: Path | None = _chosen(args, "waivers")
    return chosen
