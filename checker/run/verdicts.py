"""Judging one obligation: measures over its evidence, the template's verdict table, the finding."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from string import Template
from typing import Any

from .. import values
from ..errors import CheckError, shorten
from ..findings import Finding, finding_id
from ..language.compiler import CompiledClause, CompiledObligation, resolve_param
from ..language.expressions import MISSING, ExpressionError, Scope
from ..language.templates import MEASURE_KINDS, PARAM_IN_PATH_RE, PLACEHOLDER_RE
from ..models import Event, MeasureSpec, VerdictRow
from ..moments import DAY, HOUR, MINUTE, SECOND, date_text, micros, moment
from ..read.events import parse_time
from . import measures

Candidate = tuple[Event, Any]


@dataclass
class Obligation:
    """One obligation instance: its trigger, its engine fact and the evidence the engine joined."""

    number: int
    clause: CompiledClause
    compiled: CompiledObligation
    trigger: Event
    item: Any
    attributes: dict[str, Any]
    fact: dict[str, Any]
    partition: int
    deadline: int | None
    deadline_alternative: int | None = None  # the other reading when a month end was rounded
    due: Decimal | None = None
    evidence: dict[str, list[Candidate]] = field(default_factory=dict)
    closed: bool = False
    parked: bool = False  # out of the engine until its judgment at the as-of time
    deref: Callable[[Any], Event | None] | None = None  # event id → event, for `ref_<field>`

    @property
    def instance(self) -> str:
        """The instance as a person reads it (`model_weights`, `34`, `true`)."""
        name = self.compiled.spec.instance
        return "" if name is None else values.display(self.attributes.get(name, ""))

    @property
    def instance_key(self) -> str:
        """The instance with its type kept, for the finding id (`"34"` and `34` differ)."""
        name = self.compiled.spec.instance
        return "" if name is None else values.tagged(self.attributes.get(name, ""))


@dataclass(frozen=True)
class Judgment:
    """One evaluation of an obligation's verdict table; `finding` is None when it stays open."""

    obligation: Obligation
    row: VerdictRow
    names: dict[str, Any]
    now: int
    finding: Finding | None


def _date(epoch: int) -> str:
    return date_text(epoch)


def number_field(event: Event, name: str, needed_by: str, clause: CompiledClause | None = None) -> Decimal:
    """A numeric field of an event, exactly; a missing or non-numeric value is an error, never 0.

    A money field (a parameter of type money_field names it) is in the contract's currency: an
    event whose `currency` names another is converted at the contract's rate, or refused.
    """
    value: Any = event.fields.get(name)
    if values.is_number(value):
        amount = Decimal(value)
        currency = event.fields.get("currency")
        if clause is None or name not in clause.money_fields or currency is None or currency == clause.currency:
            return amount
        rate = clause.rates.get(currency) if isinstance(currency, str) else None
        if rate is None:
            raise CheckError(
                f"event {event.id!r} ({event.type}): {needed_by} reads {name!r} in {clause.currency}, but the event "
                f"is in {shorten(currency)}; give the contract a rate for it (`rates: {{{shorten(currency)[1:-1]}: …}}`)",
                event.file, event.line,
            )
        return amount * Decimal(rate)
    found = "no such field" if value is None else f"a {values.kind(value)}, {shorten(value)}"
    raise CheckError(
        f"event {event.id!r} ({event.type}): {needed_by} needs a number in field {name!r}, found {found}",
        event.file, event.line,
    )


class _ObligationView:
    def __init__(self, ob: Obligation) -> None:
        self.ob = ob


def _lookup_factory(ob: Obligation) -> Any:
    def lookup(value: Any, name: str) -> Any:
        if isinstance(value, _ObligationView):
            if name in value.ob.attributes:
                return value.ob.attributes[name]
            return _event_attr(value.ob.trigger, name, ob)
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Event):
            if name == "item":
                return value[1]
            return _event_attr(value[0], name, ob)
        return MISSING

    return lookup


