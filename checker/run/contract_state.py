"""The contract's state over event time: clauses ended, suspended and resumed, the contract terminated.

Powers and milestones change it (a verdict row's `effect`); the replay asks it whether a clause
is in force at an instant (new obligations arise only then) and whether an open obligation was
discharged by the contract's end. Surviving clauses (`survives:`) stay in force after the end,
for their survival period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..language.calendars import add, parse_duration
from ..models import Contract, Effect

FOREVER = 2**62


@dataclass
class ContractState:
    contract: Contract
    end_of_term: int
    ended: dict[str, int] = field(default_factory=dict)
    suspended: dict[str, list[list[int]]] = field(default_factory=dict)  # clause → [[from, until], ...]
    terminated: int | None = None
    terminated_by: str | None = None

    def survives_until(self, clause_id: str, end: int) -> int | None:
        """Until when a surviving clause stays in force after the contract ended at `end`."""
        clause = next(c for c in self.contract.clauses if c.id == clause_id)
        if clause.survives is None:
            return None
        if clause.survives == "always":
            return FOREVER
        return add(end, parse_duration(clause.survives)).at

    def end_of(self, clause_id: str) -> int | None:
        """When the contract's end (termination, or the term's) stopped this clause, if it did."""
        end = self.terminated if self.terminated is not None else None
        if end is None:
            return None
        survival = self.survives_until(clause_id, end)
        return end if survival is None else survival

    def in_force(self, clause_id: str, at: int) -> bool:
        if clause_id in self.ended and at >= self.ended[clause_id]:
            return False
        for start, until in self.suspended.get(clause_id, ()):
            if start <= at < until:
                return False
        end = self.end_of(clause_id)
        return end is None or at < end

    def apply(self, effect: Effect, targets: dict[str, list[str]], at: int, clause_id: str) -> None:
        for target in targets.get("end_clauses", ()):
            self.ended.setdefault(target, at)
        for target in targets.get("suspend_clauses", ()):
            spans = self.suspended.setdefault(target, [])
            if not spans or spans[-1][1] != FOREVER:
                spans.append([at, FOREVER])
        for target in targets.get("resume_clauses", ()):
            spans = self.suspended.get(target, [])
            if spans and spans[-1][1] == FOREVER:
                spans[-1][1] = at
        if effect.terminate_contract and self.terminated is None:
            self.terminated, self.terminated_by = at, clause_id
