"""What an amendment changes: the terms (clause by clause) and the verdicts on one event log.

Terms are compared on the loaded contracts: the header, parties, definitions, and for each
clause id its fields and its parameters as the rule template receives them (a parameter that
uses a definition shows the definition's value). Verdicts are compared finding by finding on
two checks of the same event log at the same as-of time; a finding's id is stable for a clause,
a trigger and an instance, so the same obligation under both contracts has the same id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from .contracts import LoadedContract, resolve_parameters
from .findings import CheckResult, Finding, iso
from .models import VERDICT_ORDER
from .templates import LoadedTemplate

Change = Literal["added", "removed", "changed"]
CLAUSE_FIELDS = ("section", "title", "text", "template", "severity")


@dataclass(frozen=True)
class TermChange:
    change: Change
    what: Literal["contract", "party", "definition", "clause", "parameter"]
    name: str  # the field, party id, definition name or clause id
    old: Any = None
    new: Any = None
    clause: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"change": self.change, "what": self.what, "clause": self.clause, "name": self.name,
                "old": jsonable(self.old), "new": jsonable(self.new)}


@dataclass(frozen=True)
class VerdictChange:
    change: Literal["appeared", "disappeared", "changed"]
    old: Finding | None
    new: Finding | None

    @property
    def finding(self) -> Finding:
        found = self.new or self.old
        assert found is not None
        return found

    def introduces(self, levels: tuple[str, ...]) -> bool:
        """A finding at one of `levels` that the old contract did not have at any of them."""
        return self.new is not None and self.new.verdict in levels and (self.old is None or self.old.verdict not in levels)

    def to_json(self) -> dict[str, Any]:
        f = self.finding
        return {"change": self.change, "id": f.id, "clause": f.clause, "rule": f.rule,
                "old": None if self.old is None else _finding_json(self.old),
                "new": None if self.new is None else _finding_json(self.new)}


def _finding_json(f: Finding) -> dict[str, Any]:
    return {"verdict": f.verdict, "reason": f.reason, "message": f.message, "events": [e.id for e in f.events],
            "time": iso(f.time), "due": iso(f.due)}


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


# --- terms ------------------------------------------------------------------------------------


def _parameters(loaded: LoadedContract, templates: dict[str, LoadedTemplate]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for index, clause in enumerate(loaded.contract.clauses):
        resolved = resolve_parameters(loaded, index, clause, templates[clause.template])
        values[clause.id] = {k: v for k, v in resolved.items() if k != "clause"}
    return values


def diff_terms(old: LoadedContract | None, new: LoadedContract, templates: dict[str, LoadedTemplate]) -> list[TermChange]:
    """Clause-level changes from `old` to `new` (every clause is added when there is no old contract)."""
    n = new.contract
    if old is None:
        return [TermChange("added", "clause", c.id, None, c.template, c.id) for c in n.clauses]
    o = old.contract
    changes: list[TermChange] = []
    for name in ("id", "title", "effective", "expires"):
        if getattr(o, name) != getattr(n, name):
            changes.append(TermChange("changed", "contract", name, getattr(o, name), getattr(n, name)))
    old_parties = {p.id: p for p in o.parties}
    new_parties = {p.id: p for p in n.parties}
    for pid in old_parties.keys() - new_parties.keys():
        changes.append(TermChange("removed", "party", pid, old_parties[pid].name, None))
    for pid, party in new_parties.items():
        if pid not in old_parties:
            changes.append(TermChange("added", "party", pid, None, party.name))
        elif old_parties[pid] != party:
            changes.append(TermChange("changed", "party", pid, old_parties[pid].model_dump(), party.model_dump()))
    for name, definition in o.definitions.items():
        if name not in n.definitions:
            changes.append(TermChange("removed", "definition", name, definition.value, None))
    for name, definition in n.definitions.items():
        before = o.definitions.get(name)
        if before is None:
            changes.append(TermChange("added", "definition", name, None, definition.value))
        elif before.value != definition.value or before.unit != definition.unit:
            changes.append(TermChange("changed", "definition", name, before.value, definition.value))
    old_clauses = {c.id: c for c in o.clauses}
    new_clauses = {c.id: c for c in n.clauses}
    old_params = _parameters(old, templates)
    new_params = _parameters(new, templates)
    for clause in o.clauses:
        if clause.id not in new_clauses:
            changes.append(TermChange("removed", "clause", clause.id, clause.template, None, clause.id))
    for clause in n.clauses:
        before_clause = old_clauses.get(clause.id)
        if before_clause is None:
            changes.append(TermChange("added", "clause", clause.id, None, clause.template, clause.id))
            continue
        for field in CLAUSE_FIELDS:
            was, now = getattr(before_clause, field), getattr(clause, field)
            if was != now:
                changes.append(TermChange("changed", "clause", field, was, now, clause.id))
        was_params, now_params = old_params[clause.id], new_params[clause.id]
        for name in sorted(was_params.keys() | now_params.keys()):
            if name not in now_params:
                changes.append(TermChange("removed", "parameter", name, was_params[name], None, clause.id))
            elif name not in was_params:
                changes.append(TermChange("added", "parameter", name, None, now_params[name], clause.id))
            elif was_params[name] != now_params[name]:
                changes.append(TermChange("changed", "parameter", name, was_params[name], now_params[name], clause.id))
    return changes


# --- verdicts ---------------------------------------------------------------------------------


def diff_verdicts(old: CheckResult | None, new: CheckResult) -> tuple[list[VerdictChange], int]:
    """Findings that appear, disappear or change verdict or reason; and how many stayed the same."""
    before = {f.id: f for f in old.findings} if old is not None else {}
    after = {f.id: f for f in new.findings}
    changes: list[VerdictChange] = []
    unchanged = 0
    for fid, finding in after.items():
        was = before.get(fid)
        if was is None:
            changes.append(VerdictChange("appeared", None, finding))
        elif (was.verdict, was.reason) != (finding.verdict, finding.reason):
            changes.append(VerdictChange("changed", was, finding))
        else:
            unchanged += 1
    changes.extend(VerdictChange("disappeared", f, None) for fid, f in before.items() if fid not in after)
    changes.sort(key=lambda c: (c.finding.time, c.finding.clause, c.finding.id))
    return changes, unchanged


@dataclass(frozen=True)
class ContractDiff:
    old_label: str
    new_label: str
    old: CheckResult | None
    new: CheckResult
    terms: list[TermChange]
    verdicts: list[VerdictChange]
    unchanged: int

    def introduces(self, levels: tuple[str, ...]) -> list[VerdictChange]:
        """Verdict changes that bring a finding at one of `levels` the old terms did not have."""
        return [c for c in self.verdicts if c.introduces(levels)]

    def term_events(self) -> dict[str, list[str]]:
        before = {e.id for e in self.old.out_of_term} if self.old is not None else set()
        after = {e.id for e in self.new.out_of_term}
        return {"now_out_of_term": sorted(after - before), "now_in_term": sorted(before - after)}

    def summary(self) -> dict[str, Any]:
        counts = {kind: sum(1 for c in self.verdicts if c.change == kind) for kind in ("appeared", "disappeared", "changed")}
        old_summary = self.old.summary() if self.old is not None else {v: 0 for v in VERDICT_ORDER}
        return {**counts, "unchanged": self.unchanged, "old": old_summary, "new": self.new.summary()}

    def to_json(self) -> dict[str, Any]:
        return {
            "old": None if self.old is None else {"id": self.old.contract_id, "file": self.old_label},
            "new": {"id": self.new.contract_id, "file": self.new_label},
            "events": self.new.event_sources,
            "as_of": iso(self.new.as_of),
            "summary": self.summary(),
            "terms": [t.to_json() for t in self.terms],
            "verdicts": [v.to_json() for v in self.verdicts],
            **self.term_events(),
        }


def diff_contracts(
    old: LoadedContract | None, new: LoadedContract, templates: dict[str, LoadedTemplate],
    old_result: CheckResult | None, new_result: CheckResult, old_label: str, new_label: str,
) -> ContractDiff:
    verdicts, unchanged = diff_verdicts(old_result, new_result)
    return ContractDiff(old_label, new_label, old_result, new_result, diff_terms(old, new, templates), verdicts, unchanged)
