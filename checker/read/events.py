"""Event-log readers: .jsonl, .json, .csv and stdin → validated Events with their source line.

Every record, whatever its format, goes through `build_event`, which refuses what the checker
cannot judge safely and says which field is wrong: missing or mistyped required fields, times
without a UTC offset or outside 1900–9999, duplicate JSON keys, NaN/Infinity, amounts that are
negative or too large to add up exactly, strings with control characters or lone surrogates,
values nested too deep or too long. JSON numbers with a fraction or exponent are read as
`Decimal` (never binary floats).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from ..errors import CheckError, shorten
from ..limits import (
    MAX_AMOUNT_DECIMALS,
    MAX_AMOUNT_DIGITS,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_ID_CHARS,
    MAX_LINE_BYTES,
    MAX_LIST_ITEMS,
    MAX_NUMBER_DIGITS,
    MAX_PARSE_DEPTH,
    MAX_STRING_CHARS,
    MAX_TIME_FRACTION_DIGITS,
    MAX_YEAR,
    MIN_YEAR,
)
from ..models import Event
from ..moments import micros

MONEY_SUFFIX = "_usd"
REQUIRED = ("id", "time", "type", "actor")
TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LIST_FIELDS_HINT = ";"
# CSV cells of these fields are single values even when they contain ';'.
SCALAR_FIELDS = frozenset((*REQUIRED, "ref"))
# Control characters (tab, LF and CR allowed), DEL, and lone UTF-16 surrogates.
BAD_CHAR_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CONTROL_NAMES = {0: "NUL", 0x1B: "ESC", 0x7F: "DEL"}
LONG_YEAR_RE = re.compile(r"^[+-]?\d{5,}-")
FRACTION_RE = re.compile(r"[.,](\d+)")
OFFSET_RE = re.compile(r"(?<=\d)([+-])(\d\d):?(\d\d)(?::?(\d\d)(?:[.,](\d{1,6}))?)?$")


class LineError(ValueError):
    """What is wrong with one record; `col` (1-based) when a position in the line is known."""

    def __init__(self, message: str, col: int | None = None) -> None:
        super().__init__(message)
        self.col = col


@dataclass
class SkippedLine:
    file: str
    line: int
    error: str
    record: Any = None


@dataclass
class EventLog:
    """The events of one or more files, in file order, plus what --lenient skipped."""

    events: list[Event] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


# --- JSON ----------------------------------------------------------------------------------


class _Duplicated(dict[str, Any]):
    """A JSON object that named a key twice (reported by build_event with the field's path)."""

    duplicates: list[str]


@dataclass(frozen=True)
class _BadNumber:
    """A JSON token that is no usable number: NaN, Infinity, or too long to keep exactly."""

    text: str

    def problem(self) -> str:
        if self.text.lstrip("-") in ("NaN", "Infinity"):
            return f"{self.text} is not a number (JSON has no NaN or Infinity)"
        return (f"the number {shorten(self.text, 40)} is too long: at most {MAX_NUMBER_DIGITS} digits "
                "before and after the decimal point")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    dup = _Duplicated(obj)
    dup.duplicates = []
    for key, _ in pairs:
        if key in seen and key not in dup.duplicates:
            dup.duplicates.append(key)
        seen.add(key)
    return dup


def _int(text: str) -> int | _BadNumber:
    return _BadNumber(text) if len(text.lstrip("-")) > MAX_NUMBER_DIGITS else int(text)


def fits_number_limits(value: Decimal) -> bool:
    """At most MAX_NUMBER_DIGITS digits before and after the point in fixed-point form."""
    if not value.is_finite():
        return False
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    return len(digits) + exponent <= MAX_NUMBER_DIGITS and -exponent <= MAX_NUMBER_DIGITS


def _decimal(text: str) -> Decimal | _BadNumber:
    if len(text) > 3 * MAX_NUMBER_DIGITS:
        return _BadNumber(text)
    value = Decimal(text)
    return value if fits_number_limits(value) else _BadNumber(text)


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_float=_decimal, parse_int=_int, parse_constant=_BadNumber)
_WS = re.compile(r"[ \t\n\r]*")
NESTING_MESSAGE = f"JSON nested too deeply (an event may nest at most {MAX_DEPTH} levels)"
_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def too_deep_at(text: str, start: int = 0, allowed: int = MAX_PARSE_DEPTH) -> int | None:
    """Offset of the first bracket nesting past `allowed` levels (strings skipped), or None.

    Checked before decoding so that the refusal does not depend on the interpreter's stack.
    """
    if text.count("[", start) + text.count("{", start) <= allowed:
        return None
    depth = 0
    for match in _TOKEN_RE.finditer(text, start):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > allowed:
                return match.start()
        elif token in "]}":
            depth -= 1
    return None


