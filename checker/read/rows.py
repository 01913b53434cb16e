"""One row of a table, a query or a Parquet file as an event record: its values read exactly
(see checker/read/sources.py for how each database or Parquet type is read).
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Callable, Generator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import CheckError, shorten
from ..limits import MAX_LIST_ITEMS, MAX_STRING_CHARS
from .events import (
    BAD_CHAR_RE,
    Clean,
    LineError,
    _BadNumber,
    fits_number_limits,
    parse_json_value,
)

if TYPE_CHECKING:
    pass

BATCH_ROWS = 2048  # rows per fetch (SQL) or batch (Parquet)
FLOAT_DIGITS = 15  # DBL_DIG: every decimal of at most 15 significant digits survives a double
FLOAT32_DIGITS = 6  # FLT_DIG


class RowError(CheckError):
    """A CheckError whose place is a row of a table, a query's result or a Parquet file."""

    def __str__(self) -> str:
        return f"{self.file}:row {self.line}: {self.message}"


class BadValue:
    """A value that cannot become an event field: `fatal` ones refuse the whole source."""

    __slots__ = ("fatal", "message")

    def __init__(self, message: str, fatal: bool = False) -> None:
        self.message = message
        self.fatal = fatal


class RowProblem(ValueError):
    def __init__(self, message: str, record: dict[str, Any]) -> None:
        super().__init__(message)
        self.record = record


Rows = Generator[tuple[int, "dict[str, Any] | RowProblem"], None, None]



def row_record(name: str, row: int, columns: Sequence[str], values: Sequence[Any],
            convert: Sequence[Callable[[Any], Any] | None], names_clean: bool,
            converted: bool = False) -> dict[str, Any] | RowProblem:
    """One row as a record: NULLs left out, each value through its column's converter.

    A record whose values this loop proves free of what build_event's full checks look for
    (strings checked here; ints, booleans, decimals within limits, flat lists of those) is a
    `Clean` record and takes build_event's fast path; any other value (an object, a nested list,
    a bad number from a JSON column) leaves it a plain dict, checked in full.
    """
    record: dict[str, Any] = Clean()
    clean = names_clean
    problem: str | None = None
    for column, value, conv in zip(columns, values, convert, strict=True):
        if value is None:
            continue
        if conv is not None:
            value = conv(value)
            kind = type(value)
        else:
            kind = type(value)
            if not converted and kind is not str and kind is not int:
                value = field_value(value)
                kind = type(value)
        if kind is str:
            if clean and (len(value) > MAX_STRING_CHARS or BAD_CHAR_RE.search(value)):
                clean = False
        elif kind is int or kind is bool or kind is Decimal:
            pass  # decimals come through decimal_value or float_value, within the number limits
        elif kind is BadValue:
            if value.fatal:
                raise RowError(f"column {shorten(column)} {value.message}", name, row)
            if problem is None:
                problem = f"column {shorten(column)}: {value.message}"
            continue
        elif kind is list:
            clean = clean and _clean_list(value)
        else:
            clean = False
        record[column] = value
    if not clean:
        record = dict(record)
    return record if problem is None else RowProblem(problem, dict(record))


def _clean_list(items: list[Any]) -> bool:
    if len(items) > MAX_LIST_ITEMS:
        return False
    for item in items:
        kind = type(item)
        if kind is str:
            if len(item) > MAX_STRING_CHARS or BAD_CHAR_RE.search(item):
                return False
        elif not (kind is int or kind is bool or kind is Decimal or item is None):
            return False
    return True


def unique_columns(columns: Sequence[str], name: str, hint: str) -> None:
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise CheckError(f"two columns are named {shorten(column)}; {hint}", name)
        seen.add(column)


# --- values --------------------------------------------------------------------------------


