"""Event logs where they live: Parquet files (pyarrow) and SQL databases (SQLAlchemy URLs).

Each row becomes a record dict that goes through `events.build_event`, exactly like a line of a
.jsonl file, so the same validation applies and errors name the place: `events.parquet:row 12:`
or `sqlite:///events.db (table events):row 12:` (a URL's password is never shown). Rows are
streamed (`iter_batches`, `fetchmany` on a server-side cursor), never loaded whole.

How values are read (the typed value layer, `checker/values.py`, sees them as from JSON):

* NULL is a missing field (a table has one set of columns for every event type); inside a list
  or an object it is JSON null.
* Integers are ints; NUMERIC/DECIMAL (Parquet decimal128/256) are `Decimal`, exactly.
* A binary float (SQL REAL/FLOAT/DOUBLE, SQLite REAL, Parquet float/double) is read only when it
  is exactly a short decimal: its shortest round-trip spelling has at most 15 significant digits
  (6 for a 32-bit float), which a float keeps exactly, so `12.5` or `0.1` stored by SQLite's
  NUMERIC affinity read as `Decimal("12.5")`, `Decimal("0.1")`. A float that needs more digits
  (`0.1 + 0.2` = 0.30000000000000004: computed in binary), NaN or an infinity is refused.
* A timestamp with a time zone becomes ISO 8601 text with its offset; a timestamp without one
  (SQL TIMESTAMP WITHOUT TIME ZONE, a Parquet timestamp without tz) is refused like a JSON time
  without an offset: its instant is unknown. SQLite has no timestamp type: its text is parsed
  as in JSON. Dates become `YYYY-MM-DD` text (00:00 UTC when they are the event's time).
* PostgreSQL arrays are lists, json/jsonb are read with the checker's own JSON reader (decimals
  exact, duplicate keys refused); in SQLite a column declared JSON holds JSON text, read as a
  list or object; Parquet lists are lists, structs are objects, JSON columns are parsed.
* Other types (binary data, times of day, intervals, Parquet maps…) are refused for the whole
  source, naming the column, even under --lenient.

A table is read in the order of its primary key when it has one (else as the database returns
it); a query's rows in the order it gives (write ORDER BY). Equal times keep that order. A
database is only read: SQLite is opened read-only, PostgreSQL in a read-only transaction, and
every transaction is rolled back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import math
import re
import struct
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CheckError, shorten
from ..limits import MAX_LIST_ITEMS, MAX_STRING_CHARS
from .events import (
    BAD_CHAR_RE,
    Clean,
    EventLog,
    LineError,
    SkippedLine,
    _BadNumber,
    build_event,
    fits_number_limits,
    parse_json_value,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, CursorResult, Engine

BATCH_ROWS = 2048
FLOAT_DIGITS = 15  # DBL_DIG: every decimal of at most 15 significant digits survives a double
FLOAT32_DIGITS = 6  # FLT_DIG
DRIVERS = {"postgresql": "postgresql+psycopg"}  # the driver installed with contract-check
INSTALL_HINTS = {
    "psycopg": "pip install 'psycopg[binary]'",
    "psycopg2": "pip install psycopg2-binary, or write postgresql+psycopg:// (installed with contract-check)",
    "pymysql": "pip install pymysql",
    "mysqldb": "pip install mysqlclient",
}
TABLE_FLAGS = "--events-table/--events-query"


class EventSource(str):
    """An --events location with the table or query it is read through (for a database URL).

    A `str` (the location itself), so every list of event paths stays a list of strings; a
    plain string that is a URL takes the table or query given to `read_events`.
    """

    table: str | None
    query: str | None

    def __new__(cls, location: str, table: str | None = None, query: str | None = None) -> EventSource:
        self = super().__new__(cls, location)
        self.table = table
        self.query = query
        return self

    @property
    def location(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"EventSource({self.location!r}, table={self.table!r}, query={self.query!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (EventSource, (self.location, self.table, self.query))


def is_url(location: str) -> bool:
    return "://" in location


def is_parquet(location: str) -> bool:
    return not is_url(location) and location.lower().endswith(".parquet")


class RowError(CheckError):
    """A CheckError whose place is a row of a table, a query's result or a Parquet file."""

    def __str__(self) -> str:
        return f"{self.file}:row {self.line}: {self.message}"


