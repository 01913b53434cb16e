"""Clause + rule template → the engine ruleset and the event selectors that feed it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import values
from ..errors import CheckError
from ..models import Clause, Event, FactSpec, ObligationSpec, RuleTemplate
from ..moments import DAY, micros, micros_of_date
from ..read.events import parse_time
from .calendars import Deadline, Duration, add, parse_duration
from .contracts import LoadedContract, resolve_parameters, to_decimal
from .expressions import ENGINE_OPERATORS, MISSING, ExpressionError, Scope
from .templates import PARAM_IN_PATH_RE, SYNTHETIC_FIELDS, LoadedTemplate

Deref = Callable[[str], Event | None]
Getter = Callable[[Event, Any, Deref], Any]


class Interner:
    """Typed values → small ints, so the engine only ever compares integers (no loose typing).

    Every value the engine compares for equality goes through here, keyed by `values.key`:
    `"34"`, `34` and `true` get different codes; `1` and `1.0` the same one.
    """

    def __init__(self) -> None:
        self.codes: dict[Any, int] = {}

    def __call__(self, value: Any) -> int:
        key = values.key(value)
        code = self.codes.get(key)
        if code is None:
            code = len(self.codes) + 1
            self.codes[key] = code
        return code


def expand_path(path: str, params: dict[str, Any]) -> str:
    """A field path with its `{parameter}` parts replaced by the clause's values."""
    return PARAM_IN_PATH_RE.sub(lambda m: str(params[m.group(1)]), path)


def _getter(path: str, params: dict[str, Any]) -> Getter:
    path = expand_path(path, params)
    if path == "item":
        return lambda event, item, deref: item
    if path.startswith("ref->"):
        name = path[5:]

        def via_ref(event: Event, item: Any, deref: Deref) -> Any:
            ref = event.fields.get("ref")
            target = deref(ref) if isinstance(ref, str) else None
            return None if target is None else target.get(name)

        return via_ref
    return lambda event, item, deref: event.get(path)


@dataclass
class FactRole:
    """One way an event becomes engine facts for a clause."""

    name: str
    code: int
    spec: FactSpec
    where: list[Any]
    attributes: dict[str, Getter]
    partition: Getter | None
    params: dict[str, Any] = field(default_factory=dict)
    # The synthetic event type of a role fed by dates or calendar periods instead of the log.
    synthetic: str | None = None

    @property
    def synthetic_types(self) -> list[str]:
        return [] if self.synthetic is None else [self.synthetic]
    opens: list[CompiledObligation] = field(default_factory=list)
    is_evidence: bool = False
    # The attribute naming the one trigger event this evidence can ever match (e.g. `ref`),
    # when every join of the role requires `[attribute, ==, obligation.id]`.
    bound_to: str | None = None
    # Fields an event of this role must carry as numbers (an amount due is computed from it,
    # or a measure adds it up): checked once before the replay, never read as 0.
    numbers: list[str] = field(default_factory=list)

    def accepts(self, event: Event) -> bool:
        for cond in self.where:
            if isinstance(cond, tuple):
                name, op, value = cond
                actual = event.get(name)
                if op == "==" and not values.same(actual, value):
                    return False
                if op == "!=" and values.same(actual, value):
                    return False
                if op == "in" and not values.member(actual, value):
                    return False
                if op == "not in" and values.member(actual, value):
                    return False
            else:
                try:
                    if not event_scope(event, self.params).test(cond):
                        return False
                except ExpressionError as exc:
                    raise CheckError(f"event {event.id!r}: {exc} (a condition on the {self.name} of a clause)",
                                     event.file, event.line) from None
        return True

    def items(self, event: Event) -> list[Any]:
        """One per distinct typed scalar of the `each` list (linear; lists are bounded by limits.py)."""
        if self.spec.each is None:
            return [None]
        value = event.fields.get(self.spec.each)
        if value is None:
            return []
        if isinstance(value, list):
            return values.distinct(v for v in value if v is not None and not isinstance(v, (list, dict)))
        return [] if isinstance(value, dict) else [value]


