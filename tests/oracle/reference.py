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
* Periods in days are counted as counsel counts them (decided 2026-11-30): the day of the trigger
  is not counted and the period runs to the end (the last microsecond, UTC) of its last day, so a
  payment at any hour of the 45th day after the report's day is on time (``days_after``).
* Offers are rounds (SPEC §10): only the first accept/decline answering the latest offer within
  its 30-day window counts; a decline or a lapse frees OpenAI for 180 days (the example's
  assumption), after which the contract is ``breach`` / ``offer-stale``. ``lapsed`` also cites the
  first answer that came after the window.
* Consents are bound to their act (SPEC §10): an approval naming the restructuring in ``ref``, or
  the latest approval without ``ref`` before it unless a restructuring strictly between them (in
  time) already used it (``approval-used``, citing the latest such restructuring).

Exact times and typed values (SPEC §10, decided 2026-11-30):

* Times keep their precision: an instant is read exactly as written, to the microsecond, by this
  module's own ISO 8601 reader (not ``datetime.fromisoformat``, which in CPython 3.11 drops the
  fraction of an offset whose hours, minutes and seconds are all zero: ``-00:00:00.5`` would read
  as UTC).  Offsets may carry seconds and a fraction (``+05:30``, ``-00:00:00.5``).  More than six
  fractional digits, in the time or in the offset, are refused (``ValueError``), never truncated.
  A period of N days ends exactly N × 86400 s after the trigger instant, and every "at or
  before" / "after" of docs/semantics.md compares the exact instants.  Equal instants, however
  written, keep file order.
* Values keep their JSON type: a string never equals a number or a boolean whatever its spelling
  (``"34"`` ≠ ``34``, ``"true"`` ≠ ``true``), a boolean is not a number (``true`` ≠ ``1``), numbers
  are equal by value (``1`` = ``1.0`` = ``1E+0``).  Every comparison of event values (``to``,
  ``provider``, ``subject``, ``clause``, ``decision``, ``conditional_on``, list membership in
  ``ip`` and ``exempt``) is typed.  ``id``, ``type``, ``actor`` and ``ref`` must be strings.
* In a list field each distinct typed item is its own instance (``[1, 1.0]`` is one instance,
  ``["1", 1, true]`` three); the contract names strings only, so an item of another type is a
  kind neither in scope nor excluded.  An item that is not a string, number or boolean (null, a
  list, an object) is outside what the reference judges (``ValueError``).
* Finding ids: the instance key of a string is the string itself (so every id of a string
  instance is unchanged), unless it starts with a type tag (``string:``, ``number:``,
  ``boolean:``), in which case it is prefixed with ``string:``; a number is ``number:`` and its
  value in plain decimal notation, normalised (``34.0`` → ``number:34``, ``2.50`` → ``number:2.5``,
  ``1E+2`` → ``number:100``); a boolean is ``boolean:true`` / ``boolean:false``.  So equal typed
  values get one id whatever their spelling, and different ones never share an id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Mapping, Sequence
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
    rofr_free_days: int = 180  # how long a declined or lapsed offer frees the obligor (SPEC §10)
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


def days_after(moment: datetime, days: int) -> datetime:
    """The end (last microsecond) of the UTC day `days` days after the day of `moment`: counsel's
    "within N days after", which does not count the trigger's day and runs to the end of the last."""
    day = moment.astimezone(UTC).date() + timedelta(days=days + 1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(microseconds=1)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RefFinding:
    id: str
    clause: str
    verdict: Verdict
    reason: str
    events: list[str]
    instance: object  # the IP kind as first written in the trigger's list ("" for other clauses)
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

    def verdicts(self) -> list[tuple[str, str, object, str]]:
        """(clause, trigger event id, instance, verdict/reason) — handy in assertions."""
        return [(f.clause, f.events[0], f.instance, f"{f.verdict}/{f.reason}") for f in self.findings]


# --------------------------------------------------------------------------- parsing


_TIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<zone>[Zz]|(?P<sign>[+-])(?P<off_hour>\d{2}):(?P<off_minute>\d{2})"
    r"(?::(?P<off_second>\d{2})(?:\.(?P<off_fraction>\d+))?)?)?)?"
)
MAX_FRACTION_DIGITS = 6