class _Bad:
    """A value that cannot become an event field: `fatal` ones refuse the whole source."""

    __slots__ = ("fatal", "message")

    def __init__(self, message: str, fatal: bool = False) -> None:
        self.message = message
        self.fatal = fatal


class _RowProblem(ValueError):
    def __init__(self, message: str, record: dict[str, Any]) -> None:
        super().__init__(message)
        self.record = record


Rows = Generator[tuple[int, "dict[str, Any] | _RowProblem"], None, None]


class EventsOption(argparse.Action):
    """--events (repeatable), --events-table, --events-query: after each, every database URL of
    --events is bound to the table or query, whatever the order of the options, so `args.events`
    is what read_events reads (a table or query with no URL at all is refused there)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if self.dest == "events":
            namespace.events = [*(getattr(namespace, "events", None) or []), values]
        else:
            setattr(namespace, self.dest, values)
        bind(namespace)


def bind(namespace: argparse.Namespace) -> None:
    table = getattr(namespace, "events_table", None)
    query = getattr(namespace, "events_query", None)
    raw = [e.location if isinstance(e, EventSource) else e for e in getattr(namespace, "events", None) or []]
    if table is None and query is None:
        namespace.events = raw or None
        return
    # With no URL at all, the files carry the option so that read_events says it has no database.
    any_url = any(is_url(e) for e in raw)
    namespace.events = [EventSource(e, table, query) if is_url(e) or not any_url else e for e in raw] or None


# --- which paths go where ------------------------------------------------------------------


def plan(paths: Sequence[str], table: str | None, query: str | None) -> list[str]:
    """The paths as read_events reads them: file paths as given, Parquet files and database URLs
    as EventSource (a URL with its table or query). Misplaced or missing options are refused."""
    if table is not None and query is not None:
        raise CheckError("give --events-table or --events-query, not both")
    out: list[str] = []
    urls = 0
    for path in paths:
        location, src_table, src_query, own = path, table, query, False
        if isinstance(path, EventSource):
            location = path.location
            if path.table is not None or path.query is not None:
                src_table, src_query, own = path.table, path.query, True
        if is_url(location):
            urls += 1
            if src_table is not None and src_query is not None:
                raise CheckError("give --events-table or --events-query, not both", _mask(location))
            if src_table is None and src_query is None:
                raise CheckError("a database needs --events-table TABLE (or --events-query 'SELECT …') "
                                 "to say where the events are", _mask(location))
            if src_table is not None and not src_table.strip():
                raise CheckError("--events-table is empty", _mask(location))
            if src_query is not None and not src_query.strip():
                raise CheckError("--events-query is empty", _mask(location))
            out.append(EventSource(location, src_table, src_query))
        elif own:
            raise CheckError(f"{TABLE_FLAGS} apply to a database URL (sqlite:///events.db), not to a file", location)
        elif is_parquet(location):
            out.append(EventSource(location))
        else:
            out.append(location)
    if urls == 0 and (table is not None or query is not None):
        raise CheckError(f"{TABLE_FLAGS} need a database URL in --events (sqlite:///events.db, postgresql://…)")
    return out


def read_source(source: EventSource, log: EventLog, seen: dict[str, int], seq: int, lenient: bool) -> int:
    """Append the events of one Parquet file or database to `log` (as read_events does for a
    file); returns the next sequence number."""
    name, rows = _sql_rows(source) if is_url(source.location) else _parquet_rows(source.location)
    log.sources.append(name)
    with closing(rows):
        for row, record in rows:
            # build_event's fast path takes id, time, type and actor out of a Clean record: a
            # skipped row keeps them (the verdicts it may touch are found through them).
            snapshot = dict(record) if lenient and type(record) is Clean else None
            try:
                if isinstance(record, _RowProblem):
                    raise record
                event = build_event(record, name, row, seq)
                if event.id in seen:
                    first = log.events[seen[event.id]]
                    raise ValueError(f"duplicate event id {shorten(event.id)} (first at {first.file}:{first.line})")
            except ValueError as exc:
                if not lenient:
                    raise RowError(str(exc), name, row) from None
                kept = record.record if isinstance(record, _RowProblem) else snapshot or dict(record)
                log.skipped.append(SkippedLine(file=name, line=row, error=str(exc), record=kept))
                continue
            seen[event.id] = len(log.events)
            log.events.append(event)
            seq += 1
    return seq


def _record(name: str, row: int, columns: Sequence[str], values: Sequence[Any],
            convert: Sequence[Callable[[Any], Any] | None], names_clean: bool,
            converted: bool = False) -> dict[str, Any] | _RowProblem:
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
                value = _value(value)
                kind = type(value)
        if kind is str:
            if clean and (len(value) > MAX_STRING_CHARS or BAD_CHAR_RE.search(value)):
                clean = False
        elif kind is int or kind is bool or kind is Decimal:
            pass  # decimals come through _decimal or _float, within the number limits
        elif kind is _Bad:
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
    return record if problem is None else _RowProblem(problem, dict(record))


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


def _unique_columns(columns: Sequence[str], name: str, hint: str) -> None:
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise CheckError(f"two columns are named {shorten(column)}; {hint}", name)
        seen.add(column)


# --- values --------------------------------------------------------------------------------


def _float(value: float, single: bool = False) -> Decimal | _Bad:
    if not math.isfinite(value):
        return _Bad(f"{value} is not a finite number")
    text = _shortest_single(value) if single else repr(value)
    number = Decimal(text)
    digits = len(number.normalize().as_tuple().digits)
    limit = FLOAT32_DIGITS if single else FLOAT_DIGITS
    if digits > limit:
        return _Bad(f"the binary floating-point number {text} is no exact decimal of at most {limit} digits "
                    "(it was computed in binary, so the decimal it stands for is unknown): store exact numbers "
                    "as NUMERIC/DECIMAL, integers or text")
    if not fits_number_limits(number):
        return _Bad(_BadNumber(text).problem())
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


def _decimal(value: Decimal) -> Decimal | _Bad:
    if not value.is_finite():
        return _Bad(f"{value} is not a finite number")
    if not fits_number_limits(value):
        return _Bad(_BadNumber(str(value)).problem())
    return value


NAIVE_HINT = ("store times with a time zone (SQL: TIMESTAMP WITH TIME ZONE; Parquet: a timestamp with tz=UTC) "
              "or as text with 'Z' or '+HH:MM'")


def _datetime(value: dt.datetime) -> str | _Bad:
    if value.tzinfo is None or value.utcoffset() is None:
        return _Bad(f"a timestamp without time zone ({value.isoformat()}) names no instant: {NAIVE_HINT}")
    return value.isoformat()


def _json_text(text: str) -> Any:
    if len(text) > MAX_STRING_CHARS:
        return _Bad(f"JSON text is {len(text)} characters long; a field is limited to {MAX_STRING_CHARS}")
    try:
        return parse_json_value(text)
    except LineError as exc:
        return _Bad(f"JSON column: {exc}")


def _value(value: Any) -> Any:
    """A database or Arrow value as a JSON-typed field value, or _Bad."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None or kind is _BadNumber:
        return value
    if kind is Decimal:
        return _decimal(value)
    if kind is float:
        return _float(value)
    if isinstance(value, dt.datetime):
        return _datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        items = [_value(item) for item in value]
        for index, item in enumerate(items):
            if type(item) is _Bad:
                return _Bad(f"{'in' if item.fatal else ''} item {index + 1}: {item.message}".lstrip(), item.fatal)
        return items
    if isinstance(value, dict):
        # From a JSON reader (kept as it is: build_event checks keys, duplicates and limits) or a
        # record-like value (Arrow struct, hstore).
        if all(type(v) in _JSON_SCALARS or isinstance(v, (list, dict)) for v in value.values()):
            return value
        converted = {key: _value(item) for key, item in value.items()}
        for key, item in converted.items():
            if type(item) is _Bad:
                return _Bad(f"{'in' if item.fatal else ''} field {shorten(key)}: {item.message}".lstrip(), item.fatal)
        return converted
    if isinstance(value, str):  # subclasses (a driver's enums)
        return str(value)
    if isinstance(value, int):
        return int(value)
    if kind.__module__ in ("uuid", "ipaddress"):
        return str(value)
    return _Bad(_unsupported(value), fatal=True)


