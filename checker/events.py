"""Event-log readers: .jsonl, .json, .csv and stdin → validated Events with their source line."""

from __future__ import annotations

import csv
import datetime as dt
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

from .errors import CheckError, shorten
from .models import Event

MAX_LINE_BYTES = 1024 * 1024
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024
MONEY_SUFFIX = "_usd"
REQUIRED = ("id", "time", "type", "actor")
TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LIST_FIELDS_HINT = ";"


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _parse_exact(raw: bytes) -> Any:
    return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


def parse_json_value(raw: bytes) -> Any:
    """orjson for speed; the stdlib with Decimal wherever a float would lose money digits."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "infinity" not in str(exc):
            raise ValueError(f"malformed JSON: {exc}") from None
        value = None
    except RecursionError:
        raise ValueError("malformed JSON: nesting too deep") from None
    if value is None or _has_float(value):
        try:
            value = _parse_exact(raw)
        except RecursionError:
            raise ValueError("malformed JSON: nesting too deep") from None
        except (json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"malformed JSON: {exc}") from None
    return value


def parse_time(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"'time' must be an ISO 8601 string, got {shorten(value)}")
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"invalid time {shorten(value)}: {exc}") from None
    if moment.tzinfo is None:
        raise ValueError(
            f"time {shorten(value)} has no UTC offset: write a date, or add 'Z' or '+HH:MM'"
        )
    if not 1900 <= moment.year <= 9999:
        raise ValueError(f"time {shorten(value)} is outside the supported years 1900–9999")
    return moment.astimezone(dt.timezone.utc)


def parse_money(name: str, value: Any) -> Decimal:
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
    return amount


def build_event(obj: Any, file: str, line: int, seq: int) -> Event:
    """Validate one decoded record; ValueError carries what is wrong (the caller adds where)."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    for name in REQUIRED:
        if name not in obj or obj[name] in (None, ""):
            raise ValueError(f"missing required field {name!r}")
    for name in ("id", "type", "actor"):
        if not isinstance(obj[name], str):
            raise ValueError(f"{name!r} must be a string, got {shorten(obj[name])}")
    if "\x00" in obj["id"]:
        raise ValueError("'id' contains a NUL character")
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
    return Event.model_construct(
        id=obj["id"], time=time, type=obj["type"], actor=obj["actor"], fields=extra, file=file, line=line, seq=seq
    )


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


def _records_jsonl(name: str, data: bytes) -> Iterator[tuple[int, Any | Exception]]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            yield number, ValueError(f"line is {len(raw)} bytes; an event line is limited to {MAX_LINE_BYTES}")
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, ValueError(f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})")
            continue
        try:
            value = parse_json_value(raw)
        except ValueError as exc:
            yield number, exc
            continue
        if isinstance(value, list):
            yield number, ValueError(
                "a JSON array where one event object per line was expected (a .jsonl file); "
                "name the file .json if it holds one array"
            )
            continue
        yield number, value


def _records_json(name: str, data: bytes) -> Iterator[tuple[int, Any | Exception]]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CheckError(f"not UTF-8 (byte 0x{data[exc.start]:02x})", name, line) from None
    if not data.strip():
        return
    try:
        value = parse_json_value(data)
    except ValueError as exc:
        raise CheckError(str(exc), name) from None
    if not isinstance(value, list):
        raise CheckError("a .json event log must hold one JSON array of event objects", name, 1)
    # Positions of top-level elements, so errors can name a line.
    lines = _array_element_lines(data)
    for index, item in enumerate(value):
        yield (lines[index] if index < len(lines) else 1), item


def _array_element_lines(data: bytes) -> list[int]:
    """Line of each top-level element of a JSON array (a tiny scanner over strings and depth)."""
    lines: list[int] = []
    depth = 0
    line = 1
    in_string = False
    escape = False
    expecting = False
    for byte in data:
        ch = chr(byte)
        if ch == "\n":
            line += 1
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
            continue
        if ch.isspace():
            continue
        if depth == 1 and expecting:
            lines.append(line)
            expecting = False
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth == 1:
                expecting = True
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 1:
            expecting = True
    return lines


def _csv_cell(key: str, text: str) -> Any:
    stripped = text.strip()
    if stripped.startswith("[") or stripped.startswith("{"):
        try:
            return parse_json_value(stripped.encode())
        except ValueError as exc:
            raise ValueError(f"column {key!r}: {exc}") from None
    if LIST_FIELDS_HINT in stripped:
        return [part.strip() for part in stripped.split(LIST_FIELDS_HINT) if part.strip()]
    return text


def _records_csv(name: str, data: bytes) -> Iterator[tuple[int, Any | Exception]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CheckError(f"not UTF-8 (byte 0x{data[exc.start]:02x})", name, line) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise CheckError(f"malformed CSV: {exc}", name, 1) from None
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CheckError(f"CSV header lacks required column(s) {', '.join(missing)}", name, 1)
    if len(set(header)) != len(header):
        raise CheckError("CSV header names a column twice", name, 1)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, ValueError(f"malformed CSV: {exc}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield line, ValueError(f"row has {len(row)} cells, the header has {len(header)} columns")
            continue
        try:
            record = {k: _csv_cell(k, v) for k, v in zip(header, row, strict=True) if v.strip() != ""}
        except ValueError as exc:
            yield line, exc
            continue
        yield line, record


def read_events(paths: list[str], lenient: bool = False, stdin_format: str = ".jsonl") -> EventLog:
    """Read one or more logs (one after another), validating every event; ids unique across all."""
    log = EventLog()
    seen: dict[str, tuple[str, int]] = {}
    seq = 0
    for path in paths:
        name = _source_name(path)
        suffix = stdin_format if path == "-" else Path(path).suffix.lower()
        readers = {".jsonl": _records_jsonl, ".ndjson": _records_jsonl, ".json": _records_json, ".csv": _records_csv}
        if suffix not in readers:
            raise CheckError(f"unknown event-log format {suffix or '(none)'!r}: use .jsonl, .json or .csv", name)
        data = _read_bytes(path)
        log.sources.append(name)
        for line, record in readers[suffix](name, data):
            try:
                if isinstance(record, Exception):
                    raise record
                event = build_event(record, name, line, seq)
                if event.id in seen:
                    other_file, other_line = seen[event.id]
                    raise ValueError(f"duplicate event id {shorten(event.id)} (first at {other_file}:{other_line})")
            except ValueError as exc:
                if not lenient:
                    raise CheckError(str(exc), name, line) from None
                kept = record if isinstance(record, dict) else None
                log.skipped.append(SkippedLine(file=name, line=line, error=str(exc), record=kept))
                continue
            seen[event.id] = (name, line)
            log.events.append(event)
            seq += 1
    return log
