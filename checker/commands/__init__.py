"""One module per CLI command: `add_parser(subparsers)` and `run(args) -> exit code`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import CheckError


def write_report(text: str, output: Path | None) -> None:
    """To --output when given (a path from the command line only), else to standard output.

    A report that cannot be written whole (a full device, a closed standard output, a pipe
    whose reader has gone) is a CheckError, so the run exits 2 with one line on standard error
    whatever --fail-on says: a lost report never passes for a clean run.
    """
    if output is None:
        write_stdout(text)
        return
    try:
        with output.open("w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise CheckError(f"cannot write the report: {exc.strerror or exc}", output) from None


def write_stdout(text: str) -> None:
    """Write and flush standard output; a failure is a CheckError naming standard output."""
    stream = sys.stdout
    if stream is None:  # file descriptor 1 was closed when the interpreter started
        raise CheckError("cannot write the report: standard output is closed")
    try:
        stream.write(text)
        stream.flush()
    except OSError as exc:
        detach_stdout()
        raise CheckError(f"cannot write the report to standard output: {describe(exc)}") from None


def flush_stdout() -> None:
    """Flush what the commands wrote to standard output; a failure is a CheckError (exit 2)."""
    stream = sys.stdout
    if stream is None:
        return
    try:
        stream.flush()
    except OSError as exc:
        detach_stdout()
        raise CheckError(f"cannot write the output to standard output: {describe(exc)}") from None


def describe(exc: OSError) -> str:
    if isinstance(exc, BrokenPipeError):
        return "the reading end of the pipe was closed"
    return exc.strerror or str(exc)


def detach_stdout() -> None:
    """After a failed write, point file descriptor 1 at the null device.

    The text still buffered in sys.stdout would otherwise be flushed again at interpreter exit
    and fail again, printing "Exception ignored ... BrokenPipeError" after our own message.
    """
    stream = sys.stdout
    if stream is None:
        return
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, fd)
    except OSError:
        pass
    finally:
        os.close(devnull)