_JSON_SCALARS = (str, int, bool, type(None), Decimal, _BadNumber)


def _unsupported(value: Any) -> str:
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


# --- SQL -----------------------------------------------------------------------------------


_PASSWORD_PARAM_RE = re.compile(r"((?:^|[?&;])password=)[^&;]*", re.IGNORECASE)


def _mask(location: str) -> str:
    """The URL as shown in messages and reports: the password hidden (user:***@, ?password=***)."""
    shown = _PASSWORD_PARAM_RE.sub(r"\1***", location)
    if "@" not in shown:
        return shown
    try:
        from sqlalchemy.engine import make_url

        return _PASSWORD_PARAM_RE.sub(r"\1***", make_url(location).render_as_string(hide_password=True))
    except Exception:  # noqa: BLE001 - an unparsable URL is reported later; never echo a password
        scheme, _, rest = shown.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"


def _sql_rows(source: EventSource) -> tuple[str, Rows]:
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        raise CheckError("reading events from a database needs SQLAlchemy: pip install SQLAlchemy",
                         _mask(source.location)) from None
    url, label = _url(source.location)
    name = f"{label} (table {source.table})" if source.table is not None else f"{label} (query)"
    engine = _engine(url, label)
    return name, _sql_iter(engine, source, name, label)


def _url(location: str) -> tuple[URL, str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    label = _mask(location)
    try:
        url = make_url(location)
    except (ArgumentError, ValueError) as exc:
        raise CheckError(f"not a database URL ({exc}); write e.g. sqlite:///events.db or "
                         "postgresql://user@host/dbname", label) from None
    label = _mask(location)
    if url.drivername in DRIVERS:
        url = url.set(drivername=DRIVERS[url.drivername])
    if url.get_backend_name() == "sqlite":
        url = _sqlite_read_only(url, label)
    return url, label


def _sqlite_read_only(url: URL, label: str) -> URL:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        if not database or database == ":memory:":
            raise CheckError("an in-memory SQLite database holds no events: name the database file "
                             "(sqlite:///events.db, sqlite:////absolute/path/events.db)", label)
        return url
    path = Path(database)
    if not path.exists():
        raise CheckError(f"database file not found: {database}", label)
    if path.is_dir():
        raise CheckError(f"is a directory, expected an SQLite database file: {database}", label)
    from urllib.request import pathname2url

    query = dict(url.query)
    query.update(mode="ro", uri="true")
    return url.set(database="file:" + pathname2url(str(path.resolve())), query=query)


def _engine(url: URL, label: str) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    options: dict[str, Any] = {"poolclass": _null_pool()}
    if url.get_backend_name() == "postgresql":
        options["json_deserializer"] = _json_loads
    try:
        return create_engine(url, **options)
    except NoSuchModuleError:
        backend = url.get_backend_name()
        if url.drivername != backend:
            raise CheckError(f"no SQLAlchemy driver {url.drivername!r} (is it installed?)", label) from None
        raise CheckError(f"{backend!r} is not a database SQLAlchemy knows; write e.g. sqlite:///events.db or "
                         "postgresql://user@host/dbname (Parquet is read from a local .parquet file)",
                         label) from None
    except ImportError as exc:
        module = (exc.name or "").split(".")[0]
        hint = INSTALL_HINTS.get(module.lower(), f"pip install {module}" if module else "install it with pip")
        raise CheckError(f"the database driver for {url.drivername} is not installed "
                         f"(no module {module or exc!s}): {hint}", label) from None
    except (ArgumentError, TypeError, ValueError) as exc:
        raise CheckError(f"cannot use this database URL: {exc}", label) from None


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


def _json_loads(data: str | bytes | bytearray | memoryview) -> Any:
    """json/jsonb values through the checker's own JSON reader (exact decimals, duplicate keys)."""
    raw = bytes(data) if isinstance(data, (bytearray, memoryview)) else data
    try:
        return parse_json_value(raw)
    except LineError as exc:
        raise ValueError(f"JSON column: {exc}") from None


def _driver_message(exc: BaseException) -> str:
    """The database's own words (not SQLAlchemy's wrapper with the SQL and a link)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip() or type(orig).__name__
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _sql_iter(engine: Engine, source: EventSource, name: str, label: str) -> Rows:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise CheckError(f"cannot connect to the database: {_driver_message(exc)}", label) from None
        with conn:
            if engine.dialect.name == "postgresql":
                conn = conn.execution_options(postgresql_readonly=True)
            try:
                result, declared = _execute(conn, source, name, label)
                yield from _fetch(result, declared, name)
            finally:
                if conn.in_transaction():
                    conn.rollback()
    finally:
        engine.dispose()


def _execute(conn: Connection, source: EventSource, name: str, label: str) -> tuple[CursorResult[Any], dict[str, str]]:
    """The running statement and the columns SQLite declares JSON or BOOLEAN (it stores them as
    text and integers; other databases' drivers already give lists, objects and booleans)."""
    from sqlalchemy.exc import SQLAlchemyError

    streaming = conn.execution_options(stream_results=True, max_row_buffer=BATCH_ROWS)
    if source.table is not None:
        statement, declared = _table_select(conn, source.table, label)
        try:
            return streaming.execute(statement), declared
        except SQLAlchemyError as exc:
            raise CheckError(f"cannot read table {source.table!r}: {_driver_message(exc)}", label) from None
    assert source.query is not None
    first = _LEADING_RE.sub("", source.query).split(None, 1)
    if not first or first[0].lower().rstrip("(") not in _READING_WORDS:
        raise CheckError("the query must be a SELECT (or WITH … SELECT): the checker only reads the database", name)
    declared = _sqlite_query_declared(conn, source.query)
    try:
        # no_parameters: the SQL goes to the driver as written ('%' and ':name' are not placeholders).
        result = streaming.execution_options(no_parameters=True).exec_driver_sql(source.query)
    except SQLAlchemyError as exc:
        raise CheckError(f"the query failed: {_driver_message(exc)}", name) from None
    if not result.returns_rows:
        raise CheckError("the query returns no rows: give a SELECT", name)
    return result, declared


# Comments, blanks and opening parentheses before a query's first word.
_LEADING_RE = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/|\()*", re.DOTALL)
_READING_WORDS = frozenset(("select", "with", "values", "table"))


def _declared_kind(declared_type: str) -> str | None:
    text = declared_type.upper()
    return "json" if "JSON" in text else "bool" if "BOOL" in text else None


def _table_select(conn: Connection, table: str, label: str) -> tuple[Any, dict[str, str]]:
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    schema, _, bare = table.rpartition(".")
    schema_or_none = schema or None
    try:
        inspector = sa.inspect(conn)
        if not inspector.has_table(bare, schema=schema_or_none):
            known = sorted(inspector.get_table_names(schema=schema_or_none)
                           + inspector.get_view_names(schema=schema_or_none))
            listed = ", ".join(known[:20]) + (" …" if len(known) > 20 else "")
            raise CheckError(f"no table {table!r} in the database (tables: {listed or 'none'})", label)
        columns = inspector.get_columns(bare, schema=schema_or_none)
        primary = inspector.get_pk_constraint(bare, schema=schema_or_none).get("constrained_columns") or []
    except SQLAlchemyError as exc:
        raise CheckError(f"cannot read table {table!r}: {_driver_message(exc)}", label) from None
    names = [c["name"] for c in columns]
    declared: dict[str, str] = {}
    if conn.dialect.name == "sqlite":
        for c in columns:
            kind = "json" if isinstance(c["type"], sa.JSON) else "bool" if isinstance(c["type"], sa.Boolean) else None
            if kind is not None:
                declared[c["name"]] = kind
    selectable = sa.table(bare, *(sa.column(n) for n in names), schema=schema_or_none)
    statement = sa.select(selectable)
    if primary:
        statement = statement.order_by(*(selectable.c[n] for n in primary))
    return statement, declared


def _sqlite_query_declared(conn: Connection, query: str) -> dict[str, str]:
    """SQLite gives a query's declared column types only through a view; a query that cannot be
    one keeps its JSON text as text (its own errors are reported when it runs)."""
    if conn.dialect.name != "sqlite":
        return {}
    import secrets

    from sqlalchemy.exc import SQLAlchemyError

    view = f"contract_check_{secrets.token_hex(8)}"
    try:
        conn.exec_driver_sql(f"CREATE TEMP VIEW {view} AS {query.strip().rstrip(';')}")
        try:
            info = conn.exec_driver_sql(f"PRAGMA temp.table_info({view})").fetchall()
        finally:
            conn.exec_driver_sql(f"DROP VIEW temp.{view}")
    except SQLAlchemyError:
        if conn.in_transaction():
            conn.rollback()
        return {}
    kinds = {str(r[1]): _declared_kind(str(r[2] or "")) for r in info}
    return {column: kind for column, kind in kinds.items() if kind is not None}


def _fetch(result: CursorResult[Any], declared: dict[str, str], name: str) -> Rows:
    columns = [str(k) for k in result.keys()]
    _unique_columns(columns, name, "name them apart in the query (SELECT a.id, b.id AS other_id …)")
    convert = [_sql_converter(declared.get(c)) for c in columns]
    names_clean = not any(BAD_CHAR_RE.search(c) for c in columns)
    row = 0
    while True:
        try:
            batch = result.fetchmany(BATCH_ROWS)
        except Exception as exc:  # noqa: BLE001 - a driver's loader error (an infinite timestamp…)
            raise RowError(f"cannot read the row: {_driver_message(exc)}", name, row + 1) from None
        if not batch:
            return
        for values in batch:
            row += 1
            yield row, _record(name, row, columns, values, convert, names_clean)


def _sql_converter(declared: str | None) -> Callable[[Any], Any] | None:
    """None: the value is converted by its Python type (_value)."""
    if declared == "json":
        return _sqlite_json
    if declared == "bool":
        return _sqlite_bool
    return None


def _sqlite_json(value: Any) -> Any:
    """A SQLite value of a column declared JSON: its text is JSON."""
    return _json_text(value) if type(value) is str else _value(value)


def _sqlite_bool(value: Any) -> Any:
    """A SQLite value of a column declared BOOLEAN: 0 or 1."""
    if type(value) is int and value in (0, 1):
        return bool(value)
    return _Bad(f"a BOOLEAN column holds {shorten(value)}, expected 0 or 1")


# --- Parquet -------------------------------------------------------------------------------


Convert = Callable[[Any], Any] | None  # None: the Python value is already the field value


def _pyarrow(path: str) -> tuple[Any, Any]:
    """pyarrow and pyarrow.parquet, imported on first use (a .jsonl run never pays for them)."""
    try:
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise CheckError("reading Parquet needs pyarrow: pip install pyarrow", path or None) from None


def _parquet_rows(path: str) -> tuple[str, Rows]:
    pa, pq = _pyarrow(path)

    p = Path(path)
    if not p.exists():
        raise CheckError("file not found", path)
    if p.is_dir():
        raise CheckError("is a directory, expected a Parquet file", path)
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except (pa.ArrowException, OSError) as exc:
        raise CheckError(f"not a readable Parquet file: {exc}", path) from None
    columns = [str(n) for n in schema.names]
    _unique_columns(columns, path, "a Parquet file needs one name per column")
    converters = [_arrow_converter(field.type, str(field.name), path) for field in schema]
    return path, _parquet_iter(parquet, columns, converters, path)


def _parquet_iter(parquet: Any, columns: list[str], converters: list[Convert], path: str) -> Rows:
    pa, _ = _pyarrow(path)

    row = 0
    batches = parquet.iter_batches(batch_size=BATCH_ROWS)
    identity: list[Callable[[Any], Any] | None] = [None] * len(columns)
    names_clean = not any(BAD_CHAR_RE.search(c) for c in columns)
    try:
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError) as exc:
                raise RowError(f"cannot read the Parquet file here: {exc}", path, row + 1) from None
            if batch is None:
                return
            values = [_column(batch.column(i), convert) for i, convert in enumerate(converters)]
            for row_values in zip(*values, strict=True):
                row += 1
                yield row, _record(path, row, columns, row_values, identity, names_clean, converted=True)
    finally:
        parquet.close()


def _column(array: Any, convert: Convert) -> list[Any]:
    try:
        values: list[Any] = array.to_pylist()
    except (ValueError, OverflowError, ArithmeticError):
        # One value Python cannot hold (a nanosecond, a year past 9999): find which, per value.
        values = []
        for index in range(len(array)):
            try:
                values.append(array[index].as_py())
            except (ValueError, OverflowError, ArithmeticError) as exc:
                values.append(_Bad(_arrow_problem(exc)))
    if convert is None:
        return values
    return [v if v is None or type(v) is _Bad else convert(v) for v in values]


def _arrow_problem(exc: Exception) -> str:
    text = str(exc)
    if "Nanosecond" in text:
        return "a timestamp with nanoseconds: times keep at most 6 fractional digits of a second"
    if isinstance(exc, OverflowError) or "out of range" in text:
        return "a timestamp or date outside the years Python can hold (1–9999)"
    return f"cannot be read: {shorten(text, 120)}"


def _arrow_converter(kind: Any, column: str, path: str) -> Convert:
    """How one Arrow type becomes field values; CheckError for a type an event cannot hold."""
    pa, _ = _pyarrow(path)

    types = pa.types
    if isinstance(kind, pa.BaseExtensionType):
        if kind.extension_name == "arrow.json":
            return _json_text
        if kind.extension_name == "arrow.uuid":
            return str
        return _arrow_converter(kind.storage_type, column, path)
    if (types.is_null(kind) or types.is_boolean(kind) or types.is_integer(kind) or types.is_string(kind)
            or types.is_large_string(kind) or _is(types, "is_string_view", kind)):
        return None
    if types.is_float32(kind):
        return lambda v: _float(v, single=True)
    if types.is_float64(kind):
        return _float
    if types.is_decimal(kind):
        return _decimal
    if types.is_date(kind):
        return _date_text
    if types.is_timestamp(kind):
        return _datetime
    if types.is_dictionary(kind):
        return _arrow_converter(kind.value_type, column, path)
    if (types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind)
            or _is(types, "is_list_view", kind) or _is(types, "is_large_list_view", kind)):
        item = _arrow_converter(kind.value_type, column, path)
        return None if item is None else _list_of(item)
    if types.is_struct(kind):
        fields = {kind.field(i).name: _arrow_converter(kind.field(i).type, column, path) for i in range(kind.num_fields)}
        if all(f is None for f in fields.values()):
            return None
        return _struct_of(fields)
    raise CheckError(f"column {shorten(column)} has the type {kind}, which an event field cannot hold: "
                     f"{_arrow_hint(kind)}", path)