def float_value(value: float, single: bool = False) -> Decimal | BadValue:
    if not math.isfinite(value):
        return BadValue(f"{value} is not a finite number")
    text = _shortest_single(value) if single else repr(value)
    number = Decimal(text)
    digits = len(number.normalize().as_tuple().digits)
    limit = FLOAT32_DIGITS if single else FLOAT_DIGITS
    if digits > limit:
        return BadValue(f"the binary floating-point number {text} is no exact decimal of at most {limit} digits "
                    "(it was computed in binary, so the decimal it stands for is unknown): store exact numbers "
                    "as NUMERIC/DECIMAL, integers or text")
    if not fits_number_limits(number):
        return BadValue(_BadNumber(text).problem())
    return number


def _shortest_single(value: float) -> str:
    """The shortest decimal that reads back as the same 32-bit float."""
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        try:
            if struct.unpack("<f", struct.pack("<f", float(text)))[0] == value:
                return text
        except OverflowError:
            continue
    return repr(value)


def decimal_value(value: Decimal) -> Decimal | BadValue:
    if not value.is_finite():
        return BadValue(f"{value} is not a finite number")
    if not fits_number_limits(value):
        return BadValue(_BadNumber(str(value)).problem())
    return value


NAIVE_HINT = ("store times with a time zone (SQL: TIMESTAMP WITH TIME ZONE; Parquet: a timestamp with tz=UTC) "
              "or as text with 'Z' or '+HH:MM'")


def datetime_value(value: dt.datetime) -> str | BadValue:
    if value.tzinfo is None or value.utcoffset() is None:
        return BadValue(f"a timestamp without time zone ({value.isoformat()}) names no instant: {NAIVE_HINT}")
    return value.isoformat()


def json_text_value(text: str) -> Any:
    if len(text) > MAX_STRING_CHARS:
        return BadValue(f"JSON text is {len(text)} characters long; a field is limited to {MAX_STRING_CHARS}")
    try:
        return parse_json_value(text)
    except LineError as exc:
        return BadValue(f"JSON column: {exc}")


def field_value(value: Any) -> Any:
    """A database or Arrow value as a JSON-typed field value, or BadValue."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None or kind is _BadNumber:
        return value
    if kind is Decimal:
        return decimal_value(value)
    if kind is float:
        return float_value(value)
    if isinstance(value, dt.datetime):
        return datetime_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        items = [field_value(item) for item in value]
        for index, item in enumerate(items):
            if type(item) is BadValue:
                return BadValue(f"{'in' if item.fatal else ''} item {index + 1}: {item.message}".lstrip(), item.fatal)
        return items
    if isinstance(value, dict):
        # From a JSON reader (kept as it is: build_event checks keys, duplicates and limits) or a
        # record-like value (Arrow struct, hstore).
        if all(type(v) in _JSON_SCALARS or isinstance(v, (list, dict)) for v in value.values()):
            return value
        converted = {key: field_value(item) for key, item in value.items()}
        for key, item in converted.items():
            if type(item) is BadValue:
                return BadValue(f"{'in' if item.fatal else ''} field {shorten(key)}: {item.message}".lstrip(), item.fatal)
        return converted
    if isinstance(value, str):  # subclasses (a driver's enums)
        return str(value)
    if isinstance(value, int):
        return int(value)
    if kind.__module__ in ("uuid", "ipaddress"):
        return str(value)
    return BadValue(unsupported(value), fatal=True)


_JSON_SCALARS = (str, int, bool, type(None), Decimal, _BadNumber)


def unsupported(value: Any) -> str:
    kind = type(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        what = "binary data"
        hint = "store text as text (UTF-8)"
    elif isinstance(value, dt.time):
        what = "a time of day"
        hint = "store a timestamp with a time zone, or text"
    elif isinstance(value, dt.timedelta):
        what = "an interval"
        hint = "store a number (of days, of seconds) or text"
    else:
        what = f"a value of type {kind.__module__}.{kind.__qualname__}"
        hint = "store text, numbers, booleans, dates, timestamps with a time zone, arrays or JSON"
    return f"holds {what}, which an event field cannot hold: {hint}"


