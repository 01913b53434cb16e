"""Command line: parses flags, calls the library, maps errors to exit codes (0, 1, 2, 3)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import CheckError, InternalError

FAIL_LEVELS = {"breach": ("breach",), "grey": ("breach", "grey"), "pending": ("breach", "grey", "pending"), "never": ()}
FORMATS = ("text", "json")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CheckError(f"{self.prog}: {message}")


def parse_as_of(text: str) -> dt.datetime:
    from .events import parse_time

    if text == "today":
        return dt.datetime.now(dt.timezone.utc)
    try:
        return parse_time(text)
    except ValueError as exc:
        raise CheckError(f"--as-of: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="contract-check", description="Check an event log against a contract's obligations.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="replay an event log and judge every obligation it sets off")
    check.add_argument("--contract", required=True, type=Path, help="contract YAML file")
    check.add_argument("--events", required=True, action="append",
                       help="event log (.jsonl, .json, .csv, or - for JSON lines on stdin); repeat to read several")
    check.add_argument("--as-of", help="date deadlines are judged at (default: latest event; 'today' uses the clock)")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--output", type=Path, help="write the report here instead of standard output")
    check.add_argument("--fail-on", choices=list(FAIL_LEVELS), default="breach",
                       help="exit 1 when a finding at or above this verdict exists (default: breach)")
    check.add_argument("--rules", type=Path, help="rule-template directory (default: the bundled rules/)")
    check.add_argument("--lenient", action="store_true",
                       help="skip unreadable event lines, reporting each, instead of refusing the log")
    return parser


def cmd_check(args: argparse.Namespace) -> int:
    from .api import run_check
    from .output import json as json_out
    from .output import text as text_out

    as_of = parse_as_of(args.as_of) if args.as_of else None
    result = run_check(args.contract, args.events, as_of, args.rules, args.lenient)
    if args.format == "json":
        report = json_out.render(result)
    else:
        colour = args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        report = text_out.render(result, colour=colour)
    if result.skipped:
        print(f"contract-check: skipped {len(result.skipped)} unreadable line(s):", file=sys.stderr)
        for s in result.skipped:
            print(f"  {s['file']}:{s['line']}: {s['error']}", file=sys.stderr)
    if args.output is not None:
        try:
            args.output.write_text(report, encoding="utf-8")
        except OSError as exc:
            raise CheckError(f"cannot write report: {exc.strerror}", args.output) from None
    else:
        sys.stdout.write(report)
    failing = FAIL_LEVELS[args.fail_on]
    return EXIT_FINDINGS if any(f.verdict in failing for f in result.findings) else EXIT_OK


COMMANDS = {"check": cmd_check}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except CheckError as exc:
        print(f"contract-check: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InternalError as exc:
        print(f"contract-check: internal error, no report written: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        return 130


def entry() -> None:
    sys.exit(main())