def _decode_error(exc: json.JSONDecodeError, text: str) -> str:
    message = exc.msg[:1].lower() + exc.msg[1:]
    if "starting at" in message:
        message = message.split(" starting at")[0]
    if exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()) - 1:
        message += " (the data ends early: is the file truncated?)"
    return f"malformed JSON: {message}"


def parse_json_value(raw: bytes | str) -> Any:
    """One JSON document; LineError (with the column) when it is not valid JSON."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            col = len(raw[: exc.start].decode("utf-8", "replace")) + 1
            raise LineError(f"not UTF-8 (byte 0x{raw[exc.start]:02x})", col) from None
    else:
        text = raw
    deep = too_deep_at(text)
    if deep is not None:
        raise LineError(NESTING_MESSAGE, deep + 1)
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise LineError(_decode_error(exc, text), exc.colno) from None
    except RecursionError:
        raise LineError(NESTING_MESSAGE) from None


# --- one record ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _parse_time_text(value: str) -> dt.datetime:
    """Logs repeat the same dates; one shared datetime per distinct text saves time and memory."""
    return parse_time(value)


def parse_time(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"'time' must be an ISO 8601 string, got {shorten(value)}")
    text = value.strip()
    if LONG_YEAR_RE.match(text):
        raise ValueError(f"time {shorten(value)} is outside the supported years {MIN_YEAR}–{MAX_YEAR}")
    fraction = FRACTION_RE.search(text)
    if fraction is not None and len(fraction.group(1)) > MAX_TIME_FRACTION_DIGITS and ":" in text[: fraction.start()]:
        raise ValueError(
            f"time {shorten(value)} has {len(fraction.group(1))} fractional digits; times are compared exactly "
            f"to the microsecond, so at most {MAX_TIME_FRACTION_DIGITS} can be kept"
        )
    try:
        if "T" not in text and " " not in text and len(text) <= 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        else:
            offset = OFFSET_RE.search(text)
            if offset is None:
                moment = dt.datetime.fromisoformat(text)
            else:
                # CPython 3.11 reads "-00:00:00.5" as UTC; the offset is computed here exactly.
                moment = dt.datetime.fromisoformat(text[: offset.start()]).replace(tzinfo=_offset(offset))
    except ValueError as exc:
        raise ValueError(f"invalid time {shorten(value)}: {exc}") from None
    if moment.tzinfo is None:
        raise ValueError(
            f"time {shorten(value)} has no UTC offset: write a date, or add 'Z' or '+HH:MM'"
        )
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:
        utc = None
    if not MIN_YEAR <= moment.year <= MAX_YEAR or utc is None or not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise ValueError(f"time {shorten(value)} is outside the supported years {MIN_YEAR}–{MAX_YEAR}")
    return utc


def _offset(match: re.Match[str]) -> dt.tzinfo:
    sign, hours, minutes, seconds, fraction = match.groups()
    span = dt.timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0),
                        microseconds=int((fraction or "").ljust(6, "0")))
    return dt.timezone(-span if sign == "-" else span)


def parse_money(name: str, value: Any) -> Decimal:
    """An exact, finite, non-negative amount of at most 40 integer digits and 20 decimals."""
    if isinstance(value, _BadNumber):
        raise ValueError(f"{name!r}: {value.problem()}")
    if isinstance(value, bool):
        raise ValueError(f"{name!r} must be an amount, got {shorten(value)}")
    if isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise ValueError(f"{name!r} must be an amount, got {shorten(value)}") from None
    else:
        raise ValueError(f"{name!r} must be an amount, got {shorten(value)}")
    if not amount.is_finite():
        raise ValueError(f"{name!r} must be a finite amount, got {shorten(value)}")
    if amount < 0:
        raise ValueError(f"{name!r} must not be negative, got {shorten(value)}")
    if amount.is_zero():
        return Decimal(0)
    _, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)  # finite
    expanded = exponent > 0
    while exponent < 0 and digits and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if len(digits) + exponent > MAX_AMOUNT_DIGITS:
        raise ValueError(
            f"{name!r} is too large to add up exactly, got {shorten(value)} "
            f"(at most {MAX_AMOUNT_DIGITS} digits before the decimal point)"
        )
    if -exponent > MAX_AMOUNT_DECIMALS:
        raise ValueError(
            f"{name!r} has too many decimals to add up exactly, got {shorten(value)} "
            f"(at most {MAX_AMOUNT_DECIMALS} after the decimal point)"
        )
    if expanded:  # 1E+3 → 1000, so no exponent reaches a message
        amount = Decimal(format(amount, "f"))
    return amount


def _describe_char(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate \\u{code:04x} (not valid Unicode)"
    name = CONTROL_NAMES.get(code)
    return f"control character U+{code:04X}" + (f" ({name})" if name else "")


def _check_values(obj: dict[str, Any]) -> None:
    """Every value of a record: nesting, string length and characters, JSON oddities."""
    if isinstance(obj, _Duplicated):
        raise ValueError(f"duplicate key {shorten(obj.duplicates[0])} in the event object")
    stack: list[tuple[str, str, Any, int]] = []
    for key, value in obj.items():
        if isinstance(value, str):
            if len(value) > MAX_STRING_CHARS or BAD_CHAR_RE.search(value):
                _bad_string(key, value)
        elif isinstance(value, (dict, list, _BadNumber)):
            stack.append((key, key, value, 1))
    while stack:
        root, path, value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > MAX_STRING_CHARS or BAD_CHAR_RE.search(value):
                _bad_string(path, value)
            continue
        if isinstance(value, _BadNumber):
            raise ValueError(f"field {shorten(path)}: {value.problem()}")
        if isinstance(value, (dict, list)) and depth >= MAX_DEPTH:
            raise ValueError(f"field {shorten(root)} is nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, Decimal) and not fits_number_limits(value):
            raise ValueError(f"field {shorten(path)}: {_BadNumber(str(value)).problem()}")
        if isinstance(value, dict):
            if isinstance(value, _Duplicated):
                raise ValueError(f"duplicate key {shorten(value.duplicates[0])} in field {shorten(path)}")
            for key, item in value.items():
                bad = BAD_CHAR_RE.search(key)
                if bad:
                    raise ValueError(f"a key in field {shorten(path)} contains {_describe_char(bad.group())}")
                stack.append((root, f"{path}.{key}", item, depth + 1))
        elif isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                raise ValueError(f"field {shorten(path)} lists {len(value)} items; a list is limited to {MAX_LIST_ITEMS}")
            stack.extend((root, f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))


def _bad_string(path: str, value: str) -> None:
    if len(value) > MAX_STRING_CHARS:
        raise ValueError(
            f"field {shorten(path)} is {len(value)} characters long; a field is limited to {MAX_STRING_CHARS}"
        )
    bad = BAD_CHAR_RE.search(value)
    assert bad is not None
    raise ValueError(f"field {shorten(path)} contains {_describe_char(bad.group())} at character {bad.start() + 1}")


def _build_clean(obj: Clean, file: str, line: int, seq: int) -> Event | None:
    """The common case in few steps: None sends the record through build_event's full checks."""
    if "id" not in obj or "time" not in obj or "type" not in obj or "actor" not in obj:
        return None
    eid, time, etype, actor = obj.pop("id"), obj.pop("time"), obj.pop("type"), obj.pop("actor")
    if (type(eid) is not str or type(time) is not str or type(etype) is not str or type(actor) is not str
            or not eid or not actor or len(eid) > MAX_ID_CHARS or len(etype) > MAX_ID_CHARS
            or len(actor) > MAX_ID_CHARS or not TYPE_RE.match(etype)):
        obj.update(id=eid, time=time, type=etype, actor=actor)
        return None
    ref = obj.get("ref")
    if ref is not None and (type(ref) is not str or len(ref) > MAX_ID_CHARS):
        obj.update(id=eid, time=time, type=etype, actor=actor)
        return None
    try:
        moment = _parse_time_text(time)
    except ValueError:
        obj.update(id=eid, time=time, type=etype, actor=actor)
        raise
    try:
        for key, value in obj.items():
            if key.endswith(MONEY_SUFFIX) and value is not None:
                obj[key] = parse_money(key, value)
    except ValueError:
        # --lenient keeps the record of a skipped line: what it was must stay readable.
        obj.update(id=eid, time=time, type=etype, actor=actor)
        raise
    return Event(eid, moment, etype, actor, obj, file, line, seq, micros(moment))


