"""What an amendment changes: the terms (clause by clause) and the verdicts on one event log.

Terms are compared on the loaded contracts: the header, parties, definitions, and for each
clause id its fields and its parameters as the rule template receives them (a parameter that
uses a definition shows the definition's value); a changed text also comes as a word diff.

Verdicts are compared finding by finding on two checks of the same event log at the same as-of
time; a finding's id is stable for a clause, a trigger and an instance, so the same obligation
under both contracts has the same id. Each side is judged under the terms that govern each
obligation (`judge_terms`): a proposal with an `effective` date governs the obligations set off
on or after that date, and the contract it amends keeps those set off before it (unless the
proposal is retroactive). So a later amendment never reads as curing a past breach.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from ..errors import CheckError, InternalError
from ..findings import CheckResult, Finding, iso
from ..language.compiler import resolve_param
from ..language.contracts import LoadedContract, resolve_parameters
from ..language.proposals import Document
from ..language.templates import LoadedTemplate
from ..models import VERDICT_ORDER, Clause, Event
from ..moments import micros, micros_of_date
from ..read.events import EventLog
from ..run.verdicts import Judgment, Obligation

Change = Literal["added", "removed", "changed"]
# Every field of a clause but its id and its parameters (compared one by one, as the template receives them).
CLAUSE_FIELDS = tuple(name for name in Clause.model_fields if name not in ("id", "parameters"))
WordOp = Literal["equal", "delete", "insert"]


def word_diff(old: str, new: str) -> list[tuple[WordOp, str]]:
    """`old` → `new` word by word (whitespace-separated tokens, compared by difflib): runs of
    words kept, deleted and inserted, in reading order (a replaced run is its deletion, then
    its insertion). Joined with single spaces, the kept and deleted runs give `old` and the kept
    and inserted runs give `new`, up to spacing."""
    a, b = old.split(), new.split()
    runs: list[tuple[WordOp, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            runs.append(("equal", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("insert", " ".join(b[j1:j2])))
    return runs


@dataclass(frozen=True)
class TermChange:
    change: Change
    what: Literal["contract", "party", "definition", "clause", "parameter", "amendment"]
    name: str  # the field, party id, definition name or clause id
    old: Any = None
    new: Any = None
    clause: str | None = None

    @property
    def words(self) -> list[tuple[WordOp, str]] | None:
        """A word diff for a changed field written as text (a clause's fields, the contract's title)."""
        if (self.change == "changed" and (self.what == "clause" or (self.what, self.name) == ("contract", "title"))
                and isinstance(self.old, str) and isinstance(self.new, str)):
            return word_diff(self.old, self.new)
        return None

    def to_json(self) -> dict[str, Any]:
        doc = {"change": self.change, "what": self.what, "clause": self.clause, "name": self.name,
               "old": jsonable(self.old), "new": jsonable(self.new)}
        words = self.words
        if words is not None:
            doc["words"] = [{"op": op, "text": text} for op, text in words]
        return doc


Period = Literal["before", "after"]


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

    def to_json(self, period: Period | None = None) -> dict[str, Any]:
        f = self.finding
        return {"change": self.change, "id": f.id, "clause": f.clause, "rule": f.rule, "period": period,
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


def _parameters(loaded: LoadedContract, templates: Mapping[str, LoadedTemplate]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for index, clause in enumerate(loaded.contract.clauses):
        resolved = resolve_parameters(loaded, index, clause, templates[clause.template])
        values[clause.id] = {k: v for k, v in resolved.items() if k != "clause"}
    return values


def diff_terms(old: LoadedContract | None, new: LoadedContract, templates: Mapping[str, LoadedTemplate]) -> list[TermChange]:
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
        for name in CLAUSE_FIELDS:
            was, now = getattr(before_clause, name), getattr(clause, name)
            if was != now:
                changes.append(TermChange("changed", "clause", name, was, now, clause.id))
        was_params, now_params = old_params[clause.id], new_params[clause.id]
        for name in sorted(was_params.keys() | now_params.keys()):
            if name not in now_params:
                changes.append(TermChange("removed", "parameter", name, was_params[name], None, clause.id))
            elif name not in was_params:
                changes.append(TermChange("added", "parameter", name, None, now_params[name], clause.id))
            elif was_params[name] != now_params[name]:
                changes.append(TermChange("changed", "parameter", name, was_params[name], now_params[name], clause.id))
    return changes


# --- which terms govern which obligation ------------------------------------------------------


@dataclass(frozen=True)
class Amendment:
    """When a proposal's terms apply. `effective` None: the proposal states no date."""

    effective: dt.date | None
    retroactive: bool = False
    reason: str = ""
    before: LoadedContract | None = None  # the contract it amends: the terms before `effective`
    before_label: str | None = None

    @property
    def boundary(self) -> dt.date | None:
        """The date before which the old terms keep governing; None when the new terms judge every event."""
        return self.effective if self.effective is not None and not self.retroactive and self.before is not None else None

    def to_json(self) -> dict[str, Any]:
        return {"effective": jsonable(self.effective), "retroactive": self.retroactive,
                "retroactive_reason": self.reason or None, "old_terms": self.before_label}