def _is(types: Any, predicate: str, kind: Any) -> bool:
    check = getattr(types, predicate, None)
    return bool(check(kind)) if check is not None else False


def _arrow_hint(kind: Any) -> str:
    pa, _ = _pyarrow("")

    types = pa.types
    if types.is_binary(kind) or types.is_large_binary(kind) or types.is_fixed_size_binary(kind):
        return "store text as a UTF-8 string column"
    if types.is_float16(kind):
        return "store exact numbers as decimal128 (or float64 holding short decimals)"
    if types.is_map(kind):
        return "use a struct (an object) or a list"
    if types.is_timestamp(kind) or types.is_time(kind) or types.is_duration(kind) or types.is_interval(kind):
        return "store times as timestamps with a time zone, durations as numbers"
    return "use strings, integers, decimals, booleans, dates, timestamps with a time zone, lists or structs"


def _date_text(value: dt.date) -> str:
    return value.isoformat()


def _list_of(item: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(values: list[Any]) -> Any:
        out = [None if v is None else item(v) for v in values]
        for index, v in enumerate(out):
            if type(v) is _Bad:
                return _Bad(f"item {index + 1}: {v.message}", v.fatal)
        return out

    return convert


def _struct_of(fields: dict[str, Convert]) -> Callable[[Any], Any]:
    def convert(value: dict[str, Any]) -> Any:
        out: dict[str, Any] = {}
        for key, v in value.items():
            conv = fields.get(key)
            out[key] = v if v is None or conv is None else conv(v)
            if type(out[key]) is _Bad:
                return _Bad(f"field {shorten(key)}: {out[key].message}", out[key].fatal)
        return out

    return convert
