"""The small condition language of rule templates: checked at load, evaluated without eval()."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .. import values
from ..moments import DAY
from .arithmetic import NO_VALUE, NUMERIC, ArithmeticError_, apply, balance_after
from .calendars import Duration, add, period_start_of


class ExpressionError(ValueError):
    """A malformed condition or operand; the message says which and why."""


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """Order only numbers with numbers, text with text, dates with dates (never `"500" > 10`,
    never `true < 2`)."""

    def checked(a: Any, b: Any) -> bool:
        kind_a, kind_b = values.kind(a), values.kind(b)
        if kind_a != kind_b or kind_a not in (values.NUMBER, values.STRING, values.DATE):
            raise ExpressionError(f"cannot order {kind_a} {values.display(a)!r} against {kind_b} {values.display(b)!r}")
        return compare(a, b)

    return checked


def _within(a: Any, b: Any) -> bool:
    if not isinstance(b, (list, tuple)):
        raise ExpressionError(f"'in' needs a list on its right, got {values.kind(b)} {values.display(b)!r}")
    return values.member(a, b)


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": values.same,
    "!=": lambda a, b: not values.same(a, b),
    "<": _ordered(lambda a, b: bool(a < b)),
    "<=": _ordered(lambda a, b: bool(a <= b)),
    ">": _ordered(lambda a, b: bool(a > b)),
    ">=": _ordered(lambda a, b: bool(a >= b)),
    "in": _within,
    "not in": lambda a, b: not _within(a, b),
    "between": lambda a, b: _range(a, b),
    "outside": lambda a, b: not _range(a, b),
}
LOGIC = ("any", "all", "not")
PATH_PARAM_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _range(a: Any, b: Any) -> bool:
    """Inclusive range `[low, high]` (a reading of 2 °C is inside 2–8 °C)."""
    if not isinstance(b, (list, tuple)) or len(b) != 2:
        raise ExpressionError(f"'between' needs [low, high] on its right, got {values.display(b)!r}")
    low, high = b
    return bool(_ordered(lambda x, y: bool(x <= y))(low, a) and _ordered(lambda x, y: bool(x <= y))(a, high))
ENGINE_OPERATORS = {"==": None, "!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
REF_RE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
FUNCTIONS = ("plus", "minus", "days", "add", "sub", "either", "if", "period_start", "balance_after", *NUMERIC)
TESTS = ("exists", "missing", "nonempty", "trigger")


class Missing:
    """The value of a measure that found nothing: every comparison with it is false."""

    def __repr__(self) -> str:
        return "missing"


MISSING = Missing()


def is_reference(value: Any, roots: set[str]) -> bool:
    if not isinstance(value, str):
        return False
    if value.startswith("$"):
        return True
    return bool(REF_RE.match(value)) and value.split(".", 1)[0] in roots


def check_operand(value: Any, roots: set[str], params: set[str], where: str) -> None:
    """Refuse unknown aliases, parameters and functions when a template is loaded."""
    if isinstance(value, dict):
        if len(value) != 1 or next(iter(value)) not in FUNCTIONS:
            raise ExpressionError(f"{where}: unknown function {shorten_keys(value)}; known: {', '.join(FUNCTIONS)}")
        name, args = next(iter(value.items()))
        if name == "days":
            check_operand(args, roots, params, where)
            return
        least = 1 if name in ("min", "max", "either") else 2
        fixed = {"if": 3, "balance_after": 4}.get(name, 2)
        if not isinstance(args, list) or len(args) < least or (name not in ("min", "max", "either") and len(args) != fixed):
            raise ExpressionError(f"{where}: {name} takes a list of {'operands' if least == 1 else 'two operands'}")
        for arg in args:
            check_operand(arg, roots, params, where)
        return
    if isinstance(value, str):
        if value.startswith("$"):
            if value[1:] not in params:
                raise ExpressionError(f"{where}: unknown parameter {value!r}")
            return
        for name in PATH_PARAM_RE.findall(value):
            if name not in params:
                raise ExpressionError(f"{where}: unknown parameter {name!r} in {value!r}")
        value = PATH_PARAM_RE.sub("x", value)
        if REF_RE.match(value) and "." in value and value.split(".", 1)[0] not in roots:
            raise ExpressionError(
                f"{where}: unknown alias {value.split('.', 1)[0]!r} in {value!r}; known: {', '.join(sorted(roots))}"
            )


def shorten_keys(value: dict[str, Any]) -> str:
    return "{" + ", ".join(map(str, value)) + "}"


def check_condition(
    cond: Any, roots: set[str], params: set[str], where: str,
    lhs_roots: set[str] | None = None, lhs_any_field: bool = False,
) -> None:
    if isinstance(cond, str) and cond.startswith("$"):
        if cond[1:] not in params:
            raise ExpressionError(f"{where}: unknown parameter {cond!r}")
        return  # a parameter of type conditions, checked when the contract is loaded
    if isinstance(cond, dict):
        if len(cond) != 1 or next(iter(cond)) not in (*TESTS, *LOGIC):
            raise ExpressionError(f"{where}: unknown test {shorten_keys(cond)}; known: {', '.join((*TESTS, *LOGIC))}")
        kind, target = next(iter(cond.items()))
        if kind in LOGIC:
            parts = [target] if kind == "not" else target
            if not isinstance(parts, list) or (kind != "not" and not parts):
                raise ExpressionError(f"{where}: {kind} takes a list of conditions, got {target!r}")
            for part in parts:
                check_condition(part, roots, params, where, lhs_roots, lhs_any_field)
            return
        if kind == "trigger":
            conds = target if isinstance(target, list) else [target]
            for part in conds:
                check_condition(part, set(), params, where, lhs_any_field=True)
            return
        bare_field = lhs_any_field and isinstance(target, str) and bool(REF_RE.match(target)) and "." not in target
        param = isinstance(target, str) and target.startswith("$") and target[1:] in params
        if not isinstance(target, str) or not (bare_field or param or target.split(".", 1)[0] in roots):
            raise ExpressionError(f"{where}: {kind} needs a known name, got {target!r}")
        return
    if not isinstance(cond, list) or len(cond) != 3:
        raise ExpressionError(f"{where}: a condition is [left, operator, right] or {{exists: name}}, got {cond!r}")
    lhs, op, rhs = cond
    if not isinstance(op, str) or op not in COMPARISONS:
        raise ExpressionError(f"{where}: unknown operator {op!r}; known: {', '.join(COMPARISONS)}")
    allowed = roots if lhs_roots is None else lhs_roots
    field_ok = lhs_any_field and isinstance(lhs, str) and "." not in lhs and bool(REF_RE.match(lhs))
    if not (field_ok or is_reference(lhs, allowed) or isinstance(lhs, dict)):
        raise ExpressionError(f"{where}: the left side {lhs!r} must name a value ({', '.join(sorted(allowed))}, or $parameter)")
    check_operand(lhs, allowed, params, where)
    check_operand(rhs, roots, params, where)


class Scope:
    """Resolves names for evaluation: parameters, measures, the obligation, builtins."""

    def __init__(
        self,
        params: Mapping[str, Any],
        names: Mapping[str, Any],
        lookup: Callable[[Any, str], Any],
        field: Callable[[str], Any] | None = None,
    ) -> None:
        self.params = params
        self.names = names
        self.lookup = lookup
        self.field = field

    def value(self, operand: Any, lhs: bool = False) -> Any:
        if isinstance(operand, dict):
            name, args = next(iter(operand.items()))
            if name == "days":
                return _number(self.value(args)) * DAY
            if name == "if":  # [flag, then, else]: a clause's choice between two computations
                flag = self.value(args[0])
                return self.value(args[1] if flag is True else args[2])
            if name == "either":  # the first operand that has a value (a row's own amount, else the clause's)
                for arg in args:
                    value = self.value(arg)
                    if value is not MISSING and value is not None:
                        return Decimal(value) if values.is_number(value) else value
                return MISSING
            if name == "balance_after":  # [principal, rate, payments (an `all` measure), amount field]
                return self._balance_after(args)
            if name == "period_start":  # the start of the calendar period containing a time
                moment_value, every = (self.value(a) for a in args)
                if moment_value is MISSING:
                    return MISSING
                return period_start_of(int(moment_value), str(every), self.params.get("__effective__"))
            if name in NUMERIC:
                operands = [self.value(a) for a in args]
                if any(v is MISSING or v is None for v in operands):
                    return MISSING
                tables = ("tiered", "tiered_whole", "rate_at", "band")
                for i, v in enumerate(operands):
                    if not values.is_number(v) and not (name in tables and i == 1):
                        raise ExpressionError(f"{name} needs numbers, got {values.kind(v)} {values.display(v)!r}")
                try:
                    result = apply(name, operands)
                except (ArithmeticError_, KeyError, TypeError) as exc:
                    raise ExpressionError(f"{name}: {exc}") from None
                return MISSING if result is NO_VALUE else result
            left, right = (self.value(a) for a in args)
            if left is MISSING or right is MISSING:
                return MISSING
            if name in ("add", "sub"):
                if values.is_number(right):  # a number of days (a `days` parameter)
                    right = Duration(int(right), "days")
                if not (isinstance(right, Duration) and values.is_number(left)):
                    raise ExpressionError(f"{name} needs a time and a duration, got {left!r} and {right!r}")
                amount = right.amount if name == "add" else -right.amount
                return add(int(left), Duration(amount, right.unit), self.params.get("__calendar__")).at
            if not (values.is_number(left) and values.is_number(right)):
                raise ExpressionError(
                    f"{name} needs two numbers, got {values.kind(left)} {values.display(left)!r} "
                    f"and {values.kind(right)} {values.display(right)!r}"
                )
            return left + right if name == "plus" else left - right
        if isinstance(operand, str):
            if "{" in operand:  # obligation.{sales_field}: a field the clause names
                operand = PATH_PARAM_RE.sub(lambda m: str(self.params[m.group(1)]), operand)
            kind, root, parts = _parse_name(operand)
            if kind == "param":
                return self.params[root]
            if kind == "ref" and root in self.names:
                current = self.names[root]
                for part in parts:
                    if current is MISSING:
                        return MISSING
                    current = self.lookup(current, part)
                return current
            if lhs and self.field is not None and not parts and kind == "ref":
                return self.field(operand)
        return operand

    def _balance_after(self, args: list[Any]) -> Any:
        principal, rate, found = (self.value(a) for a in args[:3])
        # The field is a name (a {parameter} filled in), never a value: a measure of the same name
        # must not shadow it.
        field = PATH_PARAM_RE.sub(lambda m: str(self.params[m.group(1)]), args[3]) if isinstance(args[3], str) else args[3]
        if any(v is MISSING or v is None for v in (principal, rate, found)):
            return MISSING
        if not (values.is_number(principal) and values.is_number(rate)):
            raise ExpressionError(
                f"balance_after needs a principal and a rate, got {values.display(principal)!r} and {values.display(rate)!r}"
            )
        if not isinstance(found, (list, tuple)) or not isinstance(field, str):
            raise ExpressionError("balance_after needs the events an `all` measure found and the name of their amount field")
        amounts: list[Decimal] = []
        for candidate in found:
            amount = self.lookup(candidate, field)
            if amount is MISSING or not values.is_number(amount):
                raise ExpressionError(f"balance_after: a payment has no number in field {field!r}")
            amounts.append(Decimal(amount))
        return balance_after(Decimal(principal), Decimal(rate), amounts)

    def test(self, cond: Any) -> bool:
        if isinstance(cond, dict):
            kind, target = next(iter(cond.items()))
            if kind == "any":
                return any(self.test(c) for c in target)
            if kind == "all":
                return all(self.test(c) for c in target)
            if kind == "not":
                return not self.test(target)
            if kind == "trigger":
                return self.trigger_test(target)
            value = self.value(target, lhs=True)
            present = value is not MISSING and value is not None and value != []
            if kind == "exists":
                return present
            if kind == "missing":
                return not present
            # A list is non-empty with an item, text with a non-blank part; any other value but
            # false (a number, true) is something, so it counts as non-empty.
            if not present or value is False:
                return False
            if isinstance(value, str):  # "a; b" as a CSV cell would write a list
                return any(part.strip() for part in value.split(";"))
            return len(value) > 0 if isinstance(value, (list, tuple, dict)) else True
        lhs, op, rhs = cond
        left, right = self.value(lhs, lhs=True), self.value(rhs)
        if left is MISSING or right is MISSING or left is None or right is None:
            return False
        try:
            return COMPARISONS[op](left, right)
        except TypeError:
            raise ExpressionError(f"cannot compare {values.display(left)!r} {op} {values.display(right)!r}") from None

    def trigger_test(self, target: Any) -> bool:
        """Conditions on the fields of the event that set the obligation off (carve-outs)."""
        event = self.names.get("trigger")
        if event is None:
            raise ExpressionError("no trigger event here")
        conds = target if isinstance(target, list) else [target]
        expanded: list[Any] = []
        for cond in conds:
            if isinstance(cond, str) and cond.startswith("$"):
                expanded.extend(self.params[cond[1:]])
            else:
                expanded.append(cond)

        def field_value(name: str) -> Any:
            value = event.get(name)
            return MISSING if value is None else value

        return Scope(self.params, {}, lambda value, name: MISSING, field=field_value).all(expanded)

    def all(self, conds: list[Any] | tuple[Any, ...]) -> bool:
        for cond in conds:
            if not self.test(cond):
                return False
        return True


@functools.lru_cache(maxsize=4096)
def _parse_name(operand: str) -> tuple[str, str, tuple[str, ...]]:
    """('param', name, ()), ('ref', root, attributes) or ('literal', text, ()) — parsed once."""
    if operand.startswith("$"):
        return "param", operand[1:], ()
    if REF_RE.match(operand):
        root, *parts = operand.split(".")
        return "ref", root, tuple(parts)
    return "literal", operand, ()


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ExpressionError(f"a number of days is needed, got {value!r}")
    return int(value)
