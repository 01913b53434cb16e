"""Properties of every run (hypothesis, fixed seed and budget): order, determinism, as-of, accounting."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from checker.api import load
from checker.findings import CheckResult
from checker.read.events import EventLog, build_event
from checker.report import RenderOptions, render
from checker.run.replay import check
from tests.conftest import EXAMPLE_CONTRACT
from tests.oracle.generator import generate_log

CONTRACT, TEMPLATES = load(EXAMPLE_CONTRACT)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def run(log: list[dict[str, Any]], as_of: dt.datetime | None = None, cut: int | None = None) -> CheckResult:
    """Judge `log`; with `cut`, as two files read one after another (lines restart at 1)."""
    split = len(log) if cut is None else cut
    events = [
        build_event(dict(e), "a.jsonl" if i < split else "b.jsonl", i + 1 if i < split else i - split + 1, i)
        for i, e in enumerate(log)
    ]
    return check(CONTRACT, TEMPLATES, EventLog(events=events, sources=["a.jsonl", "b.jsonl"]), as_of)


def findings(result: CheckResult) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return sorted((f.id, f.verdict, f.reason, tuple(e.id for e in f.events)) for f in result.findings)


logs = st.builds(generate_log, st.integers(0, 10**6), st.integers(5, 40))


@seed(20261128)
@SETTINGS
@given(log=logs, data=st.data())
def test_any_permutation_gives_the_same_findings(log: list[dict[str, Any]], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(log))
    # Equal times keep file order, so a permutation may only reorder events of different times.
    key = {e["id"]: i for i, e in enumerate(log)}
    base = run(log)
    instants = {e.id: e.time for e in base.events}
    stable = sorted(shuffled, key=lambda e: (instants[e["id"]], key[e["id"]]))
    assert findings(run(stable)) == findings(base)


@seed(20261128)
@SETTINGS
@given(log=logs, data=st.data())
def test_any_permutation_gives_the_same_finding_ids(log: list[dict[str, Any]], data: st.DataObject) -> None:
    """Ids never depend on order; verdicts may only where equal-time events trade places."""
    shuffled = data.draw(st.permutations(log))
    assert sorted(f.id for f in run(shuffled).findings) == sorted(f.id for f in run(log).findings)


@seed(20261128)
@SETTINGS
@given(log=logs)
def test_same_input_gives_byte_identical_json(log: list[dict[str, Any]]) -> None:
    first = render("json", run(log), RenderOptions())
    second = render("json", run(log), RenderOptions())
    assert first == second


@seed(20261128)
@SETTINGS
@given(log=logs, days=st.integers(1, 400))
def test_moving_as_of_later_past_every_event_changes_only_pending(log: list[dict[str, Any]], days: int) -> None:
    """README guarantee: with no event between the two as-of times, only pending findings change."""
    early = run(log)
    later = run(log, early.as_of + dt.timedelta(days=days))
    after = {f.id: f for f in later.findings}
    for f in early.findings:
        assert f.id in after, f"{f.id} disappeared"
        if f.verdict != "pending":
            assert (after[f.id].verdict, after[f.id].reason) == (f.verdict, f.reason), f"{f.id} {f.reason}"


@seed(20261128)
@SETTINGS
@given(log=logs, data=st.data())
def test_moving_as_of_across_events_never_changes_a_settled_finding(log: list[dict[str, Any]], data: st.DataObject) -> None:
    """README guarantee: a settled finding (judged at its deadline by a final row) is the same at
    any later as-of, whatever events come between; every finding stays (ids are never lost)."""
    times = sorted({e.time for e in run(log).events})
    first = data.draw(st.sampled_from(times))
    later_times = [t for t in times if t > first] or [first + dt.timedelta(days=1)]
    second = data.draw(st.sampled_from(later_times)) + dt.timedelta(microseconds=data.draw(st.integers(0, 10**6)))
    early = run(log, first)
    later = {f.id: f for f in run(log, second).findings}
    for f in early.findings:
        assert f.id in later, f"{f.id} disappeared"
        if f.settled:
            assert later[f.id].settled
            assert (later[f.id].verdict, later[f.id].reason) == (f.verdict, f.reason), f"{f.id} {f.reason}"


@seed(20261128)
@SETTINGS
@given(log=logs)
def test_every_event_is_accounted_for_once_and_every_obligation_judged_once(log: list[dict[str, Any]]) -> None:
    result = run(log)
    cited = {e.id for f in result.findings for e in f.events}
    buckets = [
        {e.id for e in result.out_of_term},
        {e.id for e in result.after_as_of},
        {e.id for e in result.uncovered},
        cited,
    ]
    every = {e["id"] for e in log}
    assert set().union(*buckets) == every
    assert not buckets[0] & buckets[1] and not buckets[0] & cited and not buckets[2] & cited
    ids = [f.id for f in result.findings]
    assert len(ids) == len(set(ids))


@seed(20261128)
@SETTINGS
@given(log=logs, cut=st.floats(0, 1))
def test_splitting_a_log_into_two_files_changes_nothing(log: list[dict[str, Any]], cut: float) -> None:
    assert findings(run(log, cut=int(cut * len(log)))) == findings(run(log))
