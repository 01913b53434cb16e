"""How late or early an act reads in a message: in days as counsel counts them when the deadline
is counted in days (it ends at the last microsecond of its day), exactly when it is in hours."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.moments import DAY, micros
from checker.run.verdicts import earliness_text, lateness_text


def at(text: str) -> int:
    return micros(dt.datetime.fromisoformat(text))


END_OF_31_MARCH = at("2025-04-01T00:00:00+00:00") - 1


@pytest.mark.parametrize(("done", "expected"), [
    ("2025-04-15T00:00:00+00:00", "15 days"),   # due 31 March, done 15 April: 15 days late
    ("2025-04-15T18:30:00+00:00", "15 days"),   # the hour of the day does not count
    ("2025-04-01T00:00:00+00:00", "1 day"),     # the next day, at midnight
])
def test_late_against_a_deadline_in_days(done: str, expected: str) -> None:
    assert lateness_text(at(done), END_OF_31_MARCH) == expected


def test_late_against_a_deadline_in_hours_is_exact() -> None:
    deadline = at("2025-03-13T08:00:00+00:00")  # 72 hours after an incident at 08:00
    assert lateness_text(at("2025-03-14T09:30:00+00:00"), deadline) == "1 day, 1 hour and 30 minutes"


@pytest.mark.parametrize(("done", "expected"), [
    ("2025-03-29T10:00:00+00:00", "2 days"),
    ("2025-03-31T23:00:00+00:00", "0 days"),
])
def test_early_against_a_deadline_in_days(done: str, expected: str) -> None:
    assert earliness_text(at(done), END_OF_31_MARCH) == expected
    assert (END_OF_31_MARCH + 1) % DAY == 0
