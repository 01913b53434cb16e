"""`contract-check check`: replay an event log and report every obligation's verdict."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import CheckError
from ..findings import FAIL_LEVELS
from ..report.escape import human
from . import settings, write_report


def parse_as_of(text: str) -> dt.datetime:
    from ..read.events import parse_time

    if text == "today":
        return dt.datetime.now(dt.UTC)
    if not text.strip():
        raise CheckError("--as-of: empty; give a date (2025-06-30), a datetime with an offset, or 'today'")
    try:
        return parse_time(text)
    except ValueError as exc:
        raise CheckError(f"--as-of: {exc}") from None


def add_inputs(parser: argparse.ArgumentParser) -> None:
    from ..read.sources import EventsOption

    parser.add_argument("--contract", type=Path,
                        help="contract YAML file (default in a workspace: every contract of its config)")
    # EventsOption binds each database URL of --events to --events-table/--events-query (in any
    # order), so args.events is the list read_events reads.
    parser.add_argument("--events", action=EventsOption,
                        help="event log: .jsonl, .json, .csv, .parquet, a database URL (sqlite:///events.db, "
                             "postgresql://user@host/db) or - for JSON lines on stdin; repeat to read several "
                             "(default in a workspace: the logs its config names)")
    parser.add_argument("--events-table", action=EventsOption, metavar="[SCHEMA.]TABLE",
                        help="the table of a database --events that holds the events (one row an event)")
    parser.add_argument("--events-query", action=EventsOption, metavar="SQL",
                        help="a SELECT whose rows are the events of a database --events (instead of --events-table)")
    parser.add_argument("--as-of", help="date deadlines are judged at (default: latest event; 'today' uses the clock)")
    add_rules_option(parser)
    parser.add_argument("--lenient", action="store_true",
                        help="skip unreadable event lines, reporting each, instead of refusing the log")
    parser.add_argument("--jobs", type=_jobs, default=1,
                        help="replay independent clauses in N processes (same result; default 1)")


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", type=Path, action="append",
                        help="a folder of your rule templates, layered over the bundled ones (a template with a "
                             "bundled id replaces it); repeat for several (default in a workspace: its `rules`)")


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"--jobs needs a whole number from 1 to 64, got {text!r}")
    return int(text)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    from ..report import FORMATS

    parser: argparse.ArgumentParser = sub.add_parser(
        "check", help="replay an event log and judge every obligation it sets off")
    add_inputs(parser)
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", type=Path, help="write the report here instead of standard output")
    parser.add_argument("--fail-on", choices=list(FAIL_LEVELS),
                        help="exit 1 when a finding at or above this verdict exists (default: the config's "
                             "`fail-on`, else breach)")
    parser.add_argument("--verbose", action="store_true", help="list ok and pending findings in Markdown too")
    parser.add_argument("--waivers", type=Path,
                        help="YAML file of reviewed findings to acknowledge (kept, marked waived, not failing)")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..api import run_check
    from ..language.templates import load_templates
    from ..report import RenderOptions, render

    as_of_text = settings.as_of_text(args)
    as_of = None if as_of_text is None else parse_as_of(as_of_text)
    fail_on = settings.fail_on(args, "breach")
    waivers = None
    waivers_file = settings.waivers_file(args)
    if waivers_file is not None:
        from ..authoring.waivers import check_waiver_targets, load_waivers

        waivers = load_waivers(waivers_file)
        check_waiver_targets(waivers)
    contracts = settings.contracts(args)
    templates = load_templates(settings.rule_layers(args))  # read once for every contract
    results = []
    for contract in contracts:
        result = run_check(contract, settings.event_logs(args, contract), as_of, lenient=args.lenient, jobs=args.jobs,
                           show_progress=sys.stderr.isatty(), templates=templates)
        if waivers is not None:
            from ..authoring.waivers import apply_waivers, waiver_notes

            apply_waivers(result, waivers)
            for note in waiver_notes(result):
                print(f"contract-check: {note}", file=sys.stderr)
        results.append(result)
    colour = args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    options = RenderOptions(colour=colour, fail_on=fail_on, verbose=args.verbose)
    if args.contract is not None:
        report = render(args.format, results[0], options)
    else:
        from ..report.workspace import render_workspace

        report = render_workspace(args.format, results, options)
    write_report(report, args.output)
    skipped = 0
    for result in results:
        if result.skipped:
            skipped += len(result.skipped)
            whose = "" if args.contract is not None else f"{human(result.contract_id)}: "
            print(f"contract-check: {whose}skipped {len(result.skipped)} unreadable line(s):", file=sys.stderr)
            for s in result.skipped:
                print(f"  {human(s['file'])}:{human(s['line'])}: {human(s['error'])}", file=sys.stderr)
    if skipped and fail_on != "never":
        # A report that rests on a damaged log never passes a gate silently.
        print(f"contract-check: {skipped} line(s) were skipped, so this run fails "
              "(--fail-on never accepts a damaged log)", file=sys.stderr)
        return 1
    return 1 if any(result.failing(FAIL_LEVELS[fail_on]) for result in results) else 0
