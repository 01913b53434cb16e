"""Clause + rule template → the engine ruleset and the event selectors that feed it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import values
from .contracts import LoadedContract, resolve_parameters
from .expressions import ENGINE_OPERATORS
from .models import Clause, Event, FactSpec, ObligationSpec, RuleTemplate
from .moments import DAY
from .templates import PARAM_IN_PATH_RE, LoadedTemplate

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
    where: list[tuple[str, str, Any]]
    attributes: dict[str, Getter]
    partition: Getter | None
    opens: list[CompiledObligation] = field(default_factory=list)
    is_evidence: bool = False
    # The attribute naming the one trigger event this evidence can ever match (e.g. `ref`),
    # when every join of the role requires `[attribute, ==, obligation.id]`.
    bound_to: str | None = None
    # Fields an event of this role must carry as numbers (an amount due is computed from it,
    # or a measure adds it up): checked once before the replay, never read as 0.
    numbers: list[str] = field(default_factory=list)

    def accepts(self, event: Event) -> bool:
        for name, op, value in self.where:
            actual = event.get(name)
            if op == "==" and not values.same(actual, value):
                return False
            if op == "!=" and values.same(actual, value):
                return False
            if op == "in" and not values.member(actual, value):
                return False
            if op == "not in" and values.member(actual, value):
                return False
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


@dataclass
class CompiledObligation:
    spec: ObligationSpec
    code: int
    deadline_span: int | None  # microseconds after the trigger
    opened_by: str
    index: int = 0  # position in the template's obligations (part of the finding id when > 0)


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
    judge_code: int
    display: dict[str, str] = field(default_factory=dict)


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
        types = resolve_param(spec.types, params)
        where = [(c[0], c[1], resolve_param(c[2], params)) for c in spec.where]
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
            attributes={a: _getter(p, params) for a, p in spec.attributes.items()},
            partition=partition,
        )
        roles[name] = role
        for event_type in types:
            by_type.setdefault(event_type, []).append(role)
    judge_code = intern(prefix + "judge")
    obligations: list[CompiledObligation] = []
    ruleset: dict[str, Any] = {}
    bound: dict[str, set[str]] = {}
    for ob in template.obligations:
        for evidence_role, conds in ob.evidence.items():
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
            opened_by=ob.opened_by,
            index=ob_index,
        )
        obligations.append(compiled)
        roles[ob.opened_by].opens.append(compiled)
        if ob.amount_due is not None:
            roles[ob.opened_by].numbers.append(expand_path(ob.amount_due.of, params))
        for measure in ob.measures.values():
            if measure.sum is not None and measure.of:
                roles[measure.sum].numbers.append(expand_path(measure.of, params))
        for evidence_role, conds in ob.evidence.items():
            role = roles[evidence_role]
            role.is_evidence = True
            terms: list[dict[str, Any]] = [{"r": role.code}]
            if not role.spec.broadcast:
                terms.append({"k": {"o": "k"}})
            terms.extend(_engine_condition(c, params, intern) for c in conds)
            ruleset[f"{ob.name}|{evidence_role}"] = {
                "all": [{"o": {"r": compiled.code}}, {"x": {"$and": terms}}]
            }
        ruleset[f"{ob.name}|judge"] = {
            "all": [{"o": {"r": compiled.code}}, {"j": {"$and": [{"r": judge_code}, {"n": {"o": "n"}}]}}]
        }
    names = {p.id: p.name for p in contract.contract.parties}
    display = {k: names[v] for k, v in params.items() if template.parameters.get(k) and template.parameters[k].type == "party"}
    return CompiledClause(index, clause, template, params, roles, by_type, obligations, ruleset, judge_code, display)
