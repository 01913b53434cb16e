"""Findings and the result of one check: what every output format renders."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from .models import VERDICT_ORDER, Event


def finding_id(clause: str, trigger: str, instance: str, obligation: int = 0) -> str:
    """Stable across runs and input order; `obligation` tells apart two duties one event sets off
    in one clause (the first duty of a template keeps the plain form, so its ids never changed)."""
    parts = (clause, trigger, instance) if obligation == 0 else (clause, trigger, instance, f"#{obligation}")
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


# --fail-on of `check` and `diff`: the verdicts that fail the gate at each level.
FAIL_LEVELS: dict[str, tuple[str, ...]] = {
    "breach": ("breach",),
    "grey": ("breach", "grey"),
    "pending": ("breach", "grey", "pending"),
    "never": (),
}

@dataclass
class Finding:
    id: str
    clause: str
    rule: str
    verdict: str
    reason: str
    severity: str
    message: str
    events: list[Event]
    time: dt.datetime
    due: dt.datetime | None
    instance: str = ""
    obligation: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    waiver: dict[str, Any] | None = None
    row: int = 0  # index of the verdict row that gave the verdict (for coverage)
    # Judged at its deadline by a final row: no later event and no later --as-of can change it.
    settled: bool = False
    doc: str = ""  # what the reason code means (the template row's doc), for report legends

    def sort_key(self, clause_order: dict[str, int]) -> tuple[Any, ...]:
        return (clause_order[self.clause], self.time, self.events[0].id, self.instance, self.obligation)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "clause": self.clause,
            "rule": self.rule,
            "verdict": self.verdict,
            "reason": self.reason,
            "severity": self.severity,
            "message": self.message,
            "events": [e.id for e in self.events],
            "time": iso(self.time),
            "due": iso(self.due),
            "settled": self.settled,
            **({"waiver": self.waiver} if self.waiver is not None else {}),
        }


@dataclass(frozen=True)
class ClauseInfo:
    """What a report shows of a clause: where it is written and what it says."""

    id: str
    section: str
    title: str
    text: str
    template: str
    severity: str
    parameters: dict[str, Any]
    assumptions: dict[str, str]
    line: int


@dataclass
class CheckResult:
    contract_id: str
    contract_file: str
    event_sources: list[str]
    as_of: dt.datetime
    findings: list[Finding]
    uncovered: list[Event]
    out_of_term: list[Event]
    after_as_of: list[Event]
    skipped: list[dict[str, Any]] = field(default_factory=list)
    unexercised_clauses: list[str] = field(default_factory=list)
    clauses: list[ClauseInfo] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    contract_title: str = ""
    effective: dt.date | None = None
    expires: dt.date | None = None
    expired_waivers: list[dict[str, Any]] = field(default_factory=list)
    stale_waivers: list[dict[str, Any]] = field(default_factory=list)
    ambiguous_waivers: list[dict[str, Any]] = field(default_factory=list)

    def failing(self, verdicts: tuple[str, ...]) -> list[Finding]:
        """Findings at or above the fail-on level that no waiver covers."""
        return [f for f in self.findings if f.verdict in verdicts and f.waiver is None]

    def summary(self) -> dict[str, int]:
        counts = {v: 0 for v in VERDICT_ORDER}
        for f in self.findings:
            counts[f.verdict] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "schema": "contract-check/findings/1",
            "contract": {"id": self.contract_id, "file": self.contract_file},
            "as_of": iso(self.as_of),
            "summary": self.summary(),
            "findings": [f.to_json() for f in self.findings],
            "uncovered_events": [e.id for e in self.uncovered],
            "out_of_term_events": [e.id for e in self.out_of_term],
            "after_as_of_events": [e.id for e in self.after_as_of],
            "unexercised_clauses": list(self.unexercised_clauses),
        }
        if self.skipped:
            doc["skipped_lines"] = self.skipped
        if self.expired_waivers:
            doc["expired_waivers"] = self.expired_waivers
        if self.stale_waivers:
            doc["stale_waivers"] = self.stale_waivers
        if self.ambiguous_waivers:
            doc["ambiguous_waivers"] = self.ambiguous_waivers
        return doc
