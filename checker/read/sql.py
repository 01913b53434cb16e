"""Events from SQL databases through SQLAlchemy URLs: a table or a query, streamed, read-only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CheckError, shorten
from .events import (
    BAD_CHAR_RE,
    LineError,
    parse_json_value,
)
from .rows import BATCH_ROWS, BadValue, RowError, Rows, field_value, json_text_value, row_record, unique_columns
from .sources import EventSource, mask_url

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, CursorResult, Engine

DRIVERS = {"postgresql": "postgresql+psycopg"}  # the driver installed with contract-check
INSTALL_HINTS = {
    "psycopg": "pip install 'psycopg[binary]'",
    "psycopg2": "pip install psycopg2-binary, or write postgresql+psycopg:// (installed with contract-check)",
    "pymysql": "pip install pymysql",
    "mysqldb": "pip install mysqlclient",
}


# --- SQL -----------------------------------------------------------------------------------


def sql_rows(source: EventSource) -> tuple[str, Rows]:
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        raise CheckError("reading events from a database needs SQLAlchemy: pip install SQLAlchemy",
                         mask_url(source.location)) from None
    url, label = _url(source.location)
    name = f"{label} (table {source.table})" if source.table is not None else f"{label} (query)"
    engine = _engine(url, label)
    return name, _sql_iter(engine, source, name, label)


def _url(location: str) -> tuple[URL, str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    label = mask_url(location)
    try:
        url = make_url(location)
    except (ArgumentError, ValueError) as exc:
        raise CheckError(f"not a database URL ({exc}); write e.g. sqlite:///events.db or "
                         "postgresql://user@host/dbname", label) from None
    label = mask_url(location)
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
    unique_columns(columns, name, "name them apart in the query (SELECT a.id, b.id AS other_id …)")
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
            yield row, row_record(name, row, columns, values, convert, names_clean)


def _sql_converter(declared: str | None) -> Callable[[Any], Any] | None:
    """None: the value is converted by its Python type (field_value)."""
    if declared == "json":
        return _sqlite_json
    if declared == "bool":
        return _sqlite_bool
    return None


def _sqlite_json(value: Any) -> Any:
    """A SQLite value of a column declared JSON: its text is JSON."""
    return json_text_value(value) if type(value) is str else field_value(value)


def _sqlite_bool(value: Any) -> Any:
    """A SQLite value of a column declared BOOLEAN: 0 or 1."""
    if type(value) is int and value in (0, 1):
        return bool(value)
    return BadValue(f"a BOOLEAN column holds {shorten(value)}, expected 0 or 1")


