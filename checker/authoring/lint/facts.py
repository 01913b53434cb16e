"""A contract as lint facts: what the term policies (rules/policies/) are evaluated over.

Each fact has a kind and the attributes its kind lists in `KINDS`, every one always present
(None when it does not apply), plus the place in the file it stands for. Values are normalised
so the engine and the policies see one form: numbers are exact Decimals, lists are tuples.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ...language.proposals import EXEMPT_IP, EXEMPT_SUBJECTS, Document, Loc
from ...language.templates import LoadedTemplate
from ...models import Clause, Contract, Definition

KINDS: dict[str, tuple[str, ...]] = {
    "contract": ("id", "title", "effective", "expires", "proposal"),
    "party": ("id", "name", "role", "index"),
    "definition": (
        "name", "value", "number", "min", "max", "range", "unit", "currency", "percent", "money",
        "used_as", "assumption", "empty",
    ),
    "clause": ("id", "index", "section", "section_ref", "title", "template", "severity", "ends_rights"),
    "parameter": (
        "clause", "template", "name", "type", "value", "number", "min", "max", "range", "definition",
        "assumption", "assumption_text", "stated", "empty",
    ),
    "reference": ("clause", "kind", "target", "via"),
    "exempt_subject": ("clause", "name", "token", "glob", "proposed", "acquisition_usd", "board_sign_off"),
    "exempt_ip": ("clause", "name", "token", "glob"),
}

SECTION_RE = re.compile(r"§\s*(\d+(?:\.\d+)*)")
RANGE_RE = re.compile(
    r"^\s*(-?\d+(?:\.\d+)?)\s*(?:%|percent)?\s*(?:-|–|—|to|\.\.)\s*(-?\d+(?:\.\d+)?)\s*(?:%|percent)?\s*$", re.IGNORECASE
)
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
PERCENT_UNITS = {"percent", "%", "per cent", "pct"}
GLOB_CHARS = set("*?[]")


@dataclass(frozen=True)
class Fact:
    kind: str
    attrs: dict[str, Any]
    loc: Loc


def normalise(value: Any) -> Any:
    """One form per value: Decimal numbers, tuples for lists, sorted pairs for mappings."""
    if value is None or isinstance(value, (bool, str, dt.date, Decimal)):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, (list, tuple)):
        return tuple(normalise(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), normalise(v)) for k, v in value.items()))
    return str(value)


def number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        result = Decimal(str(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", "").replace(",", ""))
        except InvalidOperation:
            return None
    else:
        return None
    return result if result.is_finite() else None


def bounds(value: Any) -> tuple[bool, Decimal | None, Decimal | None]:
    """(is a range, low, high): `{min, max}`, `[low, high]` or '20–49 %'; a number is its own bounds."""
    if isinstance(value, dict) and set(value) == {"min", "max"}:
        return True, number(value["min"]), number(value["max"])
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(number(v) is not None for v in value):
        return True, number(value[0]), number(value[1])
    if isinstance(value, str):
        match = RANGE_RE.match(value)
        if match:
            return True, number(match.group(1)), number(match.group(2))
    single = number(value)
    return False, single, single


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and not value)


def _number_forms(amount: Decimal) -> list[str]:
    text = f"{amount.normalize():f}"
    forms = [re.escape(text)]
    if amount == amount.to_integral() and abs(amount) >= 1000:
        forms.append(re.escape(f"{int(amount):,}"))
    for scale, words in ((Decimal(10) ** 9, "bn|billion"), (Decimal(10) ** 6, "m|mn|million")):
        if amount and abs(amount) >= scale and (amount / scale) == (amount / scale).to_integral():
            forms.append(rf"{re.escape(f'{(amount / scale).normalize():f}')}\s*(?:{words})\b")
    return forms


def stated(text: str, kind: str | None, amount: Decimal | None) -> bool | None:
    """Whether the clause text states this value (days, percent, money); None for other kinds."""
    if amount is None or kind not in ("days", "percent", "money"):
        return None
    forms = "|".join(_number_forms(amount))
    unit = {"days": r"\s*(?:-\s*)?(?:calendar\s+|business\s+)?days?\b", "percent": r"\s*(?:%|percent|per\s+cent)", "money": ""}
    return re.search(rf"(?<![\d.,])(?:{forms}){unit[kind]}", text, re.IGNORECASE) is not None


def section_ref(section: str) -> str | None:
    match = SECTION_RE.search(section)
    return None if match is None else "§" + match.group(1)


def _token(name: str) -> str:
    return " ".join(name.lower().split())


class FactBuilder:
    """Facts of one document: its contract (amended, for a proposal) and what the proposal adds."""

    def __init__(self, doc: Document, templates: Mapping[str, LoadedTemplate]) -> None:
        self.doc = doc
        self.contract: Contract = doc.loaded.contract
        self.templates = templates
        self.facts: list[Fact] = []

    def add(self, fact_kind: str, loc: Loc, /, **attrs: Any) -> None:
        names = KINDS[fact_kind]
        unknown = set(attrs) - set(names)
        if unknown:
            raise AssertionError(f"fact {fact_kind} has no attribute {sorted(unknown)}")
        self.facts.append(Fact(fact_kind, {name: normalise(attrs.get(name)) for name in names}, loc))

    def build(self) -> list[Fact]:
        c = self.contract
        self.add("contract", ("contract",), id=c.id, title=c.title, effective=c.effective, expires=c.expires,
                 proposal=self.doc.kind == "proposal")
        for index, party in enumerate(c.parties):
            self.add("party", ("contract", "parties", index), id=party.id, name=party.name, role=party.role, index=index)
        used_as = self._definition_uses()
        for name, definition in c.definitions.items():
            self._definition(name, definition, used_as.get(name))
        for index, clause in enumerate(c.clauses):
            self._clause(index, clause)
        return self.facts

    def _param_type(self, clause: Clause, name: str) -> str | None:
        template = self.templates.get(clause.template)
        spec = template.template.parameters.get(name) if template else None
        return None if spec is None else spec.type

    def _definition_uses(self) -> dict[str, str]:
        uses: dict[str, str] = {}
        for clause in self.contract.clauses:
            for name, pv in clause.parameters.items():
                kind = self._param_type(clause, name)
                if pv.definition is not None and kind is not None:
                    uses.setdefault(pv.definition, kind)
        return uses

    def _definition(self, name: str, definition: Definition, used_as: str | None) -> None:
        is_range, low, high = bounds(definition.value)
        unit = definition.unit.strip()
        currency = unit.upper() if CURRENCY_RE.match(unit.upper()) and unit.lower() not in PERCENT_UNITS else None
        self.add(
            "definition", ("contract", "definitions", name),
            name=name, value=definition.value, number=number(definition.value), min=low, max=high, range=is_range,
            unit=unit or None, currency=currency, percent=unit.lower() in PERCENT_UNITS or used_as == "percent",
            money=used_as == "money" or currency is not None, used_as=used_as,
            assumption=definition.assumption is not None, empty=is_empty(definition.value),
        )

    def _clause(self, index: int, clause: Clause) -> None:
        base: Loc = ("contract", "clauses", index)
        template = self.templates.get(clause.template)
        # A milestone ends rights (measurable, verified); a termination notice or a suspension
        # is a party's act, not a milestone, so it needs neither threshold nor verifier.
        ends_rights = template is not None and any(
            row.effect is not None and row.effect.end_clauses is not None
            for ob in template.template.obligations for row in ob.verdicts
        )
        self.add("clause", base, id=clause.id, index=index, section=clause.section, section_ref=section_ref(clause.section),
                 title=clause.title, template=clause.template, severity=clause.severity, ends_rights=ends_rights)
        for match in SECTION_RE.finditer(clause.text):
            self.add("reference", (*base, "text"), clause=clause.id, kind="section", target="§" + match.group(1), via="text")
        for name in clause.parameters:
            self._parameter(base, clause, name)

    def _parameter(self, base: Loc, clause: Clause, name: str) -> None:
        pv = clause.parameters[name]
        loc: Loc = (*base, "parameters", name)
        kind = self._param_type(clause, name)
        definition = self.contract.definitions.get(pv.definition) if pv.definition is not None else None
        raw = pv.value if pv.definition is None else (definition.value if definition is not None else None)
        is_range, low, high = bounds(raw)
        assumption = pv.assumption or (definition.assumption if definition is not None else None)
        self.add(
            "parameter", loc, clause=clause.id, template=clause.template, name=name, type=kind, value=raw,
            number=number(raw), min=low, max=high, range=is_range, definition=pv.definition,
            assumption=assumption is not None, assumption_text=assumption,
            stated=stated(clause.text, kind, number(raw)), empty=is_empty(raw),
        )
        if pv.definition is not None:
            self.add("reference", loc, clause=clause.id, kind="definition", target=pv.definition, via=name)
        items_loc = self._items_loc(loc)
        if kind == "party" and isinstance(raw, str):
            self.add("reference", loc, clause=clause.id, kind="party", target=raw, via=name)
        if kind == "clauses" and isinstance(raw, list):
            for target in raw:
                self.add("reference", loc, clause=clause.id, kind="clause", target=target, via=name)
        if name in (EXEMPT_SUBJECTS, EXEMPT_IP) and isinstance(raw, list):
            for i, item in enumerate(raw):
                text = str(item)
                attrs: dict[str, Any] = {"clause": clause.id, "name": text, "token": _token(text),
                                         "glob": bool(GLOB_CHARS & set(text))}
                if name == EXEMPT_SUBJECTS:
                    note = self.doc.notes.get((clause.id, text))
                    attrs.update(proposed=note is not None,
                                 acquisition_usd=None if note is None else note.acquisition_usd,
                                 board_sign_off=None if note is None else note.board_sign_off)
                self.add("exempt_subject" if name == EXEMPT_SUBJECTS else "exempt_ip", (*items_loc, i), **attrs)

    def _items_loc(self, loc: Loc) -> Loc:
        """Where a parameter's list items sit: under `value:` when written as {value: [...], ...}."""
        node: Any = self.doc.loaded.tree
        for part in loc:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return loc
        return (*loc, "value") if isinstance(node, dict) and "value" in node else loc


def make_facts(doc: Document, templates: Mapping[str, LoadedTemplate]) -> list[Fact]:
    return FactBuilder(doc, templates).build()
