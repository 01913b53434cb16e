"""`contract-check agenda`: what's due next — the pending obligations, their due dates and who owes them.

Parses flags, runs the check (checker.api.run_check) and prints the agenda that checker/authoring/agenda.py
builds and renders. Exit 0 when the agenda is written, whatever the findings (the agenda is not
a gate), 2 on bad usage or bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..limits import MAX_DURATION_DAYS
from . import settings, write_report
from .check import add_inputs, parse_as_of

FORMATS = ("text", "json", "ics")


def _days(flag: str) -> Any:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) > MAX_DURATION_DAYS:
            raise argparse.ArgumentTypeError(f"{flag} needs a whole number of days from 0 to {MAX_DURATION_DAYS}, got {text!r}")
        return int(text)

    return parse


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "agenda", help="list the pending obligations with their due dates and the party that owes them",
        description="List the pending obligations at the as-of time, soonest due first, with the party that "
                    "owes them and the clause; --format ics writes a calendar with a reminder before each.")
    add_inputs(parser)
    parser.add_argument("--days", type=_days("--days"),
                        help="only obligations due within N days of the as-of date (default: every pending one)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (a table), json (schema contract-check/agenda/1) or ics (iCalendar)")
    parser.add_argument("--remind-days", type=_days("--remind-days"), default=7,
                        help="ics: a reminder N days before each due date (default 7)")
    parser.add_argument("--output", type=Path, help="write the agenda here instead of standard output")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..api import check_loaded, load
    from ..authoring.agenda import build_agenda, render_ics, render_json, render_json_all, render_text
    from ..language.templates import load_templates
    from ..report.escape import human

    as_of_text = settings.as_of_text(args)
    as_of = None if as_of_text is None else parse_as_of(as_of_text)
    templates = load_templates(settings.rule_layers(args))  # read once for every contract
    agendas = []
    skipped = 0
    for contract_file in settings.contracts(args):
        contract, _ = load(contract_file, templates=templates)
        result = check_loaded(contract, templates, settings.event_logs(args, contract_file), as_of, args.lenient,
                              args.jobs, show_progress=sys.stderr.isatty())
        agendas.append(build_agenda(result, list(contract.contract.parties),
                                    {c.template: templates[c.template].template for c in contract.contract.clauses}, args.days))
        for s in result.skipped:
            print(f"contract-check: skipped unreadable line {human(s['file'])}:{human(s['line'])}: {human(s['error'])}",
                  file=sys.stderr)
        skipped += len(result.skipped)
    if args.format == "json":
        report = render_json(agendas[0]) if args.contract is not None else render_json_all(agendas)
    elif args.format == "ics":
        report = render_ics(agendas, args.remind_days)
    else:
        report = "\n".join(render_text(agenda) for agenda in agendas)
    if skipped:
        print(f"contract-check: {skipped} line(s) were skipped: an obligation they could have "
              "changed is grey and missing from this agenda", file=sys.stderr)
    undated = sum(len(agenda.undated) for agenda in agendas)
    if args.format == "ics" and undated:
        print(f"contract-check: {undated} pending obligation(s) with no due date are not in the "
              "calendar (see the text or JSON agenda)", file=sys.stderr)
    write_report(report, args.output)
    return 0
