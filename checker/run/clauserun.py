"""One clause's engine session during a replay: its open obligations and the evidence it holds.

Evidence enters the engine only while its correlation key can join something. A fact is joined
to an obligation only on an equal key (`k`), so while no obligation of that key is in the
engine the fact could only sit there, at about 9 KB of engine memory each, never returned. It
waits in a Python list instead, and is asserted — all the facts of its key, in their original
order — just before the first obligation of its key enters; when the last one leaves, they
leave too and wait again. The engine yields the joins of a newly asserted obligation in reverse
order of the facts' assertion and of a newly asserted fact in order of the obligations', so
every obligation sees the same joins in the same order as if every fact had stayed in the
engine (tests/test_engine_order.py checks both the engine's order and the outcome). Broadcast
facts (joined on no key) are never held back.

An obligation judged open until the as-of time (overdue, ratified late) leaves the engine too
(`park`), and joins its key's facts again at that time (`unpark`). So the engine holds the
obligations open inside their deadline windows and the facts of their keys, not the history.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..errors import InternalError
from ..language.compiler import CompiledClause, FactRole
from ..models import Event
from .engine import EngineSession
from .verdicts import Obligation

PARTITIONS = 64
# Both shortcuts below change no verdict; tests turn them off to compare (tests/test_engine_order.py).
GATED = True  # evidence waits outside the engine while its key has no obligation there
PARKING = True  # obligations judged open until the as-of time wait outside the engine

Fact = dict[str, Any]


class EvidenceStore:
    """Evidence facts by key code: in the engine while the key has an obligation there, else waiting."""

    def __init__(self, engine: EngineSession, assert_fact: Callable[[int, Fact], Fact]) -> None:
        self.engine = engine
        self.assert_fact = assert_fact
        self.users: dict[int, int] = {}  # key code → obligations of that key in the engine
        # Key code → facts (by id(), in assertion order): in the engine, or waiting outside it.
        self.held: dict[int, dict[int, Fact]] = {}
        self.waiting: dict[int, dict[int, Fact]] = {}

    def add(self, code: int, fact: Fact) -> Fact:
        if self.users.get(code) or not GATED:
            fact = self.assert_fact(code % PARTITIONS, fact)
            self.held.setdefault(code, {})[id(fact)] = fact
        else:
            self.waiting.setdefault(code, {})[id(fact)] = fact
        return fact

    def remove(self, code: int, fact: Fact) -> None:
        """Drop a fact for good (bound to a closed trigger, or no longer the latest); a fact both
        bound and kept latest may be dropped twice."""
        held = self.held.get(code)
        if held is not None and held.pop(id(fact), None) is not None:
            self.engine.retract_fact(fact)
            if not held:
                del self.held[code]
            return
        waiting = self.waiting.get(code)
        if waiting is not None and waiting.pop(id(fact), None) is not None and not waiting:
            del self.waiting[code]

    def enter(self, code: int) -> None:
        """An obligation of key `code` is about to enter the engine: its key's facts go first."""
        count = self.users.get(code, 0)
        self.users[code] = count + 1
        if count:
            return
        waiting = self.waiting.pop(code, None)
        if waiting:
            held = self.held.setdefault(code, {})
            for fact in waiting.values():
                held[id(fact)] = self.assert_fact(code % PARTITIONS, fact)

    def leave(self, code: int) -> None:
        """An obligation of key `code` left the engine; the last one takes its key's facts along."""
        count = self.users[code] - 1
        if count:
            self.users[code] = count
            return
        del self.users[code]
        if not GATED:
            return
        held = self.held.pop(code, None)
        if held:
            for fact in held.values():
                self.engine.retract_fact(fact)
            # While the key had users every new fact went into the engine: none waits meanwhile.
            self.waiting[code] = held


