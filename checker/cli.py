"""Command line: parses flags, calls the library, maps errors to exit codes (0, 1, 2, 3)."""

from __future__ import annotations

import argparse
import errno
import io
import sys
from collections.abc import Sequence
from pathlib import Path

from .commands import describe, detach_stdout, flush_stdout
from .errors import CheckError, InternalError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CheckError(f"{self.prog}: {message}")


# Each command lives in checker/commands/<name>.py with `add_parser(sub)` and `run(args) -> int`.
COMMAND_MODULES = ("init", "check", "test", "explain", "rules", "lint", "diff", "agenda")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(prog="contract-check", description="Check event logs and proposed terms against a contract.")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="workspace config (default: the nearest contract-check.toml, or pyproject.toml with "
                             "[tool.contract-check], from the current directory upwards)")
    parser.add_argument("--no-config", action="store_true", help="ignore any workspace config")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"checker.commands.{name}")
        command = module.add_parser(sub)
        command.set_defaults(run=module.run)
    return parser


class _ClosedStdout(io.TextIOBase):
    """Stands for standard output when file descriptor 1 was closed (`>&-`): Python then sets
    sys.stdout to None and print() silently drops the report. Every write fails instead, so the
    report's writer exits 2 and says why."""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


# Errors of a write that could not complete (no file name: not an open() that failed).
_WRITE_ERRNOS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


def _stdout_failed(exc: OSError) -> bool:
    """True when `exc` came from writing standard output: it is closed, its pipe is broken, its
    device is full, or flushing it fails again."""
    if isinstance(exc, BrokenPipeError) or isinstance(sys.stdout, _ClosedStdout):
        return True
    if exc.errno in _WRITE_ERRNOS and exc.filename is None:
        return True
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()
    for stream in (sys.stdout, sys.stderr):
        # A terminal or pipe that cannot show a character gets an escape, never a traceback.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        args = build_parser().parse_args(argv)
        from .read.workspace import discover

        args.workspace = None if args.command == "init" else discover(args.config, not args.no_config)
        code: int = args.run(args)
        # Whatever a command wrote to standard output must have reached it: a full device or a
        # pipe whose reader has gone is exit 2, never the command's own 0 or 1.
        flush_stdout()
        return code
    except OSError as exc:
        # A command that wrote to standard output itself (not through write_report) and failed:
        # a full device, a closed descriptor, a pipe whose reader has gone. Any other OSError
        # is a bug (the commands turn file errors into CheckError) and keeps its traceback.
        if not _stdout_failed(exc):
            raise
        detach_stdout()
        print(f"contract-check: error: cannot write to standard output: {describe(exc)}", file=sys.stderr)
        return EXIT_USAGE
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