def _micros(fraction: str | None, text: str) -> int:
    if fraction is None:
        return 0
    if len(fraction) > MAX_FRACTION_DIGITS:
        raise ValueError(
            f"time {text!r}: {len(fraction)} fractional digits; at most {MAX_FRACTION_DIGITS} (microseconds) are kept"
        )
    return int(fraction.ljust(MAX_FRACTION_DIGITS, "0"))


def parse_time(value: object) -> datetime:
    """ISO 8601 date (00:00 UTC) or datetime with offset / ``Z``; returned in UTC, exactly.

    A datetime without an offset is read as UTC (for ``as_of`` arguments; the engine refuses such
    event times).  Offsets may have seconds and a fraction; the instant is the local time minus
    the offset, to the microsecond.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str):
        raise TypeError(f"time must be an ISO 8601 string, got {value!r}")
    text = value.strip()
    match = _TIME_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"time {value!r} is not an ISO 8601 date or datetime the reference reads")
    g = match.groupdict()
    local = datetime(
        int(g["year"]), int(g["month"]), int(g["day"]),
        int(g["hour"] or 0), int(g["minute"] or 0), int(g["second"] or 0), _micros(g["fraction"], value),
    )
    offset = timedelta(0)
    if g["sign"] is not None:
        hours, minutes, seconds = int(g["off_hour"]), int(g["off_minute"]), int(g["off_second"] or 0)
        if hours > 23 or minutes > 59 or seconds > 59:
            raise ValueError(f"time {value!r}: offset out of range")
        offset = timedelta(hours=hours, minutes=minutes, seconds=seconds,
                           microseconds=_micros(g["off_fraction"], value))
        if g["sign"] == "-":
            offset = -offset
    return (local - offset).replace(tzinfo=UTC)


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


def _as_decimal(value: int | float | Decimal) -> Decimal:
    """A JSON number's value: a float as the decimal its ``repr`` spells, as JSON text would."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def typed(value: object) -> Hashable:
    """A value's identity with its JSON type kept: equal results ⇔ equal typed values.

    Numbers are ``Decimal`` by value (``Decimal(1) == Decimal("1.0")`` and they hash alike), so
    ``1`` and ``1.0`` are one value; ``bool`` is tested before ``int`` since Python counts it as
    one.
    """
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float, Decimal)):
        return ("number", _as_decimal(value))
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null", None)
    if isinstance(value, (list, tuple)):
        return ("list", tuple(typed(item) for item in value))
    if isinstance(value, Mapping):
        return ("object", tuple(sorted((str(k), typed(v)) for k, v in value.items())))
    raise TypeError(f"not a JSON value: {value!r}")


def same(left: object, right: object) -> bool:
    """Typed equality: ``"34"`` ≠ ``34``, ``true`` ≠ ``1``, ``1`` = ``1.0``."""
    return typed(left) == typed(right)


def contains(items: Sequence[object], value: object) -> bool:
    """Typed membership."""
    wanted = typed(value)
    return any(typed(item) == wanted for item in items)


def _is_scalar(value: object) -> bool:
    return isinstance(value, (str, bool, int, float, Decimal))


def _number_text(value: Decimal) -> str:
    """Plain decimal notation of a number's value: no exponent, no trailing zeros, no ``-0``."""
    if value.is_zero():
        return "0"
    return format(value.normalize(), "f")


_TYPE_TAGS = ("string:", "number:", "boolean:")


def instance_key(value: object) -> str:
    """The instance part of a finding id (see the module docstring): injective on typed values."""
    if isinstance(value, str):
        return "string:" + value if value.startswith(_TYPE_TAGS) else value
    if isinstance(value, bool):
        return "boolean:true" if value else "boolean:false"
    if isinstance(value, (int, float, Decimal)):
        return "number:" + _number_text(_as_decimal(value))
    raise ValueError(f"an instance must be a string, number or boolean, got {value!r}")


