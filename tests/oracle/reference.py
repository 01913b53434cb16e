"""Reference evaluator for the example contract (test oracle).

A deliberately plain, slow and independent re-statement of ``docs/semantics.md`` for the
OpenAI-Microsoft example contract. It knows nothing about the production engine; it replays
the events in time order with ordinary loops and list filters so that every verdict can be
read off against a row of the tables in ``docs/semantics.md``.

Usage::

    result = evaluate(events)                      # as-of = time of the latest event
    result = evaluate(events, as_of=datetime(...))  # explicit as-of (naive = UTC)

Choices made where ``docs/semantics.md`` leaves room (see also the module's tests):

* An event that is both out of term and after the as-of time is listed only in
  ``out_of_term_events``: every event is accounted for in exactly one list.
* When a row rests on "a disclosure / an approval / an exemption ...", the evidence listed is the
  earliest event satisfying the row (restructuring row 2: the latest approval at or before the
  restructuring, the same one row 1 looked at; ratified-after: the first approval after it).
  Withholding rows list the first withholding.  Revenue-share rows list every payment counted in
  the sum the row tests (``paid`` / ``within-window``: payments up to the judgment time;
  ``late`` / ``underpaid``: payments up to as-of; ``overdue``, ``cap-reached``: none).
* Rows that do not rest on evidence (``excluded``, ``scope-unclear``, ``awaiting-disclosure``,
  ``no-offer``, ``no-approval``, ``cap-reached``, ``overdue`` without late disclosure) list only
  the trigger; a disclosure of an excluded kind therefore stays uncovered.
* Amendments count as evidence whichever contract party (obligor or beneficiary) records them.
* The default as-of is the latest event time over the whole log (out-of-term events included).
* Revenue-share row 1 is read literally: any report whose amount due is 0 (a zero revenue as well
  as an exhausted cap) is ``ok`` / ``cap-reached``.  Only reports that set off an obligation
  (obligor, in term, not after as-of, before an AGI milestone) use up the cap.
* Scoped-disclosure row 2 reads "disclosed" as "disclosed at or before the judgment time", so an
  unclear kind disclosed only after launch + 90 d is still ``grey`` / ``scope-unclear``.
* A ``cloud_contract`` with ``provider`` equal to the holder, a report set off after an AGI
  milestone, an ``acquisition`` with an empty ``ip`` list, ... set off nothing and are uncovered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any

Verdict = str  # "breach" | "grey" | "pending" | "ok" | "info"


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class ReferenceParams:
    """The figures of the example contract (``contracts/openai-microsoft-2019.yaml``)."""

    obligor: str = "openai"
    beneficiary: str = "microsoft"
    effective: date = date(2019, 7, 22)
    expires: date = date(2030, 12, 31)
    ip_in_scope: tuple[str, ...] = ("model_weights", "inference_code")
    ip_excluded: tuple[str, ...] = ("product_information", "user_interface")
    disclosure_days: int = 90
    share_percent: Decimal = Decimal(20)
    cap_usd: Decimal = Decimal(92_000_000_000)
    payment_days: int = 45
    rofr_days: int = 30
    agi_threshold_usd: Decimal = Decimal(100_000_000_000)
    clause_ip_access: str = "ip-access"
    clause_acquired_ip: str = "acquired-ip"
    clause_revenue_share: str = "revenue-share"
    clause_cloud_rofr: str = "cloud-rofr"
    clause_restructuring: str = "restructuring-approval"
    clause_agi: str = "agi-clause"
    milestone_ends: tuple[str, ...] = ("ip-access", "acquired-ip", "revenue-share")

    @property
    def holder(self) -> str:
        """The ROFR holder / approving party (the beneficiary in this contract)."""
        return self.beneficiary

    @property
    def clause_order(self) -> tuple[str, ...]:
        return (
            self.clause_ip_access,
            self.clause_acquired_ip,
            self.clause_revenue_share,
            self.clause_cloud_rofr,
            self.clause_restructuring,
            self.clause_agi,
        )

    @property
    def term_start(self) -> datetime:
        """First instant in term (``effective`` 00:00 UTC, inclusive)."""
        return datetime(self.effective.year, self.effective.month, self.effective.day, tzinfo=UTC)

    @property
    def term_end(self) -> datetime:
        """First instant after the term (``expires`` + 1 day 00:00 UTC, exclusive)."""
        end = datetime(self.expires.year, self.expires.month, self.expires.day, tzinfo=UTC)
        return end + timedelta(days=1)


DEFAULT_PARAMS = ReferenceParams()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RefFinding:
    id: str
    clause: str
    verdict: Verdict
    reason: str
    events: list[str]
    instance: str
    # Extra detail, useful when comparing messages; not part of the verdict itself.
    trigger_time: datetime | None = field(default=None, compare=False)
    deadline: datetime | None = field(default=None, compare=False)
    amount_due: Decimal | None = field(default=None, compare=False)
    shortfall: Decimal | None = field(default=None, compare=False)


@dataclass
class ReferenceResult:
    as_of: datetime | None
    findings: list[RefFinding] = field(default_factory=list)
    uncovered_events: list[str] = field(default_factory=list)
    out_of_term_events: list[str] = field(default_factory=list)
    after_as_of_events: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, RefFinding]:
        return {f.id: f for f in self.findings}

    def verdicts(self) -> list[tuple[str, str, str, str]]:
        """(clause, trigger event id, instance, verdict/reason) — handy in assertions."""
        return [(f.clause, f.events[0], f.instance, f"{f.verdict}/{f.reason}") for f in self.findings]


# --------------------------------------------------------------------------- parsing


def parse_time(value: object) -> datetime:
    """ISO 8601 date (00:00 UTC) or datetime with offset / ``Z``; returned in UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) == 10:  # YYYY-MM-DD
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    else:
        raise TypeError(f"time must be an ISO 8601 string, got {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_money(value: object) -> Decimal | None:
    """Exact money: int, str or Decimal (never through a binary float's repr guesswork)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"money must be a number, got {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float, str)):
        return Decimal(str(value).strip())
    raise TypeError(f"money must be an int, str or Decimal, got {value!r}")


def _str_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


@dataclass(frozen=True)
class _Event:
    index: int  # position in the file (file order)
    id: str
    time: datetime
    type: str
    actor: str
    raw: Mapping[str, Any]
    in_term: bool
    after_as_of: bool

    @property
    def live(self) -> bool:
        """Happened (not after as-of) inside the term: may set off obligations or be evidence."""
        return self.in_term and not self.after_as_of

    def get(self, key: str) -> Any:
        return self.raw.get(key)

    @property
    def ref(self) -> str | None:
        value = self.raw.get("ref")
        return None if value is None else str(value)

    def items(self, key: str) -> list[str]:
        return _str_list(self.raw.get(key))

    def money(self, key: str) -> Decimal | None:
        return to_money(self.raw.get(key))


def _total(events: Sequence[_Event]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return sum((e.money("amount_usd") or Decimal(0) for e in events), Decimal(0))


def _listing_key(event: _Event) -> tuple[datetime, str]:
    """Lists in reports: time order, ties by id, so a reordered file lists the same."""
    return (event.time, event.id)


def _replay_key(event: _Event) -> tuple[datetime, int]:
    return (event.time, event.index)


def finding_id(clause: str, trigger_id: str, instance: str) -> str:
    digest = hashlib.sha256(f"{clause}\x1f{trigger_id}\x1f{instance}".encode())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------- evaluation


class _Evaluation:
    def __init__(self, timeline: list[_Event], as_of: datetime, params: ReferenceParams) -> None:
        self.p = params
        self.as_of = as_of
        # Only events in term and not after as-of take part in any rule.
        self.live = [e for e in timeline if e.live]
        self.findings: list[RefFinding] = []
        self.milestone: datetime | None = None

    # ---- helpers

    def emit(
        self,
        clause: str,
        trigger: _Event,
        instance: str,
        verdict: Verdict,
        reason: str,
        evidence: Sequence[_Event] = (),
        *,
        deadline: datetime | None = None,
        amount_due: Decimal | None = None,
        shortfall: Decimal | None = None,
    ) -> None:
        ordered = sorted({e.index: e for e in evidence}.values(), key=_listing_key)
        self.findings.append(
            RefFinding(
                id=finding_id(clause, trigger.id, instance),
                clause=clause,
                verdict=verdict,
                reason=reason,
                events=[trigger.id] + [e.id for e in ordered],
                instance=instance,
                trigger_time=trigger.time,
                deadline=deadline,
                amount_due=amount_due,
                shortfall=shortfall,
            )
        )

    def of_type(self, *types: str) -> list[_Event]:
        return [e for e in self.live if e.type in types]

    def ended(self, clause: str, trigger: _Event) -> bool:
        """An AGI milestone ends new obligations of some clauses from its time on (inclusive)."""
        return (
            clause in self.p.milestone_ends
            and self.milestone is not None
            and trigger.time >= self.milestone
        )

    def judgment_time(self, deadline: datetime) -> datetime:
        return min(deadline, self.as_of)

    # ---- agi-clause (milestone-termination); first, because it ends other clauses

    def agi_clause(self) -> None:
        clause = self.p.clause_agi
        for decl in self.of_type("agi_declaration"):
            if decl.actor != self.p.obligor:
                continue
            profits = decl.money("profits_usd")
            if profits is not None and profits >= self.p.agi_threshold_usd:
                self.emit(clause, decl, "", "info", "milestone-met")
                if self.milestone is None or decl.time < self.milestone:
                    self.milestone = decl.time
            else:
                self.emit(clause, decl, "", "grey", "threshold-not-evidenced")

    # ---- ip-access / acquired-ip (scoped-disclosure)

    def scoped_disclosure(self, clause: str, trigger_types: tuple[str, ...], subject_key: str) -> None:
        for trigger in self.of_type(*trigger_types):
            if trigger.actor != self.p.obligor or self.ended(clause, trigger):
                continue
            kinds: list[str] = []
            for kind in trigger.items("ip"):
                if kind not in kinds:
                    kinds.append(kind)
            subject = trigger.get(subject_key)
            for kind in kinds:
                self.scoped_instance(clause, trigger, kind, subject)

    def scoped_instance(self, clause: str, trigger: _Event, kind: str, subject: object) -> None:
        p = self.p
        deadline = trigger.time + timedelta(days=p.disclosure_days)
        judged_at = self.judgment_time(deadline)

        def evidence(event_type: str) -> list[_Event]:
            return [
                e
                for e in self.of_type(event_type)
                if e.actor == p.obligor
                and e.get("to") == p.beneficiary
                and e.ref == trigger.id
                and kind in e.items("ip")
            ]

        def amendments(event_type: str) -> list[_Event]:
            return [
                e
                for e in self.of_type(event_type)
                if e.actor in (p.obligor, p.beneficiary)
                and e.get("clause") == clause
                and subject is not None
                and str(subject) in e.items("exempt")
            ]

        disclosures = evidence("ip_disclosure")
        withholdings = evidence("ip_withheld")
        signed = amendments("amendment_signed")
        proposed = amendments("amendment_proposed")

        verdict, reason, evid = self.scoped_row(
            kind, trigger, deadline, judged_at, disclosures, withholdings, signed, proposed
        )
        self.emit(clause, trigger, kind, verdict, reason, evid, deadline=deadline)

    def scoped_row(
        self,
        kind: str,
        trigger: _Event,
        deadline: datetime,
        judged_at: datetime,
        disclosures: list[_Event],
        withholdings: list[_Event],
        signed: list[_Event],
        proposed: list[_Event],
    ) -> tuple[Verdict, str, list[_Event]]:
        """The table of docs/semantics.md, first matching row wins."""
        p = self.p
        disclosed_by_judgment = [d for d in disclosures if d.time <= judged_at]
        # 1
        if kind in p.ip_excluded:
            return "ok", "excluded", []
        # 2, 3
        if kind not in p.ip_in_scope:
            if disclosed_by_judgment:
                return "ok", "disclosed", disclosed_by_judgment[:1]
            return "grey", "scope-unclear", []
        # 4
        on_time = [d for d in disclosed_by_judgment if d.time <= trigger.time]
        if on_time:
            return "ok", "disclosed", on_time[:1]
        # 5
        in_period = [d for d in disclosed_by_judgment if trigger.time < d.time <= deadline]
        if in_period:
            return "grey", "timing-unspecified", in_period[:1]
        # 6, 7, 8
        withheld = [w for w in withholdings if w.time <= judged_at]
        if withheld:
            first = withheld[0]
            signed_before = [a for a in signed if a.time <= first.time]
            if signed_before:
                return "ok", "exempted", [first, signed_before[0]]
            proposed_before = [a for a in proposed if a.time <= first.time]
            if proposed_before:
                return "grey", "amendment-pending", [first, proposed_before[0]]
            return "breach", "withheld", [first]
        # 9, 10, 11
        if judged_at >= deadline:
            signed_by_deadline = [a for a in signed if a.time <= deadline]
            if signed_by_deadline:
                return "ok", "exempted", signed_by_deadline[:1]
            proposed_by_deadline = [a for a in proposed if a.time <= deadline]
            if proposed_by_deadline:
                return "grey", "amendment-pending", proposed_by_deadline[:1]
            late = [d for d in disclosures if deadline < d.time <= self.as_of]
            return "breach", "overdue", late[:1]
        # 12
        return "pending", "awaiting-disclosure", []

    # ---- revenue-share (percentage-payment)

    def revenue_share(self) -> None:
        p = self.p
        clause = p.clause_revenue_share
        due_so_far = Decimal(0)
        for report in self.of_type("revenue_report"):
            if report.actor != p.obligor or self.ended(clause, report):
                continue
            revenue = report.money("revenue_usd")
            if revenue is None:
                raise ValueError(f"event {report.id}: revenue_report without revenue_usd")
            with localcontext() as ctx:
                ctx.prec = 60
                share = revenue * p.share_percent / Decimal(100)
                remaining = p.cap_usd - due_so_far
                due = min(share, remaining)
                due_so_far += due

            self.revenue_instance(report, due)

    def revenue_instance(self, report: _Event, due: Decimal) -> None:
        p = self.p
        window_end = report.time + timedelta(days=p.payment_days)
        judged_at = self.judgment_time(window_end)
        payments = [
            e
            for e in self.of_type("revenue_share_payment")
            if e.actor == p.obligor and e.get("to") == p.beneficiary and e.ref == report.id
        ]
        in_window = [e for e in payments if e.time <= judged_at]
        by_as_of = payments  # every live event is at or before as-of
        shortfall: Decimal | None = None
        evidence: list[_Event] = []
        # 1
        if due == 0:
            verdict, reason = "ok", "cap-reached"
        # 2
        elif _total(in_window) >= due:
            verdict, reason, evidence = "ok", "paid", in_window
        # 3
        elif self.as_of < window_end:
            verdict, reason, evidence = "pending", "within-window", in_window
        # 4
        elif _total(by_as_of) >= due:
            verdict, reason, evidence = "breach", "late", by_as_of
        # 5
        elif _total(by_as_of) > 0:
            verdict, reason, evidence = "breach", "underpaid", by_as_of
            shortfall = due - _total(by_as_of)
        # 6
        else:
            verdict, reason = "breach", "overdue"
        self.emit(
            p.clause_revenue_share, report, "", verdict, reason, evidence,
            deadline=window_end, amount_due=due, shortfall=shortfall,
        )

    # ---- cloud-rofr (right-of-first-refusal)

    def cloud_rofr(self) -> None:
        p = self.p
        clause = p.clause_cloud_rofr
        for contract in self.of_type("cloud_contract"):
            if contract.actor != p.obligor or contract.get("provider") == p.holder:
                continue
            # Judged at the contract's own time, after all events of that same time.
            offers = [
                o
                for o in self.of_type("rofr_offer")
                if o.actor == p.obligor
                and o.get("to") == p.holder
                and o.get("provider") == contract.get("provider")
                and o.time <= contract.time
            ]
            if not offers:
                self.emit(clause, contract, "", "breach", "no-offer")
                continue
            offer = offers[-1]  # latest in replay order
            responses = [
                r
                for r in self.of_type("rofr_response")
                if r.actor == p.holder and r.ref == offer.id and r.time <= contract.time
            ]
            response = responses[-1] if responses else None
            decision = response.get("decision") if response is not None else None
            lapse = offer.time + timedelta(days=p.rofr_days)
            if response is not None and decision == "accept":
                self.emit(clause, contract, "", "breach", "offer-accepted", [offer, response], deadline=lapse)
            elif response is not None and decision == "decline":
                self.emit(clause, contract, "", "ok", "declined", [offer, response], deadline=lapse)
            elif contract.time - offer.time >= timedelta(days=p.rofr_days):
                self.emit(clause, contract, "", "ok", "lapsed", [offer], deadline=lapse)
            else:
                self.emit(clause, contract, "", "breach", "window-open", [offer], deadline=lapse)

    # ---- restructuring-approval (prior-approval)

    def restructuring(self) -> None:
        p = self.p
        clause = p.clause_restructuring
        approvals = [
            a
            for a in self.of_type("approval")
            if a.actor == p.holder and a.get("subject") == "restructuring"
        ]
        for event in self.of_type("restructuring", "fundraising"):
            if event.actor != p.obligor:
                continue
            if event.type == "fundraising":
                conditional_on = event.get("conditional_on")
                if conditional_on == "restructuring" or (
                    isinstance(conditional_on, list) and "restructuring" in conditional_on
                ):
                    self.emit(clause, event, "", "info", "funding-depends-on-approval")
                continue
            before = [a for a in approvals if a.time <= event.time]
            after = [a for a in approvals if a.time > event.time]  # all live: by as-of
            if before and before[-1].items("conditions"):
                self.emit(clause, event, "", "grey", "conditional-approval", [before[-1]])
            elif before:
                self.emit(clause, event, "", "ok", "approved", [before[-1]])
            elif after:
                self.emit(clause, event, "", "grey", "ratified-after", [after[0]])
            else:
                self.emit(clause, event, "", "breach", "no-approval")

    # ---- all

    def run(self) -> list[RefFinding]:
        p = self.p
        self.agi_clause()
        self.scoped_disclosure(p.clause_ip_access, ("product_launch", "model_release"), "product")
        self.scoped_disclosure(p.clause_acquired_ip, ("acquisition",), "target")
        self.revenue_share()
        self.cloud_rofr()
        self.restructuring()
        order = {clause: i for i, clause in enumerate(p.clause_order)}
        by_id = {e.id: e for e in self.live}

        def key(f: RefFinding) -> tuple[int, datetime, str, str]:
            trigger = by_id[f.events[0]]
            return (order[f.clause], trigger.time, trigger.id, f.instance)

        return sorted(self.findings, key=key)


def _parse_events(events: Sequence[Mapping[str, Any]]) -> list[tuple[int, str, datetime, str, str, Mapping[str, Any]]]:
    parsed: list[tuple[int, str, datetime, str, str, Mapping[str, Any]]] = []
    seen: set[str] = set()
    for index, raw in enumerate(events):
        for required in ("id", "time", "type", "actor"):
            if raw.get(required) in (None, ""):
                raise ValueError(f"event #{index + 1}: missing required field {required!r}")
        event_id = str(raw["id"])
        if event_id in seen:
            raise ValueError(f"event #{index + 1}: duplicate id {event_id!r}")
        seen.add(event_id)
        parsed.append((index, event_id, parse_time(raw["time"]), str(raw["type"]), str(raw["actor"]), raw))
    for index, event_id, _, _, _, raw in parsed:
        ref = raw.get("ref")
        if ref is not None and str(ref) not in seen:
            raise ValueError(f"event {event_id!r} (#{index + 1}): ref {ref!r} names no event in the log")
    return parsed


def evaluate(
    events: Sequence[Mapping[str, Any]],
    as_of: datetime | None = None,
    params: ReferenceParams = DEFAULT_PARAMS,
) -> ReferenceResult:
    """Judge ``events`` (file order) against the example contract at ``as_of``."""
    parsed = _parse_events(events)
    if as_of is not None:
        as_of = parse_time(as_of)
    elif parsed:
        as_of = max(t for _, _, t, _, _, _ in parsed)
    else:
        return ReferenceResult(as_of=None)

    timeline = sorted(
        (
            _Event(
                index=index,
                id=event_id,
                time=time,
                type=event_type,
                actor=actor,
                raw=raw,
                in_term=params.term_start <= time < params.term_end,
                after_as_of=time > as_of,
            )
            for index, event_id, time, event_type, actor, raw in parsed
        ),
        key=_replay_key,
    )
    findings = _Evaluation(timeline, as_of, params).run()
    covered = {event_id for f in findings for event_id in f.events}
    return ReferenceResult(
        as_of=as_of,
        findings=findings,
        uncovered_events=[e.id for e in sorted(timeline, key=_listing_key) if e.live and e.id not in covered],
        out_of_term_events=[e.id for e in sorted(timeline, key=_listing_key) if not e.in_term],
        after_as_of_events=[e.id for e in sorted(timeline, key=_listing_key) if e.in_term and e.after_as_of],
    )


__all__ = [
    "DEFAULT_PARAMS",
    "RefFinding",
    "ReferenceParams",
    "ReferenceResult",
    "evaluate",
    "finding_id",
    "parse_time",
    "to_money",
]
