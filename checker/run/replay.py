"""Event-time replay: events in time order, judgments at deadlines and at the as-of time."""

from __future__ import annotations

import datetime as dt
import heapq
import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, localcontext
from itertools import groupby
from operator import attrgetter
from typing import Any

from .. import values
from ..errors import CheckError, InternalError, shorten
from ..findings import CheckResult, Finding
from ..language.compiler import CompiledClause, CompiledObligation, FactRole, Interner, compile_clause, resolve_param
from ..language.contracts import LoadedContract
from ..language.scope import ContractTerm
from ..language.templates import PARAM_IN_PATH_RE, LoadedTemplate
from ..language.triggers import check_ids, names_contract_trigger, synthetic_events
from ..models import Event
from ..moments import DAY, MAX_MICROS, micros, micros_of_date
from ..read.events import EventLog, SkippedLine
from .clauserun import PARTITIONS, ClauseRun, has_effects
from .contract_state import ContractState
from .result import build_result
from .verdicts import (
    Judgment,
    Obligation,
    discharged_row,
    judge,
    make_finding,
    make_power_finding,
    mark_unreadable,
    number_field,
)

NO_KEY = "\x00no-key"
PROGRESS_STEP = 10_000


class Replay:
    def __init__(
        self,
        contract: LoadedContract,
        templates: Mapping[str, LoadedTemplate],
        log: EventLog,
        as_of: dt.datetime | None,
        lenient: bool = False,
        trace: Callable[[Judgment], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.contract = contract
        self.lenient = lenient
        self.trace = trace
        self.progress = progress
        self.log = log
        self.intern = Interner()
        self.by_id = {e.id: e for e in log.events}
        self.by_seq = _by_seq(log.events)
        self.items: list[Any] = []
        self.unmatched_codes = 0
        self.item_codes: dict[Any, int] = {}
        latest = max((e.time for e in log.events), default=None)
        effective = dt.datetime.combine(contract.contract.effective, dt.time(), dt.UTC)
        self.as_of_time: dt.datetime = as_of or latest or effective
        self.as_of_epoch = micros(self.as_of_time)
        self.clauses = [
            compile_clause(contract, i, templates[c.template], self.intern)
            for i, c in enumerate(contract.contract.clauses)
        ]
        self.term = ContractTerm(contract, templates)
        self.findings: list[Finding] = []
        self.numbers = 0
        c = contract.contract
        self.state = ContractState(c, micros_of_date(c.expires) + DAY)  # 9999-12-31 has no next day
        self.powers = 0
        self.synthetic: list[Event] = []
        self.post_term: set[int] = set()  # seqs of events after the term, fed to surviving clauses only
        self.triggered: set[int] = set()
        self.suppressed: set[int] = set()
        self.opened = 0
        self.wakeups: list[tuple[int, int]] = []
        self.runs: dict[int, ClauseRun] = {}

    # -- input checks ------------------------------------------------------------------
    def check_references(self) -> None:
        """Actors must be parties, refs must name events, and fields a clause computes with must be
        numbers; under --lenient such events are skipped (and the verdicts they touch marked)."""
        unreadable_ids = {s.record.get("id") for s in self.log.skipped
                          if isinstance(s.record, dict) and isinstance(s.record.get("id"), str)}
        numeric: dict[str, list[tuple[CompiledClause, FactRole]]] = {}
        for compiled in self.clauses:
            for event_type, roles in compiled.by_type.items():
                numeric.setdefault(event_type, []).extend((compiled, r) for r in roles if r.numbers)
        clause_ids = {c.clause.id for c in self.clauses}  # refs may name a date or period (made later)
        kept: list[Event] = []
        for event in self.log.events:
            problem = None
            ref = event.fields.get("ref")
            # A third party's event is legal (SPEC §10): it never counts as a party's act, because
            # every role that stands for a party's act filters on `actor`.
            if ref is not None and ref not in self.by_id and not names_contract_trigger(ref, clause_ids):
                why = "an unreadable line" if ref in unreadable_ids else "no event of the log"
                problem = f"event {event.id!r}: 'ref' names {why}: {shorten(ref)}"
            else:
                problem = _number_problem(event, numeric.get(event.type, ()))
            if problem is None:
                kept.append(event)
            elif not self.lenient:
                raise CheckError(problem, event.file, event.line)
            else:
                record = {"id": event.id, "type": event.type, **({"ref": ref} if ref is not None else {})}
                self.log.skipped.append(SkippedLine(file=event.file, line=event.line, error=problem, record=record))
        if len(kept) != len(self.log.events):
            self.log = EventLog(events=kept, skipped=self.log.skipped, sources=self.log.sources)
            self.by_id = {e.id: e for e in kept}
            self.by_seq = _by_seq(kept)

    # -- the replay ----------------------------------------------------------------------
    def run(self, jobs: int = 1) -> CheckResult:
        self.check_references()
        # A stable sort on time alone keeps file order for equal times.
        ordered = sorted(self.log.events, key=attrgetter("time"))
        as_of = self.as_of_time
        in_scope: list[Event] = []
        out_of_term: list[Event] = []
        after: list[Event] = []
        survival_end = self.survival_horizon()
        for event in ordered:
            if not self.term.contains(event):
                out_of_term.append(event)
                if self.state.end_of_term <= event.epoch <= min(survival_end, self.as_of_epoch):
                    self.post_term.add(event.seq)
            elif event.time > as_of:
                after.append(event)
            else:
                in_scope.append(event)
        first_seq = max((e.seq for e in self.log.events), default=-1) + 1
        self.synthetic = synthetic_events(self.contract, self.clauses, self.as_of_epoch, first_seq)
        check_ids(self.synthetic, set(self.by_id))
        self.by_seq.extend(self.synthetic)
        self.by_id.update((e.id, e) for e in self.synthetic)
        fed = sorted([*in_scope, *self.synthetic, *(e for e in out_of_term if e.seq in self.post_term)],
                     key=lambda e: (e.epoch, e.seq >= first_seq and 0 or 1, e.seq))
        effects = [c for c in self.clauses if has_effects(c)]
        others = [c for c in self.clauses if not has_effects(c)]
        if jobs <= 1 or len(others) < 2 or self.trace is not None:
            self.replay(self.clauses, fed)
        else:
            # Clauses are independent but for effects on other clauses: settle those first, then
            # replay the other clauses in parallel, each worker with the same contract state.
            progress, self.progress = self.progress, None  # the workers' completions report it
            self.replay(effects, fed)
            self.progress = progress
            self.replay_parallel(others, fed, jobs)
        if self.opened + self.powers != len(self.findings):
            raise InternalError(f"{self.opened} obligations opened and {self.powers} powers arose, "
                                f"but {len(self.findings)} verdicts given")
        listeners: dict[str, set[str]] = {}
        for compiled in self.clauses:
            for event_type in compiled.by_type:
                listeners.setdefault(event_type, set()).add(compiled.clause.id)
        mark_unreadable(self.findings, self.log.skipped, listeners)
        return build_result(self.contract, self.clauses, self.findings, self.log, self.as_of_time,
                            in_scope, out_of_term, after, self.triggered - self.suppressed)

    def replay(self, clauses: list[CompiledClause], in_scope: list[Event]) -> None:
        """Replay `in_scope` (time-ordered) through the engine sessions of `clauses`."""
        runs = [ClauseRun(c, self.by_seq, self.items) for c in clauses]
        # Clauses whose verdicts end other clauses go first at each instant.
        order = sorted(runs, key=lambda r: (not r.has_effects, r.compiled.index))
        listeners: dict[str, list[ClauseRun]] = {}
        for run in order:
            for event_type in run.compiled.by_type:
                listeners.setdefault(event_type, []).append(run)
        self.wakeups = []
        self.runs = {run.compiled.index: run for run in runs}
        done, total, step = 0, len(in_scope), PROGRESS_STEP
        try:
            for epoch, group_iter in groupby(in_scope, key=lambda e: e.epoch):
                self.run_judges_before(epoch)
                fed: dict[int, list[Event]] = {}
                for event in group_iter:
                    done += 1
                    if done >= step and self.progress is not None:
                        self.progress(done, total)
                        step += PROGRESS_STEP
                    for run in listeners.get(event.type, ()):
                        if event.seq in self.post_term and self.state.survives_until(
                                run.compiled.clause.id, self.state.end_of_term) is None:
                            continue  # after the term, only surviving clauses still read events
                        fed.setdefault(run.compiled.index, []).append(event)
                for run in order:
                    events = fed.get(run.compiled.index)
                    if events:
                        self.feed(run, events, epoch)
                        run.engine.drain()
                    if run.judges and run.judges[0][0] == epoch:
                        self.run_judges_at(run, epoch)
            self.run_judges_before(self.as_of_epoch + 1)
        finally:
            for run in runs:
                run.engine.close()
        leftover = [ob for run in runs for ob in run.open.values()]
        if leftover:
            raise InternalError(f"{len(leftover)} obligation(s) ended without a verdict")

    def replay_parallel(self, clauses: list[CompiledClause], in_scope: list[Event], jobs: int) -> None:
        """Replay clause groups in forked worker processes; merge their findings back."""
        weight = {c.index: 0 for c in clauses}
        for event in in_scope:
            for c in clauses:
                if event.type in c.by_type:
                    weight[c.index] += 1
        groups: list[list[CompiledClause]] = [[] for _ in range(min(jobs, len(clauses)))]
        loads = [0] * len(groups)
        for c in sorted(clauses, key=lambda c: (-weight[c.index], c.index)):
            slot = loads.index(min(loads))
            groups[slot].append(c)
            loads[slot] += weight[c.index] + 1
        global _ACTIVE
        _ACTIVE = (self, in_scope)
        progress, self.progress = self.progress, None  # a worker cannot draw on our terminal
        outcomes: list[Any] = []
        try:
            with multiprocessing.get_context("fork").Pool(len(groups)) as pool:
                for outcome in pool.imap(_replay_group, [[c.index for c in g] for g in groups]):
                    outcomes.append(outcome)
                    if progress is not None:
                        share = sum(loads[: len(outcomes)]) / max(sum(loads), 1)
                        progress(int(len(in_scope) * share), len(in_scope))
        finally:
            _ACTIVE = None
            self.progress = progress
        for outcome in outcomes:
            if isinstance(outcome, str):
                raise CheckError(outcome)
            findings, triggered, suppressed, opened, powers = outcome
            for data, seqs in findings:
                self.findings.append(Finding(**data, events=[self.by_seq[s] for s in seqs]))
            self.triggered |= triggered
            self.suppressed |= suppressed
            self.opened += opened
            self.powers += powers

    def run_judges_before(self, epoch: int) -> None:
        """Every judgment due before `epoch`, in time order (clause order for equal times)."""
        while self.wakeups and self.wakeups[0][0] < epoch:
            when, index = heapq.heappop(self.wakeups)
            run = self.runs[index]
            if run.judges and run.judges[0][0] == when:
                self.run_judges_at(run, when)

    def run_judges_at(self, run: ClauseRun, epoch: int) -> None:
        # Judged straight from the heap, in (time, number) order: a judgment needs no join, so
        # it costs no engine fact. Every queued join has run (each feed is drained), so the
        # obligation's evidence is complete up to `epoch`.
        while run.judges and run.judges[0][0] == epoch:
            _, number = heapq.heappop(run.judges)
            ob = run.open.get(number)
            if ob is not None:
                if ob.parked:
                    run.unpark(ob)
                self.judge(run, ob, epoch)

    def feed(self, run: ClauseRun, group: list[Event], epoch: int) -> None:
        compiled = run.compiled
        for event in group:
            roles = compiled.by_type.get(event.type)
            if not roles:
                continue
            for role in roles:
                if not role.accepts(event):
                    continue
                for item in role.items(event):
                    attrs = {name: get(event, item, self.by_id.get) for name, get in role.attributes.items()}
                    key = None if role.partition is None else role.partition(event, item, self.by_id.get)
                    if key is None:
                        # A missing correlation value still correlates: with every fact missing it.
                        key = NO_KEY
                    fact: dict[str, Any] = {"r": role.code, "t": epoch, "e": event.seq, "i": self.intern(event.id)}
                    if item is not None:
                        fact["m"] = self.item_code(item)
                    for name, value in attrs.items():
                        # A missing field gets a code of its own, equal to nothing: the engine
                        # refuses a fact that lacks an attribute its rules read, and an act that
                        # names no counterparty matches no trigger by counterparty.
                        fact["a_" + name] = self.intern(value) if value is not None else self.unmatched()
                    if role.is_evidence:
                        if role.spec.broadcast:
                            run.assert_broadcast(dict(fact))
                        else:
                            code = self.intern(key)
                            fact["k"] = code
                            target = self.bound_target(run, role.bound_to, attrs, event)
                            if target is None or target >= 0:
                                run.assert_evidence(role, dict(fact), code, target)
                    for compiled_ob in role.opens:
                        self.open_obligation(run, compiled_ob, event, item, attrs, dict(fact), key, epoch)

    def bound_target(self, run: ClauseRun, attribute: str | None, attrs: dict[str, Any], event: Event) -> int | None:
        """The seq of the trigger bound evidence belongs to; -1 when it can no longer match."""
        if attribute is None:
            return None
        trigger = self.by_id.get(attrs.get(attribute))  # type: ignore[arg-type]
        if trigger is None or not any(
            role.opens and role.accepts(trigger) for role in run.compiled.by_type.get(trigger.type, ())
        ):
            return -1
        already_fed = (trigger.time, trigger.seq) < (event.time, event.seq)
        if already_fed and not run.live.get(trigger.seq):
            return -1
        return trigger.seq

    def unmatched(self) -> int:
        """A fresh engine code no other value has (negative: interned codes are positive)."""
        self.unmatched_codes -= 1
        return self.unmatched_codes

    def item_code(self, item: Any) -> int:
        key = values.key(item)
        code = self.item_codes.get(key)
        if code is None:
            code = len(self.items)
            self.items.append(item)
            self.item_codes[key] = code
        return code

    def open_obligation(
        self, run: ClauseRun, compiled_ob: CompiledObligation, event: Event, item: Any,
        attrs: dict[str, Any], fact: dict[str, Any], key: Any, epoch: int,
    ) -> None:
        clause_id = run.compiled.clause.id
        if not self.state.in_force(clause_id, epoch) or (
                event.seq in self.post_term and not self._survives(clause_id, epoch)) or self._after_the_end(event):
            self.suppressed.add(event.seq)
            return
        self.numbers += 1
        number = self.numbers
        code = self.intern(key)
        fact.update({"r": compiled_ob.code, "n": number, "k": code})
        due = None if compiled_ob.deadline is None else compiled_ob.deadline(event)
        deadline = None if due is None else due.at
        if deadline is not None and deadline > MAX_MICROS:
            raise CheckError(
                f"event {event.id!r} sets off an obligation of clause {clause_id!r} due after 9999-12-31, "
                "the last representable day", event.file, event.line,
            )
        ob = Obligation(
            number=number, clause=run.compiled, compiled=compiled_ob, trigger=event, item=item,
            attributes=attrs, fact=fact, partition=code % PARTITIONS, deadline=deadline,
            deadline_alternative=None if due is None else due.alternative, deref=self.by_id.get,
        )
        if compiled_ob.spec.amount_due is not None:
            ob.due = self.amount_due(run, compiled_ob, event)
        run.open[number] = ob
        run.live[event.seq] = run.live.get(event.seq, 0) + 1
        self.opened += 1
        self.triggered.add(event.seq)
        if compiled_ob.joins:
            run.enter(ob)
        first = self.as_of_epoch if deadline is None else min(deadline, self.as_of_epoch)
        # A deadline before the trigger (notice due before an event) is judged at the trigger.
        run.schedule(max(first, epoch), number, self.wakeups)

    def amount_due(self, run: ClauseRun, compiled_ob: CompiledObligation, event: Event) -> Decimal:
        spec = compiled_ob.spec.amount_due
        assert spec is not None
        params = run.compiled.params
        field = PARAM_IN_PATH_RE.sub(lambda m: str(params[m.group(1)]), spec.of)
        base = number_field(event, field, f"clause {run.compiled.clause.id!r}", run.compiled)
        percent: Decimal = resolve_param(spec.percent, params)
        # Exact: amounts have at most 40 + 20 digits, well inside 100 digits of precision.
        with localcontext(prec=100):
            due: Decimal = base * percent / Decimal(100)
            if spec.cumulative_cap is not None:
                cap: Decimal = resolve_param(spec.cumulative_cap, params)
                used = run.ledger.get(compiled_ob.spec.name, Decimal(0))
                due = max(Decimal(0), min(due, cap - used))
                run.ledger[compiled_ob.spec.name] = used + due
        return due

    def judge(self, run: ClauseRun, ob: Obligation, now: int) -> None:
        clause_id = run.compiled.clause.id
        # Termination discharges the open duties of a clause that does not survive it; a surviving
        # clause keeps its duties whatever the as-of time (so moving it never turns a breach ok).
        terminated = self.state.terminated
        cutoff = terminated if terminated is not None and self.state.survives_until(clause_id, terminated) is None else None
        if cutoff is not None and ob.trigger.epoch < cutoff < now and (ob.deadline is None or ob.deadline > cutoff):
            # The contract ended while this duty was open: judged as it stood then; what was
            # still to come is discharged.
            ob.evidence = {k: [c for c in v if c[0].epoch <= cutoff] for k, v in ob.evidence.items()}
            row, names = judge(ob, cutoff, self.as_of_epoch)
            if row.verdict == "pending":
                row = discharged_row(self.state.terminated_by or "")
            now = cutoff
        else:
            row, names = judge(ob, now, self.as_of_epoch)
            if not row.final and now < self.as_of_epoch:
                if self.trace is not None:
                    self.trace(Judgment(ob, row, names, now, None))
                run.schedule(self.as_of_epoch, ob.number, self.wakeups)
                run.park(ob)
                return
        finding = make_finding(ob, row, names, now)
        if self.trace is not None:
            self.trace(Judgment(ob, row, names, now, finding))
        self.findings.append(finding)
        del run.open[ob.number]
        if ob.compiled.joins:
            run.leave(ob)
        run.close_trigger(ob.trigger.seq)
        if row.power is not None:
            self.findings.append(make_power_finding(ob, row, names, now))
            self.powers += 1
        if row.effect is not None:
            targets: dict[str, list[str]] = {}
            for kind in ("end_clauses", "suspend_clauses", "resume_clauses"):
                value = resolve_param(getattr(row.effect, kind), run.compiled.params)
                targets[kind] = [] if value is None else [value] if isinstance(value, str) else list(value)
            self.state.apply(row.effect, targets, now, clause_id)

    def _after_the_end(self, event: Event) -> bool:
        """A date or period of the contract after its termination sets off nothing — but for a
        surviving clause, the period the termination cut short still closes (its final report)."""
        end = self.state.terminated
        if end is None or not event.type.startswith("@") or event.epoch <= end:
            return False
        start = event.fields.get("period_start")
        return not (isinstance(start, str) and micros_of_date(dt.date.fromisoformat(start)) < end)

    def _survives(self, clause_id: str, at: int) -> bool:
        """Whether a clause is still in force at `at` after the contract's end (term or termination)."""
        end = self.state.terminated if self.state.terminated is not None else self.state.end_of_term
        until = self.state.survives_until(clause_id, end)
        return until is not None and at < until

    def survival_horizon(self) -> int:
        """The latest instant any surviving clause reads events after the term."""
        ends = [self.state.survives_until(c.id, self.state.end_of_term) for c in self.contract.contract.clauses]
        return max((e for e in ends if e is not None), default=self.state.end_of_term)


_ACTIVE: tuple[Replay, list[Event]] | None = None


def _by_seq(events: list[Event]) -> list[Event]:
    """Events indexed by seq in a list (a dict of a million entries costs ~100 MB)."""
    table: list[Any] = [None] * (max((e.seq for e in events), default=-1) + 1)
    for event in events:
        table[event.seq] = event
    return table


def _number_problem(event: Event, roles: Sequence[tuple[CompiledClause, FactRole]]) -> str | None:
    """What is wrong when a clause computes with a field of `event` that is missing or no number."""
    for compiled, role in roles:
        if not role.accepts(event):
            continue
        for name in role.numbers:
            try:
                number_field(event, name, f"clause {compiled.clause.id!r}", compiled)
            except CheckError as exc:
                return exc.message
    return None


def _replay_group(indices: list[int]) -> Any:
    """In a forked worker: replay some clauses, return findings as plain data (events by seq)."""
    assert _ACTIVE is not None
    replay, in_scope = _ACTIVE
    replay.findings, replay.triggered, replay.suppressed, replay.opened, replay.powers = [], set(), set(), 0, 0
    try:
        replay.replay([c for c in replay.clauses if c.index in indices], in_scope)
    except CheckError as exc:
        return str(exc)
    fields = [f for f in Finding.__dataclass_fields__ if f != "events"]
    findings = [({k: getattr(f, k) for k in fields}, [e.seq for e in f.events]) for f in replay.findings]
    return findings, replay.triggered, replay.suppressed, replay.opened, replay.powers


def check(
    contract: LoadedContract,
    templates: Mapping[str, LoadedTemplate],
    log: EventLog,
    as_of: dt.datetime | None = None,
    lenient: bool = False,
    trace: Callable[[Judgment], None] | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Replay `log` against `contract`. `trace` sees every judgment (final or not), e.g. for explain.

    `jobs` > 1 replays independent clauses in that many processes; the result is identical.
    """
    return Replay(contract, templates, log, as_of, lenient, trace, progress).run(jobs)
