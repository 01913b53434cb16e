"""Calendar arithmetic for deadlines and periods, on exact event time (microseconds, UTC).

One meaning everywhere, the way counsel counts (docs/semantics.md, "Deadlines"): a period in
days, weeks, business days, months, quarters or years does not count the day of the trigger and
ends at the end of its last day (UTC) — "within 30 days after 1 January" runs until the end of
31 January, whatever the hour of the trigger; the deadline is that day's last microsecond and an
act is on time at or before it. Seconds, minutes and hours are exact spans from the trigger's
instant.
- days, weeks: calendar days after the trigger's day.
- months, quarters, years: calendar months (python-dateutil's relativedelta), rounded down to the
  last day of a shorter month (31 Jan + 1 month = 28/29 Feb). Where the day was rounded,
  `Deadline.rounded` says so and the rounded-up reading (the end of 1 March) is kept in
  `Deadline.alternative`, so a verdict that depends on the rounding can be reported as a grey
  zone instead of silently picking one (Catala's ambiguity check).
- business_days: N working days after the trigger's day (Monday–Friday, minus the public
  holidays of the contract's calendar, from the `holidays` package).
- A negative amount counts back ("5 days before the meeting": the end of the 5th day before).
Periods: calendar months, quarters, years, fiscal years (with a start month), weeks (Monday), and
contract years from the effective date (the same day each year, 29 February → 28 February in
common years, rounded down like months), each [start, end) in whole days.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta

from ..moments import DAY, HOUR, MINUTE, SECOND, micros, moment

SPAN_UNITS = {"seconds": SECOND, "minutes": MINUTE, "hours": HOUR, "days": DAY, "weeks": 7 * DAY}
MONTH_UNITS = {"months": 1, "quarters": 3, "years": 12}
UNITS = (*SPAN_UNITS, "business_days", *MONTH_UNITS)
UNLIMITED = 2**62  # "no time limit": later than any representable instant
PERIODS = ("week", "month", "quarter", "year", "fiscal_year", "contract_year")


class CalendarError(ValueError):
    """A calendar that cannot be used (unknown country or subdivision)."""


@dataclass(frozen=True)
class Duration:
    """An amount of a unit, as a contract writes it: 30 days, 1 month, 10 business days."""

    amount: int
    unit: str

    def __str__(self) -> str:
        if self.unit == "unlimited":
            return "without limit"
        unit = self.unit.replace("_", " ")
        return f"{self.amount} {unit[:-1] if self.amount == 1 else unit}"


@dataclass(frozen=True)
class Deadline:
    at: int  # microseconds since the epoch
    rounded: bool = False  # a month end rounded the day down
    alternative: int | None = None  # the rounded-up reading, when rounded


@functools.lru_cache(maxsize=64)
def holiday_calendar(name: str) -> Any:
    """`US`, `DE-BY` (country, optional subdivision) → a holidays calendar for all years."""
    import holidays

    country, _, subdivision = name.partition("-")
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        raise CalendarError(f"unknown holiday calendar {name!r} (a country code such as US, FR, DE-BY)") from None
    except Exception as exc:  # the package says which subdivision codes exist
        raise CalendarError(f"holiday calendar {name!r}: {exc}") from None


def is_business_day(day: dt.date, calendar: str | None) -> bool:
    if day.weekday() >= 5:
        return False
    return calendar is None or day not in holiday_calendar(calendar)


def add(start: int, duration: Duration, calendar: str | None = None) -> Deadline:
    """`start` + `duration` (negative amounts count back), by the rules in the module docstring.

    A result past the last representable day is `UNLIMITED` (the caller refuses a deadline
    beyond year 9999 with the event that set it off)."""
    try:
        return _add(start, duration, calendar)
    except (OverflowError, ValueError):
        return Deadline(UNLIMITED if duration.amount >= 0 else -UNLIMITED)


def _add(start: int, duration: Duration, calendar: str | None) -> Deadline:
    if duration.unit == "unlimited":
        return Deadline(UNLIMITED if duration.amount >= 0 else -UNLIMITED)
    if duration.unit in ("seconds", "minutes", "hours"):
        return Deadline(start + duration.amount * SPAN_UNITS[duration.unit])
    day = moment(start).date()
    if duration.unit in ("days", "weeks"):
        return Deadline(end_of_day(day + dt.timedelta(days=duration.amount * (7 if duration.unit == "weeks" else 1))))
    if duration.unit == "business_days":
        step = 1 if duration.amount >= 0 else -1
        left = abs(duration.amount)
        while left:
            day += dt.timedelta(days=step)
            if is_business_day(day, calendar):
                left -= 1
        return Deadline(end_of_day(day))
    months = duration.amount * MONTH_UNITS[duration.unit]
    down = day + relativedelta(months=months)
    if down.day == day.day:
        return Deadline(end_of_day(down))
    # The day does not exist in the target month: rounded down; the other reading is the 1st of
    # the next month.
    up = down.replace(day=1) + relativedelta(months=1)
    return Deadline(end_of_day(down), rounded=True, alternative=end_of_day(up))


def end_of_day(day: dt.date) -> int:
    """The last microsecond of a UTC day: a deadline on that day is met by any act during it."""
    return micros(dt.datetime.combine(day, dt.time(), dt.UTC)) + DAY - 1


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date | None  # exclusive; None past the last representable day


def periods(every: str, effective: dt.date, last_day: dt.date, fiscal_start: int = 1) -> list[Period]:
    """The periods from the one containing `effective` to the one containing `last_day`."""
    found: list[Period] = []
    n = 0
    start: dt.date | None = effective if every == "contract_year" else _period_start(every, effective, fiscal_start)
    while start is not None and start <= last_day:
        try:
            end: dt.date | None = (effective + relativedelta(years=n + 1) if every == "contract_year"
                                   else _next_start(every, start))
        except (OverflowError, ValueError):
            end = None
        label = f"contract year {n + 1}" if every == "contract_year" else _label(every, start, fiscal_start)
        found.append(Period(label, start, end))
        start, n = end, n + 1
    return found


def period_start_of(at: int, every: str, effective: dt.date | None) -> int:
    """The start (µs) of the period of kind `every` (month, quarter, year, fiscal_year:M,
    contract_year, week) containing the instant `at`; running totals reset there."""
    day = moment(at).date()
    kind, _, fiscal = every.partition(":")
    if kind == "contract_year":
        if effective is None:
            raise CalendarError("a contract year needs the contract's effective date")
        years = day.year - effective.year
        start = effective + relativedelta(years=years)
        if start > day:
            start = effective + relativedelta(years=years - 1)
        return micros(dt.datetime.combine(start, dt.time(), dt.UTC))
    start = _period_start(kind, day, int(fiscal or 1))
    return micros(dt.datetime.combine(start, dt.time(), dt.UTC))


def _period_start(every: str, day: dt.date, fiscal_start: int) -> dt.date:
    if every == "week":
        return day - dt.timedelta(days=day.weekday())
    if every == "month":
        return day.replace(day=1)
    if every == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if every == "year":
        return dt.date(day.year, 1, 1)
    if every == "fiscal_year":
        year = day.year if day.month >= fiscal_start else day.year - 1
        return dt.date(year, fiscal_start, 1)
    raise CalendarError(f"unknown period {every!r}; known: {', '.join(PERIODS)}")


def _next_start(every: str, start: dt.date) -> dt.date:
    if every == "week":
        return start + dt.timedelta(days=7)
    step = {"month": 1, "quarter": 3, "year": 12, "fiscal_year": 12}[every]
    return start + relativedelta(months=step)


def _label(every: str, start: dt.date, fiscal_start: int) -> str:
    if every == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if every == "month":
        return f"{start:%Y-%m}"
    if every == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if every == "year":
        return str(start.year)
    return f"FY{start.year}" if fiscal_start == 1 else f"FY{start.year}/{(start.year + 1) % 100:02d}"


def parse_duration(raw: Any) -> Duration:
    """`{days: 30}`, `{business_days: 10}`, `"1 month"`, `"24 hours"`, `unlimited` → Duration."""
    if raw == "unlimited":
        return Duration(1, "unlimited")
    if isinstance(raw, dict) and len(raw) == 1:
        unit, amount = next(iter(raw.items()))
    elif isinstance(raw, str) and len(raw.split()) in (2, 3):
        words = raw.split()
        amount, unit = words[0], "_".join(words[1:])
    else:
        raise ValueError(f"a duration is {{unit: N}} or 'N unit', units: {', '.join(UNITS)}; got {raw!r}")
    if isinstance(unit, str) and not unit.endswith("s"):
        unit += "s"
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; known: {', '.join(UNITS)}")
    if isinstance(amount, str) and amount.lstrip("-").isdigit():
        amount = int(amount)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError(f"a duration needs a whole number ≥ 0 of {unit}, got {amount!r}")
    return Duration(amount, str(unit))
