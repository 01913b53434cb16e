"""What a replay reports: findings in report order, and where every event of the log went."""

from __future__ import annotations

import datetime as dt
from operator import attrgetter

from ..errors import InternalError
from ..findings import CheckResult, ClauseInfo, Finding
from ..language.compiler import CompiledClause
from ..language.contracts import LoadedContract
from ..models import Event
from ..read.events import EventLog


def build_result(
    contract: LoadedContract, clauses: list[CompiledClause], found: list[Finding], log: EventLog,
    as_of: dt.datetime, in_scope: list[Event], out_of_term: list[Event], after: list[Event], triggered: set[int],
) -> CheckResult:
    """The result of a replay: findings in report order, every event accounted for once.
    `triggered`: the seqs of events that opened an obligation (each must be cited)."""
    clause_order = {c.clause.id: c.index for c in clauses}
    findings = sorted(found, key=lambda f: f.sort_key(clause_order))
    cited = {e.seq for f in findings for e in f.events}
    # An event after the term that a surviving clause read is covered, not out of term.
    read_after_term = [e for e in out_of_term if e.seq in cited]
    out_of_term = [e for e in out_of_term if e.seq not in cited]
    # Report lists: time order, ties by id, so a reordered file gives byte-identical output.
    listing = attrgetter("time", "id")
    uncovered = sorted((e for e in in_scope if e.seq not in cited), key=listing)
    out_of_term = sorted(out_of_term, key=listing)
    after = sorted(after, key=listing)
    accounted = len(in_scope) + len(out_of_term) + len(after) + len(read_after_term)
    if accounted != len(log.events) or not triggered <= cited:
        raise InternalError("event accounting does not balance")
    ids = [f.id for f in findings]
    if len(set(ids)) != len(ids):
        raise InternalError("two findings share an id")
    exercised = {f.clause for f in findings}
    return CheckResult(
        contract_id=contract.contract.id,
        contract_file=str(contract.file),
        event_sources=list(log.sources),
        as_of=as_of,
        findings=findings,
        uncovered=uncovered,
        out_of_term=out_of_term,
        after_as_of=after,
        skipped=[{"file": s.file, "line": s.line, "error": s.error} for s in log.skipped],
        unexercised_clauses=[c.clause.id for c in clauses if c.clause.id not in exercised],
        clauses=[
            ClauseInfo(
                id=c.clause.id, section=c.clause.section, title=c.clause.title, text=c.clause.text,
                template=c.template.id, severity=c.clause.severity,
                parameters={k: v for k, v in c.params.items() if k != "clause" and not k.startswith("__")},
                assumptions={k: p.assumption for k, p in c.clause.parameters.items() if p.assumption},
                line=contract.clause_line(c.index),
            )
            for c in clauses
        ],
        events=list(log.events),
        contract_title=contract.contract.title,
        effective=contract.contract.effective,
        expires=contract.contract.expires,
    )