@dataclass(frozen=True)
class Terms:
    """One side of a diff: a contract, or a proposal (the amended contract, and when it applies)."""

    label: str
    contract: LoadedContract
    amendment: Amendment | None = None


def terms_of(doc: Document) -> Terms:
    if doc.kind != "proposal":
        return Terms(doc.path, doc.loaded)
    amendment = Amendment(doc.effective, doc.retroactive, doc.retroactive_reason, doc.base_contract, doc.base)
    return Terms(doc.path, doc.loaded, amendment)


@dataclass(frozen=True)
class Judged:
    """The findings of one side under the terms that govern each obligation."""

    terms: Terms
    result: CheckResult
    # With a boundary: the amended contract on every event, to say what its terms would have
    # judged otherwise before the boundary (where they do not govern).
    new_terms: CheckResult | None = None


class _Trace:
    """What a replay's judgments show beyond the findings: each obligation (its amount due) and
    each verdict that acts on other clauses."""

    def __init__(self) -> None:
        self.obligations: dict[int, Obligation] = {}
        self.effects: list[tuple[str, str, int, str, int]] = []

    def __call__(self, judgment: Judgment) -> None:
        ob = judgment.obligation
        self.obligations[ob.number] = ob
        effect = judgment.row.effect
        if judgment.finding is not None and effect is not None:
            acts = []
            for name, value in effect.model_dump(exclude_defaults=True).items():
                value = resolve_param(value, ob.clause.params)
                shown = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
                acts.append(f"{name.replace('_', ' ')}: {shown}")
            self.effects.append((ob.clause.clause.id, ob.trigger.id, micros(ob.trigger.time), "; ".join(acts), judgment.now))


def judge_terms(
    terms: Terms, templates: Mapping[str, LoadedTemplate], log: EventLog, as_of: dt.datetime | None
) -> Judged:
    """Check `log` under `terms`: an obligation set off before the amendment's effective date is
    judged under the contract it amends, one set off on or after it under the amended contract.

    Both contracts are replayed over the whole log and each finding is taken from the run whose
    terms govern its trigger (`compose`). What one obligation's judgment passes to later ones
    (the running total under a cumulative cap, a verdict that ends other clauses) is checked to
    be the same across the date under both runs; when it is not, the answer would depend on
    carrying the old terms' state into the new terms' replay, which is not done: a CheckError.
    """
    from ..run.replay import check  # the rules engine loads only when a diff runs

    boundary = terms.amendment.boundary if terms.amendment is not None else None
    if terms.amendment is None or terms.amendment.before is None or boundary is None:
        return Judged(terms, check(terms.contract, templates, log, as_of))
    old_trace, new_trace = _Trace(), _Trace()
    old = check(terms.amendment.before, templates, log, as_of, trace=old_trace)
    new = check(terms.contract, templates, log, as_of, trace=new_trace)
    start = micros_of_date(boundary)
    composed = compose(old, new, start)
    if any(micros(f.time) >= start for f in [*old.findings, *new.findings]):
        _same_effects(old_trace, new_trace, start, boundary)
        _same_running_totals(old_trace, new_trace, start, boundary)
    return Judged(terms, composed, new)