def _items(value: object, key: str) -> list[object]:
    """A list field's items, each with its type (a string is split on ``;``, the CSV convention)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if not _is_scalar(item):
            raise ValueError(f"field {key!r}: the reference judges list items of strings, numbers or booleans, not {item!r}")
    return items


def _distinct(items: Sequence[object]) -> list[object]:
    """Each typed value once, first spelling kept, in order."""
    seen: set[Hashable] = set()
    out: list[object] = []
    for item in items:
        identity = typed(item)
        if identity not in seen:
            seen.add(identity)
            out.append(item)
    return out


def _nonempty(value: object) -> bool:
    """``conditions``: a non-empty list (of anything), a non-blank string, any other value but null and false."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return any(part.strip() for part in value.split(";"))
    if isinstance(value, (list, tuple, Mapping)):
        return len(value) > 0
    return True


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
        assert value is None or isinstance(value, str)  # checked by _parse_events
        return value

    def items(self, key: str) -> list[object]:
        return _items(self.raw.get(key), key)

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


def finding_id(clause: str, trigger_id: str, instance: str, duty: int = 0) -> str:
    """`duty` > 0: the second (third…) duty one event sets off in one clause gets its own id."""
    text = f"{clause}\x1f{trigger_id}\x1f{instance}" + (f"\x1f#{duty}" if duty else "")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
        instance: object,
        verdict: Verdict,
        reason: str,
        evidence: Sequence[_Event] = (),
        *,
        deadline: datetime | None = None,
        amount_due: Decimal | None = None,
        shortfall: Decimal | None = None,
        duty: int = 0,
    ) -> None:
        ordered = sorted({e.index: e for e in evidence}.values(), key=_listing_key)
        self.findings.append(
            RefFinding(
                id=finding_id(clause, trigger.id, instance_key(instance), duty),
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
            subject = trigger.get(subject_key)
            for kind in _distinct(trigger.items("ip")):
                self.scoped_instance(clause, trigger, kind, subject)

    def scoped_instance(self, clause: str, trigger: _Event, kind: object, subject: object) -> None:
        p = self.p
        deadline = days_after(trigger.time, p.disclosure_days)
        judged_at = self.judgment_time(deadline)

        def evidence(event_type: str) -> list[_Event]:
            return [
                e
                for e in self.of_type(event_type)
                if e.actor == p.obligor
                and same(e.get("to"), p.beneficiary)
                and e.ref == trigger.id
                and contains(e.items("ip"), kind)
            ]

        def amendments(event_type: str) -> list[_Event]:
            return [
                e
                for e in self.of_type(event_type)
                if e.actor in (p.obligor, p.beneficiary)
                and same(e.get("clause"), clause)
                and subject is not None
                and contains(e.items("exempt"), subject)
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
        kind: object,
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
        # 1 (the contract names strings: a number or boolean is never excluded nor in scope)
        if contains(p.ip_excluded, kind):
            return "ok", "excluded", []
        # 2, 3
        if not contains(p.ip_in_scope, kind):
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
        window_end = days_after(report.time, p.payment_days)
        judged_at = self.judgment_time(window_end)
        payments = [
            e
            for e in self.of_type("revenue_share_payment")
            if e.actor == p.obligor and same(e.get("to"), p.beneficiary) and e.ref == report.id
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
            if contract.actor != p.obligor or same(contract.get("provider"), p.holder):
                continue
            # Judged at the contract's own time, after all events of that same time.
            offers = [
                o
                for o in self.of_type("rofr_offer")
                if o.actor == p.obligor
                and same(o.get("to"), p.holder)
                and same(o.get("provider"), contract.get("provider"))
                and o.time <= contract.time
            ]
            if not offers:
                self.emit(clause, contract, "", "breach", "no-offer")
                continue
            offer = offers[-1]  # latest in replay order
            lapse = days_after(offer.time, p.rofr_days)
            # Offers are rounds (SPEC §10): only an answer to this offer, within its window, counts.
            responses = [
                r
                for r in self.of_type("rofr_response")
                if r.actor == p.holder and r.ref == offer.id and r.time <= contract.time
            ]
            answers = [r for r in responses if r.time <= lapse and contains(["accept", "decline"], r.get("decision"))]
            late = [r for r in responses if r.time > lapse]
            answer = answers[0] if answers else None
            decision = answer.get("decision") if answer is not None else None
            if answer is not None and same(decision, "accept"):
                self.emit(clause, contract, "", "breach", "offer-accepted", [offer, answer], deadline=lapse)
            elif answer is not None and contract.time <= days_after(answer.time, p.rofr_free_days):
                self.emit(clause, contract, "", "ok", "declined", [offer, answer], deadline=lapse)
            elif answer is not None:
                self.emit(clause, contract, "", "breach", "offer-stale", [offer, answer], deadline=lapse)
            elif contract.time > lapse and contract.time <= days_after(lapse, p.rofr_free_days):
                self.emit(clause, contract, "", "ok", "lapsed", [offer, *late[:1]], deadline=lapse)
            elif contract.time > lapse:
                self.emit(clause, contract, "", "breach", "offer-stale", [offer], deadline=lapse)
            else:
                self.emit(clause, contract, "", "breach", "window-open", [offer], deadline=lapse)

    # ---- restructuring-approval (prior-approval)

    def restructuring(self) -> None:
        p = self.p
        clause = p.clause_restructuring
        approvals = [
            a
            for a in self.of_type("approval")
            if a.actor == p.holder and same(a.get("subject"), "restructuring")
        ]
        for event in self.of_type("restructuring", "fundraising"):
            if event.actor != p.obligor:
                continue
            if event.type == "fundraising":
                conditional_on = event.get("conditional_on")
                if same(conditional_on, "restructuring") or (
                    isinstance(conditional_on, list) and contains(conditional_on, "restructuring")
                ):
                    self.emit(clause, event, "", "info", "funding-depends-on-approval", duty=1)
                continue
            # Consents are bound to their act (SPEC §10): one naming the act by ref, or the latest
            # one without ref before it, unless an earlier restructuring already used it.
            named = [a for a in approvals if a.ref == event.id and a.time <= event.time]
            unnamed = [a for a in approvals if a.ref is None and a.time <= event.time]
            after = [a for a in approvals if a.time > event.time and (a.ref is None or a.ref == event.id)]
            prior = unnamed[-1] if unnamed else None
            used_by = [
                r for r in self.of_type("restructuring")
                if r.actor == p.obligor and prior is not None and prior.time <= r.time
                and _listing_key(r) < _listing_key(event) and r.time < event.time
            ]
            if named and _nonempty(named[-1].get("conditions")):
                self.emit(clause, event, "", "grey", "conditional-approval", [named[-1]])
            elif named:
                self.emit(clause, event, "", "ok", "approved", [named[-1]])
            elif prior is not None and not used_by and _nonempty(prior.get("conditions")):
                self.emit(clause, event, "", "grey", "conditional-approval", [prior])
            elif prior is not None and not used_by:
                self.emit(clause, event, "", "ok", "approved", [prior])
            elif prior is not None and not after:
                self.emit(clause, event, "", "breach", "approval-used", [prior, used_by[-1]])
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
            return (order[f.clause], trigger.time, trigger.id, instance_key(f.instance))

        return sorted(self.findings, key=key)


def _parse_events(events: Sequence[Mapping[str, Any]]) -> list[tuple[int, str, datetime, str, str, Mapping[str, Any]]]:
    parsed: list[tuple[int, str, datetime, str, str, Mapping[str, Any]]] = []
    seen: set[str] = set()
    for index, raw in enumerate(events):
        for required in ("id", "time", "type", "actor"):
            if raw.get(required) in (None, ""):
                raise ValueError(f"event #{index + 1}: missing required field {required!r}")
        for name in ("id", "type", "actor", "ref"):
            if raw.get(name) is not None and not isinstance(raw[name], str):
                raise ValueError(f"event #{index + 1}: {name!r} must be a string, got {raw[name]!r}")
        event_id = raw["id"]
        if event_id in seen:
            raise ValueError(f"event #{index + 1}: duplicate id {event_id!r}")
        seen.add(event_id)
        parsed.append((index, event_id, parse_time(raw["time"]), raw["type"], raw["actor"], raw))
    for index, event_id, _, _, _, raw in parsed:
        ref = raw.get("ref")
        if ref is not None and ref not in seen:
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
    "contains",
    "evaluate",
    "finding_id",
    "instance_key",
    "parse_time",
    "same",
    "to_money",
    "typed",
]
