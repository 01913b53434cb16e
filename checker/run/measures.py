"""A measure's `where` over a long evidence list, without testing every candidate.

An obligation that waits for years (a consent, a ratification) joins every fact of its key, so
a `first`/`last` measure tested on each candidate costs as much as the history. This module
gives the same answer with less work, when that is provably so:

- candidates are in time order, so a top-level `[time, <op>, bound]` condition keeps one
  contiguous slice of them (found by bisection);
- `first` stops at the first candidate that passes, `last` scans backwards and stops too;
- a top-level `[field, ==, value]` condition is tried on the event's field directly, before
  the whole `where` is evaluated.

Skipping candidates is exact only when testing them could not have raised an error (the full
scan would then have failed the check instead). `plain` decides that from the conditions' form:
equality and membership never raise; ordering compares only times; no function is called; no
money field is read (a foreign currency without a rate is an error). Anything else is tested
candidate by candidate as before.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Mapping
from typing import Any

from .. import values
from ..language.expressions import MISSING, Scope
from ..models import Event

Candidate = tuple[Event, Any]
# Tests turn this off to compare with the full scan (tests/test_engine_order.py).
FAST = True

ORDERING = frozenset(("<", "<=", ">", ">="))
# Names whose value is a time (microseconds) or missing, never another kind.
TIMES = frozenset(("time", "now", "as_of", "deadline", "deadline_alt"))
# Names bound to the candidate itself while a `where` is tested.
PER_CANDIDATE = frozenset(("time", "id", "item"))


def plain(where: list[Any], names: Collection[str], measured: Collection[str], params: Mapping[str, Any],
          money: Collection[str], obligation_has_time: bool) -> bool:
    """Whether testing `where` on any candidate is free of errors (see the module docstring).
    `names` are those bound when it is tested; `measured` the measures (one may shadow `now`)."""

    def field_ok(path: Any) -> bool:
        if not isinstance(path, str) or "{" in path:
            return False
        if path.startswith("$"):
            return True
        for part in path.split("."):
            while part.startswith("ref_"):  # ref_<field>: a field of the event named in `ref`
                part = part[4:]
            if part in money:
                return False
        return True

    def time_valued(path: Any) -> bool:
        if not isinstance(path, str):
            return False
        if path in TIMES:
            return path not in measured
        root, _, rest = path.partition(".")
        # `<measure>.time` is a candidate's time, or missing; the obligation's could be an attribute.
        return rest == "time" and root in names and not (root == "obligation" and obligation_has_time)

    def test_ok(cond: Any) -> bool:
        if isinstance(cond, dict):
            kind, target = next(iter(cond.items()))
            if kind in ("any", "all"):
                return isinstance(target, list) and all(test_ok(c) for c in target)
            if kind == "not":
                return test_ok(target)
            return kind in ("exists", "missing", "nonempty") and field_ok(target)
        if not isinstance(cond, list) or len(cond) != 3:
            return False
        lhs, op, rhs = cond
        if isinstance(rhs, dict) or not field_ok(lhs):
            return False
        if op in ("==", "!="):
            return not isinstance(rhs, str) or field_ok(rhs)
        if op in ("in", "not in"):
            if isinstance(rhs, str) and rhs.startswith("$"):
                return isinstance(params.get(rhs[1:]), (list, tuple))
            return isinstance(rhs, list)
        return op in ORDERING and time_valued(lhs) and time_valued(rhs)

    return all(test_ok(c) for c in where)


def narrowed(where: list[Any], candidates: list[Candidate], scope: Scope) -> tuple[int, int] | None:
    """The slice of time-ordered `candidates` the top-level time conditions of a plain `where`
    leave; None when a bound is missing (no candidate can pass)."""
    lo, hi = 0, len(candidates)

    def epoch(c: Candidate) -> int:
        return c[0].epoch

    for cond in where:
        if not (isinstance(cond, list) and cond[0] == "time" and cond[1] in (*ORDERING, "==")):
            continue
        rhs = cond[2]
        if isinstance(rhs, str) and rhs.partition(".")[0] in PER_CANDIDATE:
            continue  # a bound that moves with the candidate
        bound = scope.value(rhs)
        if bound is MISSING or bound is None:
            return None
        if not isinstance(bound, int) or isinstance(bound, bool):
            continue
        op = cond[1]
        if op in ("<=", "=="):
            hi = min(hi, bisect.bisect_right(candidates, bound, key=epoch))
        if op == "<":
            hi = min(hi, bisect.bisect_left(candidates, bound, key=epoch))
        if op in (">=", "=="):
            lo = max(lo, bisect.bisect_left(candidates, bound, key=epoch))
        if op == ">":
            lo = max(lo, bisect.bisect_right(candidates, bound, key=epoch))
    return lo, max(lo, hi)


def equalities(where: list[Any], names: Collection[str], scope: Scope) -> list[tuple[str, Any]] | None:
    """The top-level `[field, ==, value]` conditions of a plain `where` on a field of the
    candidate event, with their values (which do not depend on the candidate); None when a
    value is missing (no candidate can pass)."""
    found: list[tuple[str, Any]] = []
    for cond in where:
        if not (isinstance(cond, list) and cond[1] == "==" and isinstance(cond[0], str)):
            continue
        name, rhs = cond[0], cond[2]
        if "." in name or name.startswith("$") or name in names or name in PER_CANDIDATE:
            continue  # not a field of the candidate event
        if isinstance(rhs, str) and rhs.partition(".")[0] in PER_CANDIDATE:
            continue
        value = scope.value(rhs)
        if value is MISSING or value is None:
            return None
        found.append((name, value))
    return found


def pick(kind: str, where: list[Any], candidates: list[Candidate], scope: Scope, names: Collection[str],
         bind: Callable[[Candidate], None], field: Callable[[Event, str], Any]) -> Any:
    """`first`/`last` of a plain `where`: the candidate a full scan would choose, or MISSING.
    Any other kind: every candidate that passes, in order (a list). `field` reads a field of a
    candidate event as the `where` does; equalities on fields are tried before the whole test."""
    span = narrowed(where, candidates, scope)
    equal = equalities(where, names, scope) if span is not None else None
    if span is None or equal is None:
        return MISSING if kind in ("first", "last") else []
    lo, hi = span

    def passes(cand: Candidate) -> bool:
        for name, value in equal:
            actual = field(cand[0], name)
            if actual is MISSING or actual is None or not values.same(actual, value):
                return False
        bind(cand)
        return scope.all(where)

    if kind in ("first", "last"):
        for i in range(lo, hi) if kind == "first" else range(hi - 1, lo - 1, -1):
            if passes(candidates[i]):
                return candidates[i]
        return MISSING
    return [cand for cand in candidates[lo:hi] if passes(cand)]