def compose(old: CheckResult, new: CheckResult, start: int) -> CheckResult:
    """The findings of `old` set off before `start` (µs) and those of `new` set off from it on.

    Every event of the log is accounted for exactly once, as each run accounts for it: after the
    as-of time (the same in both runs), else under the contract that governs its time (`old`
    before `start`): outside its term, or in it and then cited by a finding kept or uncovered.
    """
    if {e.seq for e in old.after_as_of} != {e.seq for e in new.after_as_of} or len(old.events) != len(new.events):
        raise InternalError("the two runs of one log disagree on its events")
    findings = [f for f in old.findings if micros(f.time) < start] + [f for f in new.findings if micros(f.time) >= start]
    order = {c.id: i for i, c in enumerate(new.clauses)}
    for c in old.clauses:
        order.setdefault(c.id, len(order))
    findings.sort(key=lambda f: f.sort_key(order))
    ids = [f.id for f in findings]
    if len(set(ids)) != len(ids):
        raise InternalError("two findings share an id across the amendment's effective date")
    cited = {e.seq for f in findings for e in f.events}
    after = {e.seq for e in new.after_as_of}
    out_old = {e.seq for e in old.out_of_term}
    out_new = {e.seq for e in new.out_of_term}
    out_of_term: list[Event] = []
    in_scope: list[Event] = []
    for event in new.events:
        if event.seq in after:
            continue
        (out_of_term if event.seq in (out_old if event.epoch < start else out_new) else in_scope).append(event)
    if cited & after:  # a finding kept cites an event neither run judged
        raise InternalError("event accounting does not balance across the amendment's effective date")
    uncovered = sorted((e for e in in_scope if e.seq not in cited), key=lambda e: (e.time, e.id))
    out_of_term.sort(key=lambda e: (e.time, e.id))
    exercised = {f.clause for f in findings}
    kept_ids = {c.id for c in new.clauses}
    clauses = [*new.clauses, *(c for c in old.clauses if c.id not in kept_ids)]
    return CheckResult(
        contract_id=new.contract_id, contract_file=new.contract_file, event_sources=new.event_sources,
        as_of=new.as_of, findings=findings, uncovered=uncovered, out_of_term=out_of_term,
        after_as_of=list(new.after_as_of), skipped=new.skipped,
        unexercised_clauses=[c.id for c in clauses if c.id not in exercised], clauses=clauses,
        events=new.events, contract_title=new.contract_title, effective=new.effective, expires=new.expires,
    )


def _same_effects(old: _Trace, new: _Trace, start: int, boundary: dt.date) -> None:
    """Verdicts on obligations set off before the date that act on other clauses act the same way in both runs."""
    before_old = {(c, t, a, n) for c, t, at, a, n in old.effects if at < start}
    before_new = {(c, t, a, n) for c, t, at, a, n in new.effects if at < start}
    if before_old == before_new:
        return
    first = min(before_old ^ before_new)
    clause, trigger, acts, _ = first
    side, other = ("the old terms", "the new terms") if first in before_old else ("the new terms", "the old terms")
    raise CheckError(
        f"clause {clause!r}: its verdict on event {trigger!r}, set off before the amendment takes effect on "
        f"{boundary}, acts on other clauses ({acts}) under {side} but not in the same way under {other}. "
        "The old terms govern that verdict and so what it does after the date; diff judges each contract on "
        "the whole log and does not carry such an effect from one to the other, so it gives no verdicts here "
        "(date the amendment before that event, or make it retroactive, to compare)")


def _same_running_totals(old: _Trace, new: _Trace, start: int, boundary: dt.date) -> None:
    """A cumulative cap counts the amounts due before the date under the terms that governed them.

    The amended contract's replay counts them under its own terms. Its amounts due after the
    date are right when both counts agree, or when the cap is reached after the date under
    neither count; otherwise they are not, and the diff says so instead of guessing.
    """
    def totals(trace: _Trace) -> dict[tuple[str, str], Decimal]:
        due: dict[tuple[str, str], Decimal] = {}
        for ob in trace.obligations.values():
            if ob.compiled.spec.amount_due is not None and ob.due is not None and micros(ob.trigger.time) < start:
                key = (ob.clause.clause.id, ob.compiled.spec.name)
                due[key] = due.get(key, Decimal(0)) + ob.due
        return due

    counted_old, counted_new = totals(old), totals(new)
    later: dict[tuple[str, str], list[Obligation]] = {}
    for ob in new.obligations.values():
        spec = ob.compiled.spec.amount_due
        if spec is not None and spec.cumulative_cap is not None and micros(ob.trigger.time) >= start:
            later.setdefault((ob.clause.clause.id, ob.compiled.spec.name), []).append(ob)
    for key, obligations in sorted(later.items()):
        was, now = counted_old.get(key, Decimal(0)), counted_new.get(key, Decimal(0))
        spec = obligations[0].compiled.spec.amount_due
        assert spec is not None
        cap = resolve_param(spec.cumulative_cap, obligations[0].clause.params)
        if cap is None:  # an optional cap the clause leaves unset
            continue
        cap = Decimal(cap)
        after = sum((ob.due or Decimal(0) for ob in obligations), Decimal(0))
        if was == now or max(was, now) + after < cap:
            continue
        raise CheckError(
            f"clause {key[0]!r}: its cumulative cap of {_amount(cap)} runs across the amendment's effective date "
            f"{boundary} and is reached after it on one count or the other: {_amount(was)} fell due before that "
            f"date under the old terms, but the amended contract's replay counts {_amount(now)}, so the amounts it "
            "finds due after the "
            "date are not the ones the contract makes due. diff does not carry the running total from one "
            "contract to the other, so it gives no verdicts here")