def _event_attr(event: Event, name: str, ob: Obligation) -> Any:
    if name == "time":
        return event.epoch
    if name == "date":
        return event.time.date().isoformat()
    if name == "days_after":
        return (event.epoch - ob.trigger.epoch) // DAY
    if name == "days_before":
        return (ob.trigger.epoch - event.epoch) // DAY
    if name.startswith("ref_") and ob.deref is not None:
        # `ref_<field>`: a field of the event this one names in `ref` (ref_type: what it answers).
        target = ob.deref(event.fields.get("ref"))
        return MISSING if target is None else _event_attr(target, name[4:], ob)
    if name.endswith("_time") and name != "time":
        # `<field>_time`: a time written in a field (an agreed delivery date, a period start), as
        # exact microseconds to compare and compute with.
        raw = event.get(name[: -len("_time")])
        if isinstance(raw, str):
            try:
                return micros(parse_time(raw))
            except ValueError:
                return MISSING
    if name == "late_by":
        return "(no deadline)" if ob.deadline is None else lateness_text(event.epoch, ob.deadline)
    if name == "early_by":
        return "(no deadline)" if ob.deadline is None else earliness_text(event.epoch, ob.deadline)
    value = event.get(name)
    if name in ob.clause.money_fields and values.is_number(value):
        return number_field(event, name, f"clause {ob.clause.clause.id!r}", ob.clause)
    return MISSING if value is None else value


