"""Command line: parses flags, calls the library, maps errors to exit codes (0, 1, 2, 3)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import CheckError, InternalError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CheckError(f"{self.prog}: {message}")


# Each command lives in checker/commands/<name>.py with `add_parser(sub)` and `run(args) -> int`.
COMMAND_MODULES = ("check", "test", "explain", "rules", "lint", "diff")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(prog="contract-check", description="Check event logs and proposed terms against a contract.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"checker.commands.{name}")
        command = module.add_parser(sub)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # A terminal or pipe that cannot show a character gets an escape, never a traceback.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        args = build_parser().parse_args(argv)
        code: int = args.run(args)
        return code
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