def build_event(obj: Any, file: str, line: int, seq: int) -> Event:
    """Validate one decoded record; ValueError carries what is wrong (the caller adds where)."""
    if type(obj) is Clean:
        fast = _build_clean(obj, file, line, seq)
        if fast is not None:
            return fast
        obj = dict(obj)
    if not isinstance(obj, dict):
        kind = {list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(type(obj), "a number")
        raise ValueError(f"expected a JSON object (one event), got {kind}")
    clean = type(obj) is Clean
    if not clean:
        for key in obj:
            bad = BAD_CHAR_RE.search(key)
            if bad:
                raise ValueError(f"a field name contains {_describe_char(bad.group())}: {shorten(key)}")
    for name in REQUIRED:
        if name not in obj or obj[name] is None or obj[name] == "":
            raise ValueError(f"missing required field {name!r}")
    for name in ("id", "type", "actor"):
        if not isinstance(obj[name], str):
            raise ValueError(f"{name!r} must be a string, got {shorten(obj[name])}")
    for name in ("id", "type", "actor", "ref"):
        value = obj.get(name)
        if isinstance(value, str) and len(value) > MAX_ID_CHARS:
            raise ValueError(f"{name!r} is {len(value)} characters long; names and ids are limited to {MAX_ID_CHARS}")
    if not clean:
        _check_values(obj)
    if not TYPE_RE.match(obj["type"]):
        raise ValueError(f"'type' must be snake_case, got {shorten(obj['type'])}")
    time = parse_time(obj["time"])
    extra: dict[str, Any] = {}
    for key, value in obj.items():
        if key in REQUIRED:
            continue
        if key.endswith(MONEY_SUFFIX) and value is not None:
            value = parse_money(key, value)
        elif key == "ref" and not isinstance(value, str):
            raise ValueError(f"'ref' must be an event id string, got {shorten(value)}")
        extra[key] = value
    return Event(obj["id"], time, obj["type"], obj["actor"], extra, file, line, seq, micros(time))


# --- files -----------------------------------------------------------------------------------


def _source_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def _read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CheckError(f"file is {size} bytes; event logs are limited to {MAX_FILE_BYTES}", path)
        return p.read_bytes()
    except FileNotFoundError:
        raise CheckError("file not found", path) from None
    except IsADirectoryError:
        raise CheckError("is a directory, expected an event log", path) from None
    except OSError as exc:
        raise CheckError(f"cannot read: {exc.strerror}", path) from None


def _decode_whole(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data[:start].count(b"\n") + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        col = len(data[line_start:start].decode("utf-8", "replace")) + 1
        raise CheckError(f"not UTF-8 (byte 0x{data[start]:02x})", name, line, col) from None


Records = Iterator[tuple[int, Any]]


class Clean(dict[str, Any]):
    """A record the fast path already proved free of what _check_values looks for."""


_KEY_RE = re.compile(rb'"[ \t\r\n]*:')


def _fast_record(raw: bytes) -> Clean | None:
    """orjson for plain lines; None whenever the exact (slower) reader must decide.

    Plain means: no escapes that could hide control characters or surrogates, no DEL, too few
    brackets to nest past MAX_DEPTH, no float or oversized number (those need exact decimals),
    and as many `"…":` as keys (so no key is duplicated — orjson would keep the last silently).
    """
    if b"\\u" in raw or b"\x7f" in raw or raw.count(b"{") + raw.count(b"[") > MAX_DEPTH:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict:
        return None
    if raw.count(b"{") == 1 and raw.count(b"[") <= 1:
        # One flat object, at most one list of scalars: the common event line.
        for item in value.values():
            kind = type(item)
            if kind is float or (kind is list and (len(item) > MAX_LIST_ITEMS or any(type(x) is float for x in item))):
                return None
        return Clean(value) if len(_KEY_RE.findall(raw)) == len(value) else None
    keys = 0
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            keys += len(item)
            stack.extend(item.values())
        elif kind is list:
            if len(item) > MAX_LIST_ITEMS:
                return None
            stack.extend(item)
        elif kind is float:
            return None
    if len(_KEY_RE.findall(raw)) != keys:
        return None
    return Clean(value)


def _lines(data: bytes) -> Iterator[bytes]:
    """Lines without building a list of them all (a million-line log stays one buffer)."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    size = len(data)
    while start <= size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        yield data[start:end]
        start = end + 1


def _records_jsonl(name: str, data: bytes) -> Records:
    for number, raw in enumerate(_lines(data), start=1):
        if not raw.strip():
            continue
        if len(raw) <= MAX_LINE_BYTES:
            fast = _fast_record(raw)
            if fast is not None:
                yield number, fast
                continue
        if len(raw) > MAX_LINE_BYTES:
            yield number, LineError(f"line is {len(raw)} bytes; an event line is limited to {MAX_LINE_BYTES} bytes")
            continue
        try:
            value = parse_json_value(raw)
        except LineError as exc:
            yield number, exc
            continue
        if isinstance(value, list):
            yield number, LineError(
                "a JSON array where one event object per line was expected (a .jsonl file); "
                "name the file .json if it holds one array",
                1,
            )
            continue
        yield number, value


def _records_json(name: str, data: bytes) -> Records:
    """One JSON array; each element is decoded on its own so errors name its line."""
    text = _decode_whole(name, data)

    def where(pos: int) -> tuple[int, int]:
        line = text.count("\n", 0, pos) + 1
        return line, pos - (text.rfind("\n", 0, pos) + 1) + 1

    def fail(message: str, pos: int) -> CheckError:
        return CheckError(message, name, *where(pos))

    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if pos == len(text):
        return
    if text[pos] != "[":
        kind = "an object" if text[pos] == "{" else "no array"
        raise fail(f"a .json event log must hold one JSON array of event objects, found {kind}", pos)
    deep = too_deep_at(text, pos, MAX_PARSE_DEPTH + 1)  # the outer array is one level more
    if deep is not None:
        raise fail(NESTING_MESSAGE, deep)
    pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    if pos < len(text) and text[pos] == "]":
        pos += 1
    else:
        while True:
            try:
                value, end = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise fail(_decode_error(exc, text), exc.pos) from None
            except RecursionError:
                raise fail(NESTING_MESSAGE, pos) from None
            yield where(pos)[0], value
            pos = _WS.match(text, end).end()  # type: ignore[union-attr]
            if pos < len(text) and text[pos] == ",":
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                if pos < len(text) and text[pos] == "]":
                    raise fail("malformed JSON: a comma before ']' (trailing comma)", pos)
                continue
            if pos < len(text) and text[pos] == "]":
                pos += 1
                break
            raise fail("malformed JSON: expected ',' or ']' after an array element"
                       + (" (the data ends early: is the file truncated?)" if pos >= len(text) else ""), pos)
    pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
    if pos != len(text):
        raise fail("malformed JSON: extra data after the array", pos)


def _csv_cell(key: str, text: str) -> Any:
    stripped = text.strip()
    if key in SCALAR_FIELDS or key.endswith(MONEY_SUFFIX):
        return stripped
    if stripped.startswith("[") or stripped.startswith("{"):
        try:
            return parse_json_value(stripped)
        except LineError as exc:
            raise ValueError(f"column {key!r}: {exc}") from None
    if LIST_FIELDS_HINT in stripped:
        return [part.strip() for part in stripped.split(LIST_FIELDS_HINT) if part.strip()]
    return text


def _records_csv(name: str, data: bytes) -> Records:
    text = _decode_whole(name, data)
    previous_limit = csv.field_size_limit(MAX_STRING_CHARS)
    try:
        yield from _csv_rows(name, text)
    finally:
        csv.field_size_limit(previous_limit)


def _csv_rows(name: str, text: str) -> Records:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise CheckError(f"malformed CSV: {exc}", name, 1) from None
    header = [h.strip() for h in header]
    for index, column in enumerate(header, start=1):
        if not column:
            raise CheckError(f"CSV header: column {index} has no name", name, 1)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CheckError(
            f"CSV header lacks required column(s) {', '.join(missing)} (found: {shorten(', '.join(header), 120)})",
            name, 1,
        )
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise CheckError(f"CSV header names column {twice[0]!r} twice", name, 1)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader cannot resynchronise after a broken row: refuse the file even under --lenient.
            message = str(exc)
            if "field larger than field limit" in message:
                message = f"a cell is larger than {MAX_STRING_CHARS} characters (the limit)"
            raise CheckError(f"malformed CSV: {message}", name, line) from None
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield line, LineError(f"row has {len(row)} cells, the header has {len(header)} columns")
            continue
        try:
            record = {k: _csv_cell(k, v) for k, v in zip(header, row, strict=True) if v.strip() != ""}
        except ValueError as exc:
            yield line, exc
            continue
        yield line, record


READERS = {".jsonl": _records_jsonl, ".ndjson": _records_jsonl, ".json": _records_json, ".csv": _records_csv}


def read_events(paths: list[str], lenient: bool = False, stdin_format: str = ".jsonl", *,
                table: str | None = None, query: str | None = None) -> EventLog:
    """Read one or more logs (one after another), validating every event; ids unique across all.

    A bad record is refused (CheckError naming file, line and what is wrong) or, under
    `lenient`, skipped and recorded in `EventLog.skipped`. A file that cannot be read as a whole
    (bad encoding, a broken .json array, a CSV header without required columns) is always refused.
    Parquet files and database URLs (read through `table` or `query`, or an `EventSource` of
    their own) are read by checker/read/sources.py.
    """
    from .sources import EventSource, plan, read_source

    log = EventLog()
    seen: dict[str, int] = {}  # id → index in log.events
    seq = 0
    for path in plan(paths, table, query):
        if isinstance(path, EventSource):
            seq = read_source(path, log, seen, seq, lenient)
            continue
        name = _source_name(path)
        suffix = stdin_format if path == "-" else Path(path).suffix.lower()
        if suffix not in READERS:
            raise CheckError(f"unknown event-log format {suffix or '(none)'!r}: use .jsonl, .json or .csv", name)
        data = _read_bytes(path)
        log.sources.append(name)
        for line, record in READERS[suffix](name, data):
            seq = accept(log, seen, record, name, line, seq, lenient, CheckError)
    return log


def accept(log: EventLog, seen: dict[str, int], record: Any, name: str, line: int, seq: int,
           lenient: bool, refusal: type[CheckError]) -> int:
    """Validate one record of a source and append its event to `log` (ids unique across the
    log); a bad one is refused as `refusal` at its line, or under `lenient` recorded as skipped.
    A reader's error comes as the record itself (an Exception, which may carry `.record`: what
    could still be read of it). Returns the next sequence number."""
    # build_event's fast path takes id, time, type and actor out of a Clean record: a skipped
    # record keeps them (the verdicts it may touch are found through them).
    snapshot = dict(record) if lenient and type(record) is Clean else None
    try:
        if isinstance(record, Exception):
            raise record
        event = build_event(record, name, line, seq)
        if event.id in seen:
            first = log.events[seen[event.id]]
            raise ValueError(f"duplicate event id {shorten(event.id)} (first at {first.file}:{first.line})")
    except ValueError as exc:
        if not lenient:
            raise refusal(str(exc), name, line, exc.col if isinstance(exc, LineError) else None) from None
        if isinstance(record, Exception):
            kept = getattr(record, "record", None)
        else:
            kept = snapshot or (dict(record) if isinstance(record, dict) else None)
        log.skipped.append(SkippedLine(file=name, line=line, error=str(exc), record=kept))
        return seq
    seen[event.id] = len(log.events)
    log.events.append(event)
    return seq + 1
