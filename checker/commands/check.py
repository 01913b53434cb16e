"""`contract-check check`: replay an event log and report every obligation's verdict."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import CheckError
from . import write_report

FAIL_LEVELS: dict[str, tuple[str, ...]] = {
    "breach": ("breach",),
    "grey": ("breach", "grey"),
    "pending": ("breach", "grey", "pending"),
    "never": (),
}


def parse_as_of(text: str) -> dt.datetime:
    from ..events import parse_time

    if text == "today":
        return dt.datetime.now(dt.UTC)
    if not text.strip():
        raise CheckError("--as-of: empty; give a date (2025-06-30), a datetime with an offset, or 'today'")
    try:
        return parse_time(text)
    except ValueError as exc:
        raise CheckError(f"--as-of: {exc}") from None


def add_inputs(parser: argparse.ArgumentParser) -> None:
    from ..sources import EventsOption

    parser.add_argument("--contract", required=True, type=Path, help="contract YAML file")
    # EventsOption binds each database URL of --events to --events-table/--events-query (in any
    # order), so args.events is the list read_events reads.
    parser.add_argument("--events", required=True, action=EventsOption,
                        help="event log: .jsonl, .json, .csv, .parquet, a database URL (sqlite:///events.db, "
                             "postgresql://user@host/db) or - for JSON lines on stdin; repeat to read several")
    parser.add_argument("--events-table", action=EventsOption, metavar="[SCHEMA.]TABLE",
                        help="the table of a database --events that holds the events (one row an event)")
    parser.add_argument("--events-query", action=EventsOption, metavar="SQL",
                        help="a SELECT whose rows are the events of a database --events (instead of --events-table)")
    parser.add_argument("--as-of", help="date deadlines are judged at (default: latest event; 'today' uses the clock)")
    parser.add_argument("--rules", type=Path, help="rule-template directory (default: the bundled rules/)")
    parser.add_argument("--lenient", action="store_true",
                        help="skip unreadable event lines, reporting each, instead of refusing the log")
    parser.add_argument("--jobs", type=_jobs, default=1,
                        help="replay independent clauses in N processes (same result; default 1)")


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"--jobs needs a whole number from 1 to 64, got {text!r}")
    return int(text)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    from ..output import FORMATS

    parser: argparse.ArgumentParser = sub.add_parser(
        "check", help="replay an event log and judge every obligation it sets off")
    add_inputs(parser)
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", type=Path, help="write the report here instead of standard output")
    parser.add_argument("--fail-on", choices=list(FAIL_LEVELS), default="breach",
                        help="exit 1 when a finding at or above this verdict exists (default: breach)")
    parser.add_argument("--verbose", action="store_true", help="list ok and pending findings in Markdown too")
    parser.add_argument("--waivers", type=Path,
                        help="YAML file of reviewed findings to acknowledge (kept, marked waived, not failing)")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..api import run_check
    from ..output import RenderOptions, render

    as_of = None if args.as_of is None else parse_as_of(args.as_of)
    waivers = None
    if args.waivers is not None:
        from ..waivers import check_waiver_targets, load_waivers

        waivers = load_waivers(args.waivers)
        check_waiver_targets(waivers)
    result = run_check(args.contract, args.events, as_of, args.rules, args.lenient, args.jobs,
                       show_progress=sys.stderr.isatty())
    if waivers is not None:
        from ..waivers import apply_waivers, waiver_notes

        apply_waivers(result, waivers)
        for note in waiver_notes(result):
            print(f"contract-check: {note}", file=sys.stderr)
    colour = args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    options = RenderOptions(colour=colour, fail_on=args.fail_on, verbose=args.verbose)
    report = render(args.format, result, options)
    write_report(report, args.output)
    if result.skipped:
        print(f"contract-check: skipped {len(result.skipped)} unreadable line(s):", file=sys.stderr)
        from ..output.escape import human

        for s in result.skipped:
            print(f"  {human(s['file'])}:{human(s['line'])}: {human(s['error'])}", file=sys.stderr)
    if result.skipped and args.fail_on != "never":
        # A report that rests on a damaged log never passes a gate silently.
        print(f"contract-check: {len(result.skipped)} line(s) were skipped, so this run fails "
              "(--fail-on never accepts a damaged log)", file=sys.stderr)
        return 1
    return 1 if result.failing(FAIL_LEVELS[args.fail_on]) else 0
