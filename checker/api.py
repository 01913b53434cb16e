"""The library entry points the CLI (and any other caller) uses."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from .findings import CheckResult
from .language.contracts import LoadedContract, load_contract
from .language.templates import LoadedTemplate, RuleLayers, load_templates
from .read.events import read_events
from .run.replay import check

PROGRESS_THRESHOLD = 50_000


def load(
    contract_file: Path, rules_dir: RuleLayers = None, templates: Mapping[str, LoadedTemplate] | None = None,
) -> tuple[LoadedContract, Mapping[str, LoadedTemplate]]:
    """A contract and the templates it is checked with: `templates` when the caller already has
    them (a workspace reads each template once for all its contracts), else those of `rules_dir`."""
    if templates is None:
        templates = load_templates(rules_dir)
    return load_contract(contract_file, templates), templates


def run_check(
    contract_file: Path,
    event_files: list[str],
    as_of: dt.datetime | None = None,
    rules_dir: RuleLayers = None,
    lenient: bool = False,
    jobs: int = 1,
    show_progress: bool = False,
    events_table: str | None = None,
    events_query: str | None = None,
    templates: Mapping[str, LoadedTemplate] | None = None,
) -> CheckResult:
    contract, templates = load(contract_file, rules_dir, templates)
    return check_loaded(contract, templates, event_files, as_of, lenient, jobs, show_progress,
                        events_table, events_query)


def check_loaded(
    contract: LoadedContract,
    templates: Mapping[str, LoadedTemplate],
    event_files: list[str],
    as_of: dt.datetime | None = None,
    lenient: bool = False,
    jobs: int = 1,
    show_progress: bool = False,
    events_table: str | None = None,
    events_query: str | None = None,
) -> CheckResult:
    """Read the event logs and replay them against a contract already loaded."""
    with few_collections():
        log = read_events(event_files, lenient=lenient, table=events_table, query=events_query)
        # The events live until the end of the run: keep the collector from rescanning them.
        gc.freeze()
        if not show_progress or len(log.events) < PROGRESS_THRESHOLD:
            return check(contract, templates, log, as_of, lenient, jobs=jobs)
        from .run.progress import replay_progress

        with replay_progress(len(log.events), jobs) as advance:
            return check(contract, templates, log, as_of, lenient, jobs=jobs, progress=advance)


@contextmanager
def few_collections() -> Iterator[None]:
    """A run allocates millions of long-lived objects and few cycles: collect rarely meanwhile."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
