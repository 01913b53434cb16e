"""Contracts (contracts/*.yaml): loaded with positions, checked against their rule templates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import values as typed
from ..errors import CheckError, shorten
from ..limits import MAX_AMOUNT_DECIMALS, MAX_AMOUNT_DIGITS, MAX_DURATION_DAYS, MAX_NUMBER_DIGITS, MAX_YEAR, MIN_YEAR
from ..models import Clause, Contract, RuleTemplate
from ..read.yamlload import load_yaml, plain, position
from .arithmetic import check_bands, check_tiers
from .calendars import PERIODS, CalendarError, Duration, holiday_calendar, parse_duration
from .expressions import ExpressionError, check_condition
from .templates import LoadedTemplate, validation_error

EVENT_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class LoadedContract:
    contract: Contract
    file: Path
    tree: Any

    def where(self, loc: tuple[int | str, ...]) -> tuple[int | None, int | None]:
        return position(self.tree, loc)

    def clause_line(self, index: int) -> int:
        line, _ = self.where(("contract", "clauses", index))
        return line or 1

    def fail(self, loc: tuple[int | str, ...], message: str) -> CheckError:
        line, col = self.where(loc)
        return CheckError(message, self.file, line, col)


def parse_contract_tree(file: Path, tree: Any) -> LoadedContract:
    if not isinstance(tree, dict) or "contract" not in tree:
        raise CheckError("a contract file must have a top-level 'contract' mapping", file, 1, 1)
    extra = [k for k in tree if k != "contract"]
    if extra:
        line, col = position(tree, (extra[0],))
        raise CheckError(f"unknown top-level key {extra[0]!r}", file, line, col)
    try:
        contract = Contract.model_validate(plain(tree["contract"]))
    except ValidationError as exc:
        raise validation_error(file, tree, exc, "contract", ("contract",)) from None
    return LoadedContract(contract, file, tree)


def load_contract(file: Path, templates: Mapping[str, LoadedTemplate]) -> LoadedContract:
    loaded = parse_contract_tree(file, load_yaml(file))
    check_contract(loaded, templates)
    return loaded


def check_contract(loaded: LoadedContract, templates: Mapping[str, LoadedTemplate]) -> None:
    """References and parameters: every clause names a template and fills it correctly."""
    c = loaded.contract
    for name, day in (("effective", c.effective), ("expires", c.expires)):
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise loaded.fail(("contract", name), f"{name} {day} is outside the supported years {MIN_YEAR}–{MAX_YEAR}")
    if c.expires < c.effective:
        raise loaded.fail(("contract", "expires"), f"expires {c.expires} is before effective {c.effective}")
    for code, rate in c.rates.items():
        try:
            if not re.match(r"^[A-Z]{3}$", code) or to_decimal(rate) <= 0:
                raise ValueError(f"a rate is a positive figure per currency code, got {code}: {shorten(rate)}")
        except ValueError as exc:
            raise loaded.fail(("contract", "rates", code), str(exc)) from None
    if c.calendar is not None:
        try:
            holiday_calendar(c.calendar)
        except CalendarError as exc:
            raise loaded.fail(("contract", "calendar"), str(exc)) from None
    for index, clause in enumerate(c.clauses):
        if clause.survives not in (None, "always"):
            try:
                parse_duration(clause.survives)
            except ValueError as exc:
                raise loaded.fail(("contract", "clauses", index, "survives"), f"survives: {exc}") from None
    party_ids = [p.id for p in c.parties]
    for index, party in enumerate(party_ids):
        if party in party_ids[:index]:
            raise loaded.fail(("contract", "parties", index, "id"), f"party id {party!r} is used twice")
    seen: dict[str, int] = {}
    for index, clause in enumerate(c.clauses):
        if clause.id in seen:
            raise loaded.fail(("contract", "clauses", index, "id"),
                              f"clause id {clause.id!r} is used twice (first at clause {seen[clause.id] + 1})")
        seen[clause.id] = index
    for index, clause in enumerate(c.clauses):
        if clause.template not in templates:
            # Only here are all templates read: the message lists the ones a clause may name.
            known = sorted(t for t, loaded_t in templates.items() if loaded_t.template.kind == "obligation")
            raise loaded.fail(("contract", "clauses", index, "template"),
                              f"unknown rule template {clause.template!r}; known: {', '.join(known)}")
        template = templates[clause.template].template
        if template.kind != "obligation":
            raise loaded.fail(("contract", "clauses", index, "template"),
                              f"template {clause.template!r} is a {template.kind} template, not an obligation")
        params = resolve_parameters(loaded, index, clause, templates[clause.template])
        _check_clause_language(loaded, index, clause, template, params)


def _check_clause_language(
    loaded: LoadedContract, index: int, clause: Clause, template: RuleTemplate, params: dict[str, Any]
) -> None:
    """What a clause adds to its template: its own messages name real reasons; business days
    have a holiday calendar to count on."""
    base = ("contract", "clauses", index)
    reasons = {row.reason for ob in template.obligations for row in ob.verdicts}
    reasons |= {row.power.name for ob in template.obligations for row in ob.verdicts if row.power}
    for reason in clause.messages:
        if reason not in reasons:
            raise loaded.fail((*base, "messages", reason), f"clause {clause.id!r}: no verdict of template "
                              f"{template.id!r} has the reason {reason!r}; known: {', '.join(sorted(reasons))}")
    for ob in template.obligations:
        within = ob.deadline.within if ob.deadline is not None else None
        if not (isinstance(within, str) and within.startswith("$")):
            continue
        value = params.get(within[1:])
        if isinstance(value, Duration) and value.unit == "business_days" and loaded.contract.calendar is None:
            raise loaded.fail((*base, "parameters", within[1:]), f"clause {clause.id!r} counts business days: name the "
                              "holiday calendar in the contract's `calendar` (e.g. US, FR, DE-BY)")


def resolve_parameters(loaded: LoadedContract, index: int, clause: Clause, template: LoadedTemplate) -> dict[str, Any]:
    """The clause's parameter values, typed and checked against the template's schema."""
    c = loaded.contract
    specs = template.template.parameters
    base = ("contract", "clauses", index, "parameters")
    for name in clause.parameters:
        if name not in specs:
            raise loaded.fail((*base, name), f"unknown parameter {name!r} for template {clause.template!r}; "
                                             f"known: {', '.join(sorted(specs))}")
    # Built-ins every template may use: the clause's id, and the contract's holiday calendar
    # for business-day arithmetic in conditions.
    values: dict[str, Any] = {"clause": clause.id, "__calendar__": c.calendar, "__effective__": c.effective}
    for name, spec in specs.items():
        if name not in clause.parameters:
            if spec.default is None:
                where = base if clause.parameters else ("contract", "clauses", index)
                raise loaded.fail(where, f"clause {clause.id!r} lacks parameter {name!r} ({spec.type}): {spec.doc}")
            raw: Any = spec.default
        else:
            pv = clause.parameters[name]
            if pv.definition is not None:
                if pv.definition not in c.definitions:
                    known = ", ".join(sorted(c.definitions)) or "none"
                    raise loaded.fail((*base, name, "definition"),
                                      f"unknown definition {shorten(pv.definition)}; known: {known}")
                raw = c.definitions[pv.definition].value
            else:
                raw = pv.value
        try:
            values[name] = coerce(spec.type, raw, c)
        except ValueError as exc:
            given = clause.parameters.get(name)
            if given is not None and given.definition is not None:
                used = f"definition {given.definition!r} (parameter {name!r} of clause {clause.id!r})"
                raise loaded.fail(("contract", "definitions", given.definition, "value"), f"{used}: {exc}") from None
            raise loaded.fail((*base, name), f"parameter {name!r}: {exc}") from None
    return values


def coerce(kind: str, raw: Any, contract: Contract) -> Any:
    parties = {p.id for p in contract.parties}
    clauses = {cl.id for cl in contract.clauses}
    if kind == "party":
        if not isinstance(raw, str) or raw not in parties:
            raise ValueError(f"{shorten(raw)} is not a party of the contract ({', '.join(sorted(parties))})")
        return raw
    if kind == "parties":
        if not isinstance(raw, list) or not all(isinstance(v, str) and v in parties for v in raw):
            raise ValueError(f"expected a list of parties of the contract ({', '.join(sorted(parties))}), got {shorten(raw)}")
        return tuple(raw)
    if kind == "string":
        if not isinstance(raw, str):
            raise ValueError(f"expected text, got {shorten(raw)}")
        return raw
    if kind == "money_field":
        if not isinstance(raw, str) or not EVENT_TYPE_RE.match(raw):
            raise ValueError(f"expected the snake_case name of an event field holding an amount, got {shorten(raw)}")
        return raw
    if kind == "duration":
        if isinstance(raw, int) and not isinstance(raw, bool):
            raise ValueError(f"a duration names its unit: {{days: {raw}}}, '{raw} business days', '1 month'")
        duration = parse_duration(raw)
        approx = {"seconds": 1 / 86400, "minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "business_days": 2, "weeks": 7,
                  "months": 31, "quarters": 92, "years": 366, "unlimited": 0}[duration.unit]
        if duration.amount * approx > MAX_DURATION_DAYS:
            raise ValueError(f"{duration} is too long (a duration stays within the years {MIN_YEAR}–{MAX_YEAR})")
        return duration
    if kind == "conditions":
        if not isinstance(raw, list):
            raise ValueError(f"expected a list of conditions [field, operator, value], got {shorten(raw)}")
        for cond in raw:
            try:
                check_condition(cond, set(), set(), "condition", lhs_any_field=True)
            except ExpressionError as exc:
                raise ValueError(str(exc)) from None
        return tuple(raw)
    if kind == "values":
        if not isinstance(raw, list) or any(isinstance(v, (list, dict)) for v in raw):
            raise ValueError(f"expected a list of plain values, got {shorten(raw)}")
        return tuple(typed.distinct(raw))
    if kind == "number":
        return to_decimal(raw)
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(f"expected true or false, got {shorten(raw)}")
        return raw
    if kind == "tiers":
        return check_tiers(_exact_tree(raw))
    if kind == "bands":
        return check_bands(_exact_tree(raw))
    if kind == "schedule":
        return check_schedule(_exact_tree(raw))
    if kind == "period":
        name, _, start = str(raw).partition(":")
        if name == "none" and not start:
            return "none"
        if name not in PERIODS or (start and not (name == "fiscal_year" and start.isdigit() and 1 <= int(start) <= 12)):
            raise ValueError(f"expected a period ({', '.join(PERIODS)}; fiscal_year:4 for a year from April), got {shorten(raw)}")
        return str(raw)
    if kind in ("strings", "event_types", "clauses"):
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise ValueError(f"expected a list of names, got {shorten(raw)}")
        if kind == "event_types":
            bad = [v for v in raw if not EVENT_TYPE_RE.match(v)]
            if bad:
                raise ValueError(f"{bad[0]!r} is not a snake_case event type")
        if kind == "clauses":
            unknown = [v for v in raw if v not in clauses]
            if unknown:
                raise ValueError(f"unknown clause {unknown[0]!r}")
        return tuple(raw)
    if kind == "days":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ValueError(f"expected a whole number of days ≥ 0, got {shorten(raw)}")
        if raw > MAX_DURATION_DAYS:
            raise ValueError(f"{shorten(raw)} days is too long: at most {MAX_DURATION_DAYS} days "
                             f"(a duration stays within the years {MIN_YEAR}–{MAX_YEAR})")
        return int(raw)
    if kind == "percent":
        amount = to_decimal(raw)
        if not 0 <= amount <= 100:
            raise ValueError(f"{shorten(raw)} is out of range (0–100)")
        _check_decimals(amount, raw)
        return amount
    if kind == "money":
        amount = to_decimal(raw)
        if amount < 0:
            raise ValueError(f"{shorten(raw)} is out of range (≥ 0)")
        _check_decimals(amount, raw)
        if _integer_digits(amount) > MAX_AMOUNT_DIGITS:
            raise ValueError(f"{shorten(raw)} is too large to add up exactly (at most {MAX_AMOUNT_DIGITS} digits "
                             "before the decimal point)")
        return amount
    if kind == "date":
        if not isinstance(raw, dt.date) or isinstance(raw, dt.datetime):
            raise ValueError(f"expected a date YYYY-MM-DD, got {shorten(raw)}")
        if not MIN_YEAR <= raw.year <= MAX_YEAR:
            raise ValueError(f"{raw} is outside the supported years {MIN_YEAR}–{MAX_YEAR}")
        return dt.date(raw.year, raw.month, raw.day)
    raise ValueError(f"unknown parameter type {kind!r}")


def _exact_tree(raw: Any) -> Any:
    """Figures inside a table, exact (YAML numbers already arrive as Decimal or int)."""
    if isinstance(raw, list):
        return [_exact_tree(v) for v in raw]
    if isinstance(raw, dict):
        return {k: (v if v is None or isinstance(v, (dt.date, str)) else to_decimal(v)) for k, v in raw.items()}
    return raw


def check_schedule(raw: Any) -> tuple[dict[str, Any], ...]:
    """A payment schedule: rows {date: YYYY-MM-DD, amount: figure, label?: text}; may be empty."""
    if raw == []:
        return ()
    if not isinstance(raw, list):
        raise ValueError("a schedule is a list of {date: YYYY-MM-DD, amount: figure} rows")
    for index, row in enumerate(raw):
        if not isinstance(row, dict) or not {"date", "amount"} <= set(row) <= {"date", "amount", "label"}:
            raise ValueError(f"schedule row {index + 1}: a row is {{date, amount, label (optional)}}")
        if not isinstance(row["date"], dt.date) or isinstance(row["date"], dt.datetime):
            raise ValueError(f"schedule row {index + 1}: date must be YYYY-MM-DD")
        row["amount"] = to_decimal(row["amount"])
    return tuple(dict(row) for row in raw)


def _significant(amount: Decimal) -> tuple[int, int]:
    """(digits before the point, digits after it) of an amount, trailing zeros of the fraction dropped."""
    _, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)
    while exponent < 0 and digits and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    while digits and digits[0] == 0:
        digits = digits[1:]
    return max(len(digits) + exponent, 0), max(-exponent, 0)


def _integer_digits(amount: Decimal) -> int:
    return _significant(amount)[0]


def _check_decimals(amount: Decimal, raw: Any) -> None:
    """Figures are added and multiplied exactly: at most MAX_AMOUNT_DECIMALS digits after the point."""
    if _significant(amount)[1] > MAX_AMOUNT_DECIMALS:
        raise ValueError(f"{shorten(raw)} has too many decimals (at most {MAX_AMOUNT_DECIMALS} after the point)")


def to_decimal(raw: Any) -> Decimal:
    """A contract figure as the exact Decimal it spells: YAML numbers already are (see yamlload)."""
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, got {shorten(raw)}")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, Decimal):
        amount = raw
    elif isinstance(raw, (float, str)):
        text = repr(raw) if isinstance(raw, float) else raw.strip().replace("_", "")
        if len(text) > 3 * MAX_NUMBER_DIGITS:
            raise ValueError(f"the number {shorten(raw, 40)} is too long: at most {MAX_NUMBER_DIGITS} digits "
                             "before and after the decimal point")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"expected a number, got {shorten(raw)}") from None
    else:
        raise ValueError(f"expected a number, got {shorten(raw)}")
    if not amount.is_finite():
        raise ValueError(f"expected a finite number, got {shorten(raw)}")
    return amount
