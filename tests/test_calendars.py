"""Calendar arithmetic on its own: month ends, leap years, business days and holidays, periods,
contract years, offsets across midnight and sub-second edges (checker/language/calendars.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.language.calendars import Duration, add, is_business_day, parse_duration, periods
from checker.moments import iso_text, micros
from checker.read.events import parse_time


def at(text: str) -> int:
    return micros(parse_time(text))


def plus(text: str, amount: int, unit: str, calendar: str | None = None) -> str:
    return iso_text(add(at(text), Duration(amount, unit), calendar).at)


# Day-based units end at the end of the last day (UTC); seconds, minutes and hours are exact spans.
END = "T23:59:59.999999+00:00"


@pytest.mark.parametrize(("start", "amount", "unit", "expected"), [
    ("2024-01-31", 1, "months", "2024-02-29" + END),       # leap year: rounded down to the 29th
    ("2023-01-31", 1, "months", "2023-02-28" + END),       # common year: the 28th
    ("2024-03-31", 1, "months", "2024-04-30" + END),
    ("2024-01-15", 1, "months", "2024-02-15" + END),
    ("2024-02-29", 1, "years", "2025-02-28" + END),        # 29 February + 1 year
    ("2024-02-29", 4, "years", "2028-02-29" + END),
    ("2024-11-30", 1, "quarters", "2025-02-28" + END),
    ("2024-01-01T23:30:00+01:00", 1, "days", "2024-01-02" + END),  # 22:30 UTC on 1 January: its UTC day counts
    ("2024-01-02T00:30:00+01:00", 1, "days", "2024-01-02" + END),  # 23:30 UTC on 1 January, written as the 2nd
    ("2024-03-01T00:00:00.999999Z", 45, "days", "2024-04-15" + END),
    ("2024-03-01T15:00:00Z", 45, "days", "2024-04-15" + END),      # the hour of the trigger does not matter
    ("2024-06-01T10:00:00Z", 72, "hours", "2024-06-04T10:00:00+00:00"),
    ("2024-06-01T23:59:00Z", 2, "minutes", "2024-06-02T00:01:00+00:00"),
    ("2018-01-01T16:34:00Z", 10, "seconds", "2018-01-01T16:34:10+00:00"),     # a 10-second delivery schedule
    ("2024-06-01T23:59:55.5Z", 10, "seconds", "2024-06-02T00:00:05.500000+00:00"),  # across midnight, exact
    ("2024-06-01", 2, "weeks", "2024-06-15" + END),
])
def test_adding_durations(start: str, amount: int, unit: str, expected: str) -> None:
    assert plus(start, amount, unit) == expected


def test_a_rounded_month_end_keeps_the_other_reading() -> None:
    """Catala's ambiguity: 31 January + 1 month is 29 February rounded down, or 1 March rounded up."""
    rounded = add(at("2024-01-31"), Duration(1, "months"))
    assert rounded.rounded and rounded.alternative == at("2024-03-01T23:59:59.999999Z")
    exact = add(at("2024-01-15"), Duration(1, "months"))
    assert not exact.rounded and exact.alternative is None


def test_business_days_skip_weekends_and_the_calendars_holidays() -> None:
    # Friday 28 June 2024 + 10 US business days: 4 July is a holiday → Monday 15 July.
    assert plus("2024-06-28T10:00:00Z", 10, "business_days", "US") == "2024-07-15" + END
    # Without that holiday (France has none then) → Friday 12 July.
    assert plus("2024-06-28T10:00:00Z", 10, "business_days", "FR") == "2024-07-12" + END
    # Christmas and Boxing Day in England: Monday 23 Dec 2024 + 2 → Friday 27 Dec.
    assert plus("2024-12-23", 2, "business_days", "GB-ENG") == "2024-12-27" + END
    assert not is_business_day(dt.date(2024, 7, 4), "US")
    assert is_business_day(dt.date(2024, 7, 4), "FR")
    assert not is_business_day(dt.date(2024, 7, 6), None)  # Saturday


def test_counting_back_for_notice_before() -> None:
    assert plus("2024-03-01", -1, "months") == "2024-02-01" + END
    assert plus("2024-07-15", -10, "business_days", "US") == "2024-06-28" + END


@pytest.mark.parametrize(("every", "labels", "first_start", "last_end"), [
    ("quarter", ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"], dt.date(2024, 1, 1), dt.date(2025, 1, 1)),
    ("fiscal_year", ["FY2023/24", "FY2024/25"], dt.date(2023, 4, 1), dt.date(2025, 4, 1)),
    ("contract_year", ["contract year 1"], dt.date(2024, 2, 10), dt.date(2025, 2, 10)),
])
def test_periods(every: str, labels: list[str], first_start: dt.date, last_end: dt.date) -> None:
    fiscal = 4 if every == "fiscal_year" else 1
    found = periods(every, dt.date(2024, 2, 10), dt.date(2024, 12, 31), fiscal)
    assert [p.label for p in found] == labels
    assert found[0].start == first_start and found[-1].end == last_end


def test_contract_years_from_29_february_are_leap_safe() -> None:
    years = periods("contract_year", dt.date(2024, 2, 29), dt.date(2029, 1, 1))
    assert [(p.start, p.end) for p in years[:2]] == [
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28)), (dt.date(2025, 2, 28), dt.date(2026, 2, 28))]
    assert years[3].start == dt.date(2027, 2, 28) and years[4].start == dt.date(2028, 2, 29)
    # Every day belongs to exactly one contract year: no gap, no overlap.
    assert all(a.end == b.start for a, b in zip(years, years[1:], strict=False))


def test_a_contract_year_containing_29_february_keeps_its_last_day() -> None:
    """The false breach of the first build: a 365-day year from 1 March 2023 ended on 29 February
    2024 at 00:00, dropping an order placed that day. The contract year ends on 1 March 2024."""
    [year] = periods("contract_year", dt.date(2023, 3, 1), dt.date(2023, 3, 2))
    assert year.end == dt.date(2024, 3, 1)
    assert year.start <= dt.date(2024, 2, 29) < year.end


@pytest.mark.parametrize(("raw", "expected"), [
    ({"days": 30}, Duration(30, "days")),
    ({"business_day": 1}, Duration(1, "business_days")),
    ("10 business days", Duration(10, "business_days")),
    ("1 month", Duration(1, "months")),
    ("unlimited", Duration(1, "unlimited")),
])
def test_durations_as_written(raw: object, expected: Duration) -> None:
    assert parse_duration(raw) == expected


@pytest.mark.parametrize("raw", [{"fortnights": 2}, "30", {"days": -1}, {"days": 1.5}, {"days": 1, "hours": 2}, "a few days"])
def test_durations_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(raw)