class ClauseRun:
    """One clause's engine session and its open obligations."""

    def __init__(self, compiled: CompiledClause, by_seq: list[Event], items: list[Any]) -> None:
        self.compiled = compiled
        self.by_seq = by_seq
        self.items = items
        self.engine = EngineSession(compiled.ruleset, self.on_action, PARTITIONS)
        self.open: dict[int, Obligation] = {}
        self.judges: list[tuple[int, int]] = []
        self.ledger: dict[str, Decimal] = {}
        # Broadcast facts reach every partition in use, and each partition when it first opens.
        self.broadcast: list[Fact] = []
        self.in_use: set[int] = set()
        self.evidence = EvidenceStore(self.engine, self.assert_fact)
        # Evidence bound to one trigger is dropped once that trigger's obligations all close.
        self.live: dict[int, int] = {}
        self.bound: dict[int, list[tuple[int, Fact]]] = {}
        # For roles kept `latest`, per correlation key: the facts of the latest instant, and of the
        # instant before it (an obligation opened at the latest instant may need the latest fact
        # strictly before it; older facts can never be the last one before any later obligation).
        self.latest: dict[tuple[int, int], tuple[int, list[Fact], list[Fact]]] = {}
        self.has_effects = has_effects(compiled)
        # Roles whose facts may join many obligations (not bound to one trigger), and their pairs.
        self.shared = {name for name, role in compiled.roles.items() if role.is_evidence and role.bound_to is None}
        self.pairs: dict[tuple[int, int | None], tuple[Event, Any]] = {}

    def on_action(self, rule: str, bindings: dict[str, Any]) -> None:
        """An evidence fact joined an open obligation (the engine's only rules are these joins)."""
        what = rule.partition("|")[2]
        number = bindings["o"]["n"]
        ob = self.open.get(number)
        if ob is None:
            raise InternalError(f"engine fired {rule} for obligation {number}, which is not open")
        fact = bindings["x"]
        seq = fact["e"]
        if what in self.shared:
            # A fact joins every obligation of its key that waits (a consent, for years): one
            # (event, item) pair for all of them, not one per join.
            key = (seq, fact.get("m"))
            pair = self.pairs.get(key)
            if pair is None:
                pair = self.pairs[key] = (self.by_seq[seq], self.items[fact["m"]] if "m" in fact else None)
        else:
            pair = (self.by_seq[seq], self.items[fact["m"]] if "m" in fact else None)
        ob.evidence.setdefault(what, []).append(pair)

    def schedule(self, when: int, number: int, wakeups: list[tuple[int, int]]) -> None:
        heapq.heappush(self.judges, (when, number))
        heapq.heappush(wakeups, (when, self.compiled.index))

    def assert_fact(self, partition: int, fact: Fact) -> Fact:
        if partition not in self.in_use:
            self.in_use.add(partition)
            for shared in self.broadcast:
                self.engine.assert_fact(partition, dict(shared))
        return self.engine.assert_fact(partition, fact)

    def enter(self, ob: Obligation) -> None:
        """An obligation that joins evidence enters the engine, after its key's evidence."""
        code = ob.fact["k"]
        self.evidence.enter(code)
        ob.fact = self.assert_fact(ob.partition, ob.fact)

    def leave(self, ob: Obligation) -> None:
        self.engine.retract_fact(ob.fact)
        self.evidence.leave(ob.fact["k"])

    def park(self, ob: Obligation) -> None:
        """An obligation judged open until the as-of time waits outside the engine (so do its
        key's facts, if no other obligation of that key is in the engine)."""
        if not (PARKING and ob.compiled.parkable):
            return
        self.leave(ob)
        ob.parked = True

    def unpark(self, ob: Obligation) -> None:
        """Back into the engine for its judgment at the as-of time: it joins its key's facts
        again, and keeps those it had not joined yet, in the order it would have joined them.

        It joins every fact present; those it had joined before come again and are dropped.
        The others arrived while it was parked: it would have joined each as it arrived, in
        order of assertion, and the engine gives them in the reverse order (checked in
        tests/test_engine_order.py), so they are reversed. No fact it would have joined can
        be gone meanwhile: a parked obligation's trigger is still open, so the facts bound to
        it stay, and it joins no role that keeps only the latest facts (`parkable`).
        """
        before = {role: len(cands) for role, cands in ob.evidence.items()}
        self.enter(ob)
        self.engine.drain()
        ob.parked = False
        for role, cands in ob.evidence.items():
            start = before.get(role, 0)
            if start == len(cands):
                continue
            seen = {(event.seq, id(item)) for event, item in cands[:start]}
            fresh = [c for c in cands[start:] if (c[0].seq, id(c[1])) not in seen]
            fresh.reverse()
            cands[start:] = fresh

    def close_trigger(self, trigger: int) -> None:
        """One obligation of `trigger` closed; with the last one, the evidence bound to it goes."""
        self.live[trigger] -= 1
        if not self.live[trigger]:
            del self.live[trigger]
            for code, fact in self.bound.pop(trigger, ()):
                self.evidence.remove(code, fact)

    def assert_evidence(self, role: FactRole, fact: Fact, code: int, target: int | None) -> None:
        """One evidence fact of key `code`; remembered when bound to a trigger or kept latest."""
        stored = self.evidence.add(code, fact)
        if target is not None:
            self.bound.setdefault(target, []).append((code, stored))
        if role.spec.keep == "latest":
            instant = stored["t"]
            kept = self.latest.get((role.code, code))
            if kept is None:
                self.latest[(role.code, code)] = (instant, [stored], [])
            elif kept[0] == instant:
                kept[1].append(stored)
            else:
                for older in kept[2]:
                    self.evidence.remove(code, older)
                self.latest[(role.code, code)] = (instant, [stored], kept[1])

    def assert_broadcast(self, fact: Fact) -> None:
        self.broadcast.append(fact)
        for partition in sorted(self.in_use):
            self.engine.assert_fact(partition, dict(fact))


def has_effects(compiled: CompiledClause) -> bool:
    return any(row.effect for ob in compiled.template.obligations for row in ob.verdicts)
