"""The library entry points the CLI (and any other caller) uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .contracts import LoadedContract, load_contract
from .events import read_events
from .findings import CheckResult
from .replay import check
from .templates import LoadedTemplate, load_templates


def load(contract_file: Path, rules_dir: Path | None = None) -> tuple[LoadedContract, dict[str, LoadedTemplate]]:
    templates = load_templates(rules_dir)
    return load_contract(contract_file, templates), templates


def run_check(
    contract_file: Path,
    event_files: list[str],
    as_of: dt.datetime | None = None,
    rules_dir: Path | None = None,
    lenient: bool = False,
    jobs: int = 1,
) -> CheckResult:
    contract, templates = load(contract_file, rules_dir)
    log = read_events(event_files, lenient=lenient)
    return check(contract, templates, log, as_of, lenient, jobs=jobs)