def _whole_day(deadline: int) -> bool:
    """A deadline counted in days ends at the last microsecond of its day (docs/semantics.md)."""
    return (deadline + 1) % DAY == 0


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def lateness_text(at: int, deadline: int) -> str:
    """How late an act is. Against a deadline counted in days, in days as counsel counts them:
    due on 31 March, done on 15 April (at any hour) is 15 days late, not "14 days and less than
    a second" after the deadline's last microsecond. Against a deadline in hours or minutes,
    the exact span."""
    if _whole_day(deadline) and at > deadline:
        return _days((at - (deadline + 1)) // DAY + 1)
    return span_text(at - deadline)


def earliness_text(at: int, deadline: int) -> str:
    """How early an act is; against a deadline counted in days, the days before the due day
    (done on 1 July, due on 3 July: 2 days early; done on the due day: 0 days)."""
    if _whole_day(deadline) and at <= deadline:
        return _days((deadline + 1) // DAY - 1 - at // DAY)
    return span_text(deadline - at)


def span_text(span: int) -> str:
    """A duration as counsel reads it: 3 days, 4 hours and 10 minutes; 0.5 seconds."""
    if span <= 0:
        return "0 seconds"
    parts: list[str] = []
    for size, unit in ((DAY, "day"), (HOUR, "hour"), (MINUTE, "minute")):
        count, span = divmod(span, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    if span and not parts:
        seconds = Decimal(span) / Decimal(SECOND)
        parts.append(f"{values.number_text(seconds)} second{'s' if seconds != 1 else ''}")
    elif span:
        parts.append(f"{span // SECOND} seconds" if span >= SECOND else "less than a second")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _sorted(cands: list[Candidate]) -> list[Candidate]:
    return sorted(cands, key=lambda c: (c[0].time, c[0].seq))


def judge(ob: Obligation, now: int, as_of: int) -> tuple[VerdictRow, dict[str, Any]]:
    """Evaluate measures and pick the first verdict row whose conditions hold."""
    # Sums and differences of money stay exact: amounts are bounded far below 100 digits.
    with localcontext(prec=100):
        try:
            return _judge(ob, now, as_of)
        except (ExpressionError, TypeError, ArithmeticError) as exc:
            raise CheckError(
                f"clause {ob.clause.clause.id!r}: {exc} (judging {ob.trigger.type} {ob.trigger.id!r})",
                ob.trigger.file, ob.trigger.line,
            ) from None


def _judge(ob: Obligation, now: int, as_of: int) -> tuple[VerdictRow, dict[str, Any]]:
    spec = ob.compiled.spec
    params = ob.clause.params
    lookup = _lookup_factory(ob)
    names: dict[str, Any] = {
        "obligation": _ObligationView(ob),
        "trigger": ob.trigger,
        "now": now,
        "as_of": as_of,
        "deadline": MISSING if ob.deadline is None else ob.deadline,
        # The rounded-up reading of a deadline that fell on a missing month day (31 Jan + 1
        # month): rows compare with it to mark a verdict that depends on the rounding as grey.
        "deadline_alt": MISSING if ob.deadline is None else (ob.deadline_alternative or ob.deadline),
        "due": MISSING if ob.due is None else ob.due,
    }
    ordered: dict[str, list[Candidate]] = {}
    for name, measure in spec.measures.items():
        if measure.minus is not None or measure.compute is not None:
            scope = Scope(params, names, lookup)
            operand = measure.compute if measure.compute is not None else {"minus": measure.minus}
            names[name] = scope.value(operand)
            continue
        kind, role = _measure_kind(measure)
        chosen: list[Candidate] = []
        candidates = ordered.get(role)
        if candidates is None:
            candidates = ordered[role] = _sorted(ob.evidence.get(role, []))
        if not measure.where:
            chosen = candidates
        elif _plain(ob, name, measure, names):
            local = dict(names)
            current_event: list[Event] = []
            scope = Scope(params, local, lookup, field=lambda n: _event_attr(current_event[0], n, ob))  # noqa: B023

            def bind(cand: Candidate) -> None:
                current_event[:] = [cand[0]]  # noqa: B023
                local["time"], local["id"], local["item"] = cand[0].epoch, cand[0].id, cand[1]  # noqa: B023

            picked = measures.pick(kind, measure.where, candidates, scope, local, bind,
                                   lambda event, n: _event_attr(event, n, ob))
            if kind in ("first", "last"):
                names[name] = picked
                continue
            chosen = picked
        else:
            local = dict(names)
            current: list[Event] = []
            # One scope for all candidates: `current` is rebound below, so the lambda sees each in turn.
            scope = Scope(params, local, lookup, field=lambda n: _event_attr(current[0], n, ob))  # noqa: B023
            for cand in candidates:
                current[:] = [cand[0]]
                local["time"], local["id"], local["item"] = cand[0].epoch, cand[0].id, cand[1]
                if scope.all(measure.where):
                    chosen.append(cand)
        if kind == "first":
            names[name] = chosen[0] if chosen else MISSING
        elif kind == "last":
            names[name] = chosen[-1] if chosen else MISSING
        elif kind == "all":
            names[name] = chosen
        elif kind == "count":
            names[name] = Decimal(len(chosen))
            names[f"{name}__events"] = chosen
        else:
            path = PARAM_IN_PATH_RE.sub(lambda m: str(params[m.group(1)]), measure.of or "")
            amounts = [number_field(event, path, f"clause {ob.clause.clause.id!r}", ob.clause) for event, _item in chosen
                       if not (measure.optional and event.fields.get(path) is None)]
            if kind == "sum":
                names[name] = sum(amounts, Decimal(0))
            else:
                names[name] = (min if kind == "min" else max)(amounts) if amounts else MISSING
            names[f"{name}__events"] = chosen
    scope = make_scope(ob, names)
    for row in spec.verdicts:
        try:
            if scope.all(row.when):
                return row, names
        except ExpressionError as exc:
            raise CheckError(
                f"clause {ob.clause.clause.id!r}: {exc} (judging {ob.trigger.type} {ob.trigger.id!r})",
                ob.trigger.file, ob.trigger.line,
            ) from None
    raise AssertionError("the last verdict row has no conditions")  # guaranteed at load


def _plain(ob: Obligation, name: str, measure: MeasureSpec, names: dict[str, Any]) -> bool:
    """Whether a measure's `where` may skip candidates (checker/run/measures.py), once per form."""
    if not measures.FAST:
        return False
    has_time = "time" in ob.attributes
    known = ob.compiled.plain_where.get((name, has_time))
    if known is None:
        spec = ob.compiled.spec
        known = measures.plain(measure.where, {*names, *measures.PER_CANDIDATE}, spec.measures, ob.clause.params,
                               ob.clause.money_fields, has_time)
        ob.compiled.plain_where[(name, has_time)] = known
    return known


def make_scope(ob: Obligation, names: dict[str, Any]) -> Scope:
    """The scope verdict rows are evaluated in (also used by explain to show why rows failed)."""
    return Scope(ob.clause.params, names, _lookup_factory(ob))


def _measure_kind(measure: MeasureSpec) -> tuple[str, str]:
    for kind in MEASURE_KINDS:
        role = getattr(measure, kind)
        if role is not None:
            return kind, role
    raise AssertionError("a measure has a kind (checked when the template is loaded)")


def _render(value: Any) -> str:
    if value is MISSING or value is None:
        return "(none)"
    if isinstance(value, Decimal):
        # Never normalize(): it rounds to the 28-digit context; whole amounts print without ".0",
        # others with the digits they were written or computed with (1,000,000.50).
        return f"{value.to_integral_value():,f}" if value == value.to_integral_value() else f"{value:,f}"
    if isinstance(value, (tuple, list)):
        return ", ".join(_render(v) for v in value)
    if isinstance(value, (str, bool, int)) or value is None:
        return values.display(value)
    return str(value)


class _Placeholders(Template):
    idpattern = r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?"


def render_message(ob: Obligation, text: str, names: dict[str, Any], now: int, extra: dict[str, Any] | None = None) -> str:
    """A message's ${placeholders} filled in; codes shown with the contract's labels."""
    clause = ob.clause
    lookup = _lookup_factory(ob)
    labels = clause.labels
    builtins: dict[str, Any] = {
        "trigger_type": ob.trigger.fields.get("what", "") if ob.trigger.type.startswith("@")
        else ob.trigger.type.replace("_", " "),
        "trigger_date": ob.trigger.time.date().isoformat(),
        "trigger_id": ob.trigger.id,
        "trigger_actor": clause.party_names.get(ob.trigger.actor, ob.trigger.actor),
        "deadline_date": "(none)" if ob.deadline is None else _date(ob.deadline),
        "now_date": _date(now),
        "due": ob.due,
        "clause": clause.clause.id,
        "instance": ob.instance,
        "currency": clause.currency,
        **(extra or {}),
    }

    def show(value: Any) -> str:
        if isinstance(value, str):
            return labels.get(value) or value
        if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
            return ", ".join(labels.get(v) or v for v in value)
        return _render(value)

    def resolve(key: str) -> str:
        root, _, attr = key.partition(".")
        if root in names and root not in ("obligation",):
            value = names[root]
            found = lookup(value, attr) if attr else value
            if attr == "actor" and isinstance(found, str):  # a party's id reads as its name
                found = clause.party_names.get(found, found)
            return show(found)
        if root in builtins:
            return show(builtins[root])
        if root in ob.attributes and ob.attributes[root] is not None:
            return show(ob.attributes[root])
        if root in clause.params:
            return show(clause.display.get(root, clause.params[root]))
        return show(_event_attr(ob.trigger, root, ob))

    template, keys = _message_template(text)
    return template.safe_substitute({key: resolve(key) for key in keys})


def make_finding(ob: Obligation, row: VerdictRow, names: dict[str, Any], now: int) -> Finding:
    clause = ob.clause
    message = render_message(ob, clause.clause.messages.get(row.reason, row.message), names, now)
    cited: list[Event] = []
    for name in row.evidence:
        value = names.get(f"{name}__events", names.get(name, MISSING))
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, tuple) and item[0] not in cited and item[0] is not ob.trigger:
                cited.append(item[0])
    cited.sort(key=lambda e: (e.time, e.id))
    values = {k: v for k, v in names.items() if isinstance(v, (Decimal, int)) and not k.endswith("__events")}
    plain_form = ob.compiled.spec.deadline is None
    return Finding(
        id=finding_id(clause.clause.id, ob.trigger.id, ob.instance_key, ob.compiled.index),
        clause=clause.clause.id,
        rule=clause.template.id,
        verdict=row.verdict,
        reason=row.reason,
        severity=clause.clause.severity,
        message=message,
        events=[ob.trigger, *cited],
        time=ob.trigger.time,
        due=None if ob.deadline is None or (plain_form and not ob.compiled.deadline_span) else moment(ob.deadline),
        instance=ob.instance,
        obligation=ob.compiled.spec.name,
        values=values,
        row=next((i for i, r in enumerate(ob.compiled.spec.verdicts) if r is row), -1),
        settled=row.final and ob.deadline is not None and now == ob.deadline,
        doc=" ".join(row.doc.split()),
    )


def make_power_finding(ob: Obligation, row: VerdictRow, names: dict[str, Any], now: int) -> Finding:
    """The right a verdict gives a party (to terminate, to claim damages), as an info finding."""
    assert row.power is not None
    power = row.power
    holder = resolve_param(power.holder, ob.clause.params)
    holder_name = ob.clause.party_names.get(holder, holder)
    message = render_message(ob, power.message, names, now, {"holder": holder_name})
    finding = make_finding(ob, row, names, now)
    finding.id = finding_id(ob.clause.clause.id, ob.trigger.id, ob.instance_key + f"#power:{power.name}", ob.compiled.index)
    finding.verdict, finding.reason, finding.message = "info", power.name, message
    finding.due, finding.settled, finding.row = None, True, -1
    finding.obligation = f"{ob.compiled.spec.name}/{power.name}"
    return finding


DISCHARGED = "discharged"


def discharged_row(by_clause: str) -> VerdictRow:
    return VerdictRow(
        when=[], verdict="ok", reason=DISCHARGED, final=True,
        message="Discharged: the contract was terminated on ${now_date}"
                + (f" (clause {by_clause})" if by_clause else "")
                + " while this duty was still open (due ${deadline_date}).",
        doc="The contract ended before the duty fell due; termination discharges what was still open.",
    )


@functools.lru_cache(maxsize=1024)
def _message_template(message: str) -> tuple[_Placeholders, tuple[str, ...]]:
    """Each verdict row's message is parsed once."""
    return _Placeholders(message), tuple(PLACEHOLDER_RE.findall(message))


UNREADABLE_REASON = "evidence-unreadable"


def mark_unreadable(findings: list[Finding], skipped: list[Any], listeners: dict[str, set[str]]) -> None:
    """Under --lenient, a verdict that a skipped line might have changed becomes grey.

    A skipped record whose `ref` (or `id`) names one of a finding's events may have been its
    evidence. A record whose `type` is still readable may have been evidence for any obligation
    of a clause that listens to that type (`listeners`: event type → clause ids) — an offer or an
    approval needs no `ref` to cure a breach. A line too broken to tell what it was could have
    been anything, so it marks every verdict but `info`.
    """
    if not skipped:
        return
    targeted: dict[str, list[Any]] = {}
    by_clause: dict[str, list[Any]] = {}
    blind: list[Any] = []
    for line in skipped:
        record = line.record if isinstance(line.record, dict) else {}
        keys: list[str] = [v for v in (record.get("ref"), record.get("id")) if isinstance(v, str)]
        for key in keys:
            targeted.setdefault(key, []).append(line)
        kind = record.get("type")
        if isinstance(kind, str):
            for clause in listeners.get(kind, ()):
                by_clause.setdefault(clause, []).append(line)
        elif not keys:
            blind.append(line)
    for finding in findings:
        if finding.verdict == "info":
            continue
        lines = [line for event in finding.events for line in targeted.get(event.id, [])]
        lines.extend(line for line in by_clause.get(finding.clause, ()) if line not in lines)
        lines.extend(blind)
        if not lines:
            continue
        where = "; ".join(f"{s.file}:{s.line}" for s in lines[:5]) + (" …" if len(lines) > 5 else "")
        finding.message = (
            f"Evidence unreadable ({where}): the verdict would otherwise be {finding.verdict} "
            f"({finding.reason}): {finding.message}"
        )
        finding.verdict = "grey"
        finding.reason = UNREADABLE_REASON