def _amount(value: Decimal) -> str:
    return f"{value:,f}" if value == value.to_integral() else f"{value:,}"


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
class Held:
    """An obligation set off before the amendment: the old terms' finding stands, although the new
    terms would judge it otherwise (`new_terms`: their finding; None when they set off none there)."""

    finding: Finding | None
    new_terms: Finding | None

    @property
    def any(self) -> Finding:
        found = self.finding or self.new_terms
        assert found is not None
        return found

    def to_json(self) -> dict[str, Any]:
        f = self.any
        return {"id": f.id, "clause": f.clause, "rule": f.rule,
                "finding": None if self.finding is None else _finding_json(self.finding),
                "under_new_terms": None if self.new_terms is None else _finding_json(self.new_terms)}


def held_findings(judged: Judged) -> list[Held]:
    """Before the boundary: where the governing (old) finding differs from what the new terms would give."""
    a = judged.terms.amendment
    if judged.new_terms is None or a is None or a.boundary is None:
        return []
    start = micros_of_date(a.boundary)
    governing = {f.id: f for f in judged.result.findings if micros(f.time) < start}
    hypothetical = {f.id: f for f in judged.new_terms.findings if micros(f.time) < start}
    held = []
    for fid in governing.keys() | hypothetical.keys():
        was, would = governing.get(fid), hypothetical.get(fid)
        if was is None or would is None or (was.verdict, was.reason) != (would.verdict, would.reason):
            held.append(Held(was, would))
    held.sort(key=lambda h: (h.any.time, h.any.clause, h.any.id))
    return held


@dataclass(frozen=True)
class ContractDiff:
    old_label: str
    new_label: str
    old: CheckResult | None
    new: CheckResult
    terms: list[TermChange]
    verdicts: list[VerdictChange]
    unchanged: int
    # The proposal whose effective date splits the report (the new side's, else the old side's).
    amendment: Amendment | None = None
    amended_by: str | None = None
    held: list[Held] = field(default_factory=list)

    def introduces(self, levels: tuple[str, ...]) -> list[VerdictChange]:
        """Verdict changes that bring a finding at one of `levels` the old terms did not have."""
        return [c for c in self.verdicts if c.introduces(levels)]

    def period(self, finding: Finding) -> Period | None:
        """Whether the finding's obligation was set off before the amendment's effective date or from it on."""
        if self.amendment is None or self.amendment.effective is None:
            return None
        return "before" if micros(finding.time) < micros_of_date(self.amendment.effective) else "after"

    def periods(self) -> list[tuple[Period | None, list[VerdictChange]]]:
        """The verdict changes, split at the amendment's effective date when there is one."""
        if self.amendment is None or self.amendment.effective is None:
            return [(None, self.verdicts)]
        return [(p, [c for c in self.verdicts if self.period(c.finding) == p]) for p in ("before", "after")]

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
            "amendment": None if self.amendment is None else {"proposal": self.amended_by, **self.amendment.to_json()},
            "summary": self.summary(),
            "terms": [t.to_json() for t in self.terms],
            "verdicts": [v.to_json(self.period(v.finding)) for v in self.verdicts],
            "old_terms_hold": [h.to_json() for h in self.held],
            **self.term_events(),
        }


def diff_contracts(
    old: Judged | None, new: Judged, templates: Mapping[str, LoadedTemplate],
) -> ContractDiff:
    old_result = None if old is None else old.result
    verdicts, unchanged = diff_verdicts(old_result, new.result)
    proposal = new.terms if new.terms.amendment is not None or old is None else old.terms
    terms = diff_terms(None if old is None else old.terms.contract, new.terms.contract, templates)
    if old is not None and old.terms.amendment is not None and new.terms.amendment is not None:
        # Two versions of a proposal: when it applies is a term too.
        was, now = old.terms.amendment, new.terms.amendment
        dates = (("effective", was.effective, now.effective), ("retroactive", was.retroactive, now.retroactive),
                 ("retroactive_reason", was.reason or None, now.reason or None))
        terms = [TermChange("changed", "amendment", n, a, b) for n, a, b in dates if a != b] + terms
    return ContractDiff("(none)" if old is None else old.terms.label, new.terms.label, old_result, new.result,
                        terms, verdicts, unchanged, proposal.amendment,
                        proposal.label if proposal.amendment is not None else None, held_findings(new))
