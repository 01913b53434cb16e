"""Event time as exact integers: microseconds since 1970-01-01T00:00:00Z.

Times are compared exactly as written, to the microsecond (the finest a `datetime` holds; a time
written with more fractional digits is refused by the reader, never truncated). The engine sees
these integers (durable-rules keeps 64-bit integers exactly; year 9999 is about 2.5e17 µs).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

SECOND: Final = 1_000_000
MINUTE: Final = 60 * SECOND
HOUR: Final = 60 * MINUTE
DAY: Final = 24 * HOUR
_ORIGIN: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST: Final = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)


def micros(moment: dt.datetime) -> int:
    """A timezone-aware datetime → exact microseconds since the epoch."""
    delta = moment - _ORIGIN
    return (delta.days * 86400 + delta.seconds) * SECOND + delta.microseconds


MAX_MICROS: Final = micros(LATEST)


def moment(value: int) -> dt.datetime:
    """Microseconds since the epoch → an aware UTC datetime (ValueError past year 9999)."""
    if value > MAX_MICROS:
        raise ValueError("after 9999-12-31")
    return _ORIGIN + dt.timedelta(microseconds=value)


def date_text(value: int) -> str:
    return moment(value).date().isoformat()


def iso_text(value: int) -> str:
    return moment(value).isoformat()


def micros_of_date(day: dt.date) -> int:
    return micros(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
