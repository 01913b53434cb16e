"""The one user-facing error type, caught once at the CLI boundary."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path


def shorten(value: object, limit: int = 60) -> str:
    """Render an offending value for a message, truncated so a 20 MB field stays readable.

    Text is quoted (repr, so control characters show escaped); numbers, true/false and null
    are shown as written in JSON/YAML rather than as Python objects.
    """
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CheckError(Exception):
    """Bad usage or bad input: names the file, the line (and column) and what is wrong."""

    def __init__(
        self,
        message: str,
        file: str | Path | None = None,
        line: int | None = None,
        col: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.col = col

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            where += ": "
        return where + self.message


class InternalError(Exception):
    """A broken invariant inside the checker (e.g. reconciliation did not balance)."""