def event_scope(event: Event, params: dict[str, Any]) -> Scope:
    """Conditions on one event: bare names are its fields, `$name` the clause's parameters."""

    def field_value(name: str) -> Any:
        value = event.get(name)
        return MISSING if value is None else value

    return Scope(params, {}, lambda value, name: MISSING, field=field_value)


SIMPLE_FILTERS = ("==", "!=", "in", "not in")


def _as_time(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return micros_of_date(value)
    if isinstance(value, str) and not value.startswith("$") and value[:1].isdigit():
        try:
            return micros(parse_time(value))
        except ValueError:
            return value
    return value


def expand_conditions(conds: list[Any] | tuple[Any, ...], params: dict[str, Any]) -> list[Any]:
    """`$name` entries (parameters of type conditions) spliced in; simple filters as tuples."""
    out: list[Any] = []
    for cond in conds:
        if isinstance(cond, str) and cond.startswith("$"):
            out.extend(expand_conditions(params[cond[1:]], params))
        elif isinstance(cond, list) and len(cond) == 3 and cond[1] in SIMPLE_FILTERS and isinstance(cond[0], str) \
                and not isinstance(cond[2], dict):
            out.append((expand_path(cond[0], params), cond[1], resolve_param(cond[2], params)))
        elif isinstance(cond, list) and len(cond) == 3 and cond[0] == "time":
            # A time compared with a date or a time written in the clause: as exact microseconds.
            out.append(["time", cond[1], _as_time(resolve_param(cond[2], params))])
        else:
            out.append(cond)
    return out


@dataclass
class CompiledObligation:
    spec: ObligationSpec
    code: int
    deadline_span: int | None  # microseconds after the trigger (the plain `deadline_days` form)
    opened_by: str
    index: int = 0  # position in the template's obligations (part of the finding id when > 0)
    # When the duty falls due for a trigger (None: no deadline; judged at the as-of time).
    deadline: Callable[[Event], Deadline | None] | None = None
    has_deadline: bool = False
    # Whether any evidence joins this obligation: one that joins none never enters the engine.
    joins: bool = False
    # Whether, judged open until the as-of time, it may wait outside the engine and join its
    # evidence again then (checker/run/clauserun.py): not when a role it joins keeps only the latest
    # facts, since a fact dropped meanwhile would be missing from that second join.
    parkable: bool = False
    # Per (measure, obligation has a `time` attribute): whether its `where` may skip candidates
    # (checker/run/measures.py); worked out at the first judgment.
    plain_where: dict[tuple[str, bool], bool] = field(default_factory=dict)


@dataclass
class CompiledClause:
    index: int
    clause: Clause
    template: RuleTemplate
    params: dict[str, Any]
    roles: dict[str, FactRole]
    by_type: dict[str, list[FactRole]]
    obligations: list[CompiledObligation]
    ruleset: dict[str, Any]
    display: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    party_names: dict[str, str] = field(default_factory=dict)
    # Event fields this clause reads as money (parameters of type money_field), the contract's
    # currency and its conversion rates.
    money_fields: frozenset[str] = frozenset()
    currency: str = "USD"
    rates: dict[str, Any] = field(default_factory=dict)


def _attributes(fact: FactSpec, params: dict[str, Any]) -> dict[str, Getter]:
    getters: dict[str, Getter] = {}
    for spec in fact.attributes if isinstance(fact.attributes, list) else [fact.attributes]:
        if isinstance(spec, str):  # a $parameter listing field names: each is an attribute
            getters.update({name: _getter(name, params) for name in params[spec[1:]]})
        else:
            getters.update({a: _getter(p, params) for a, p in spec.items()})
    if fact.types is None:
        for name in SYNTHETIC_FIELDS:
            getters.setdefault(name, _getter(name, params))
    return getters


def opened_roles(ob: ObligationSpec) -> list[str]:
    return [ob.opened_by] if isinstance(ob.opened_by, str) else list(ob.opened_by)


def _expand_joins(conds: list[Any], params: dict[str, Any]) -> list[list[Any]]:
    """A `$name` entry (fields listed by the clause) joins each field with the obligation's;
    `ref` among them means the evidence names the trigger in its `ref`."""
    out: list[list[Any]] = []
    for cond in conds:
        if isinstance(cond, str):
            out.extend(["ref", "==", "obligation.id"] if name == "ref" else [name, "==", f"obligation.{name}"]
                       for name in params[cond[1:]])
        else:
            out.append(cond)
    return out


def _duration(value: Any, params: dict[str, Any]) -> Duration:
    value = resolve_param(value, params)
    if isinstance(value, Duration):
        return value
    if isinstance(value, int):
        return Duration(value, "days")
    return parse_duration(value)


def _deadline(
    ob: ObligationSpec, params: dict[str, Any], contract: LoadedContract, clause_id: str
) -> Callable[[Event], Deadline | None] | None:
    """The due time of one trigger, by the rules of checker/language/calendars.py (a business-day
    deadline has its calendar: checked when the contract is loaded)."""
    calendar = contract.contract.calendar
    if ob.deadline is None:
        days = resolve_param(ob.deadline_days, params)
        if days is None:
            return None
        count = int(days)
        if count == 0:  # judged at the act itself
            return lambda event: Deadline(event.epoch)
        return lambda event: add(_counting_start(event), Duration(count, "days"))
    spec = ob.deadline
    within = None if spec.within is None else _duration(spec.within, params)
    anchor = spec.at or spec.after or spec.before
    anchor_field = None if anchor is None else expand_path(anchor, params)
    sign = -1 if spec.before is not None else 1

    def due(event: Event) -> Deadline | None:
        start = _counting_start(event)
        if anchor_field is not None:
            raw = event.get(anchor_field)
            if raw is None:
                return None
            try:
                start = raw if isinstance(raw, int) and anchor_field == "time" else micros(parse_time(raw))
            except ValueError as exc:
                raise CheckError(f"event {event.id!r}: field {anchor_field!r} must be a time for clause "
                                 f"{clause_id!r}: {exc}", event.file, event.line) from None
        if within is None:
            return Deadline(start)
        return add(start, Duration(sign * within.amount, within.unit), calendar)

    return due


def _counting_start(event: Event) -> int:
    """Where a period "after" the trigger starts counting: its day — or, for the end of a calendar
    period, the period's last day (a quarter ends on 30 September, not on 1 October)."""
    if event.type.startswith("@") and "period_end" in event.fields and event.fields.get("what", "").startswith("end"):
        return micros_of_date(dt.date.fromisoformat(event.fields["period_end"]))
    return event.epoch


def attr_field(name: str) -> str:
    return {"time": "t", "id": "i"}.get(name, "a_" + name)


def _engine_value(value: Any, params: dict[str, Any], intern: Interner) -> Any:
    """A join operand: an obligation attribute, time arithmetic, or a typed constant's code."""
    if isinstance(value, dict):
        fn, args = next(iter(value.items()))
        if fn == "days":
            return int(resolve_param(args, params)) * DAY
        op = "$add" if fn == "plus" else "$sub"
        left, right = (_engine_value(a, params, intern) for a in args)
        return {op: {"$l": left, "$r": right}}
    if isinstance(value, str) and value.startswith("obligation."):
        return {"o": attr_field(value.split(".", 1)[1])}
    return intern(resolve_param(value, params))


def _engine_condition(cond: list[Any], params: dict[str, Any], intern: Interner) -> dict[str, Any]:
    lhs, op, rhs = cond
    key = attr_field(lhs)
    value = _engine_value(rhs, params, intern)
    engine_op = ENGINE_OPERATORS[op]
    return {key: value} if engine_op is None else {engine_op: {key: value}}


def resolve_param(value: Any, params: dict[str, Any]) -> Any:
    """A `$name` reference replaced by the clause's parameter value; anything else as it is."""
    if isinstance(value, str) and value.startswith("$"):
        return params[value[1:]]
    if isinstance(value, list):  # [$debtor, $creditor]
        return [resolve_param(v, params) for v in value]
    return value


def compile_clause(
    contract: LoadedContract, index: int, loaded: LoadedTemplate, intern: Interner
) -> CompiledClause:
    clause = contract.contract.clauses[index]
    template = loaded.template
    params = resolve_parameters(contract, index, clause, loaded)
    prefix = f"{clause.id}/"
    roles: dict[str, FactRole] = {}
    by_type: dict[str, list[FactRole]] = {}
    for name, spec in template.facts.items():
        synthetic = None
        if spec.types is None:
            synthetic = f"@{clause.id}/{name}"
            types = [synthetic]
        else:
            types = resolve_param(spec.types, params)
        where = expand_conditions(spec.where, params)
        partition: Getter | None = None
        if spec.partition is not None:
            if spec.partition.startswith("$"):
                constant = params[spec.partition[1:]]
                partition = lambda event, item, deref, constant=constant: constant  # noqa: E731
            else:
                partition = _getter(spec.partition, params)
        role = FactRole(
            name=name,
            code=intern(prefix + "role:" + name),
            spec=spec,
            where=where,
            attributes=_attributes(spec, params),
            partition=partition,
            params=params,
            synthetic=synthetic,
        )
        roles[name] = role
        for event_type in types:
            by_type.setdefault(event_type, []).append(role)
    judge_code = intern(prefix + "judge")
    obligations: list[CompiledObligation] = []
    ruleset: dict[str, Any] = {}
    bound: dict[str, set[str]] = {}
    joins = {ob.name: {role: _expand_joins(conds, params) for role, conds in ob.evidence.items()}
             for ob in template.obligations}
    for ob in template.obligations:
        for evidence_role, conds in joins[ob.name].items():
            ids = {c[0] for c in conds if c[1] == "==" and c[2] == "obligation.id" and c[0] != "id"}
            bound[evidence_role] = bound.get(evidence_role, ids) & ids
    for role_name, attrs in bound.items():
        roles[role_name].bound_to = min(attrs) if attrs else None
    for ob_index, ob in enumerate(template.obligations):
        deadline = resolve_param(ob.deadline_days, params)
        compiled = CompiledObligation(
            spec=ob,
            code=intern(prefix + "obligation:" + ob.name),
            deadline_span=None if deadline is None else int(deadline) * DAY,
            opened_by=opened_roles(ob)[0],
            index=ob_index,
            deadline=_deadline(ob, params, contract, clause.id),
            has_deadline=ob.deadline is not None or deadline is not None,
            joins=bool(ob.evidence),
            parkable=bool(ob.evidence) and all(roles[r].spec.keep != "latest" for r in ob.evidence),
        )
        obligations.append(compiled)
        for opener in opened_roles(ob):
            roles[opener].opens.append(compiled)
            if ob.amount_due is not None:
                roles[opener].numbers.append(expand_path(ob.amount_due.of, params))
        for measure in ob.measures.values():
            for measured in (measure.sum, measure.min, measure.max):
                if measured is not None and measure.of and not measure.optional:
                    roles[measured].numbers.append(expand_path(measure.of, params))
        for evidence_role, conds in joins[ob.name].items():
            role = roles[evidence_role]
            role.is_evidence = True
            terms: list[dict[str, Any]] = [{"r": role.code}]
            if not role.spec.broadcast:
                terms.append({"k": {"o": "k"}})
            terms.extend(_engine_condition(c, params, intern) for c in conds)
            ruleset[f"{ob.name}|{evidence_role}"] = {
                "all": [{"o": {"r": compiled.code}}, {"x": {"$and": terms}}]
            }
        # Judgments run from a heap in Python and no judge fact is ever asserted, but the rule
        # stays: without it durable-rules crashed (a segmentation fault in assert_fact, seen when
        # tests/test_engine_order.py ran with tests/test_jobs.py; cause not found).
        ruleset[f"{ob.name}|judge"] = {
            "all": [{"o": {"r": compiled.code}}, {"j": {"$and": [{"r": judge_code}, {"n": {"o": "n"}}]}}]
        }
    names = {p.id: p.name for p in contract.contract.parties}
    display = {k: names[v] for k, v in params.items() if template.parameters.get(k) and template.parameters[k].type == "party"}
    money = frozenset(str(params[k]) for k, spec in template.parameters.items() if spec.type == "money_field")
    rates = {code: to_decimal(rate) for code, rate in contract.contract.rates.items()}
    return CompiledClause(index, clause, template, params, roles, by_type, obligations, ruleset, display,
                          dict(contract.contract.labels), names, money, contract.contract.currency, rates)
