"""One module per CLI command: `add_parser(subparsers)` and `run(args) -> exit code`."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import CheckError


def write_report(text: str, output: Path | None) -> None:
    """To --output when given (a path from the command line only), else to standard output."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CheckError(f"cannot write the report: {exc.strerror}", output) from None
