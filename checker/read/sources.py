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
import re
from collections.abc import Sequence
from contextlib import closing
from typing import Any

from ..errors import CheckError
from .events import EventLog, accept
from .rows import RowError

TABLE_FLAGS = "--events-table/--events-query"


_PASSWORD_PARAM_RE = re.compile(r"((?:^|[?&;])password=)[^&;]*", re.IGNORECASE)


def mask_url(location: str) -> str:
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
                raise CheckError("give --events-table or --events-query, not both", mask_url(location))
            if src_table is None and src_query is None:
                raise CheckError("a database needs --events-table TABLE (or --events-query 'SELECT …') "
                                 "to say where the events are", mask_url(location))
            if src_table is not None and not src_table.strip():
                raise CheckError("--events-table is empty", mask_url(location))
            if src_query is not None and not src_query.strip():
                raise CheckError("--events-query is empty", mask_url(location))
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
    # Imported here: a .jsonl run never loads SQLAlchemy or pyarrow.
    if is_url(source.location):
        from .sql import sql_rows

        name, rows = sql_rows(source)
    else:
        from .parquet import parquet_rows

        name, rows = parquet_rows(source.location)
    log.sources.append(name)
    with closing(rows):
        for row, record in rows:
            seq = accept(log, seen, record, name, row, seq, lenient, RowError)
    return seq


