"""The contract term: which events fall inside it, from the `scope` rule template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..errors import CheckError
from ..models import Event
from ..moments import micros_of_date
from .contracts import LoadedContract, coerce
from .expressions import COMPARISONS, ExpressionError, Scope
from .templates import LoadedTemplate

TERM_TEMPLATE = "contract-term"


def _epoch(value: Any) -> Any:
    if isinstance(value, dt.date):
        return micros_of_date(value)
    return value


class ContractTerm:
    def __init__(self, contract: LoadedContract, templates: Mapping[str, LoadedTemplate]) -> None:
        if TERM_TEMPLATE not in templates:
            raise CheckError(f"the rule template {TERM_TEMPLATE!r} is missing from rules/")
        template = templates[TERM_TEMPLATE].template
        assert template.scope is not None
        c = contract.contract
        values = {"effective": c.effective, "expires": c.expires}
        self.params = {name: _epoch(coerce(spec.type, values[name], c)) for name, spec in template.parameters.items()}
        self.within = template.scope.within
        try:
            self.bounds = self._bounds()
        except ExpressionError as exc:
            loaded = templates[TERM_TEMPLATE]
            raise CheckError(f"scope.within: {exc}", loaded.file, *loaded.where(("scope", "within"))) from None

    def _bounds(self) -> list[tuple[str, Any]] | None:
        """`[time, op, constant]` conditions reduce to comparisons with fixed numbers."""
        bounds: list[tuple[str, Any]] = []
        constants = Scope(self.params, {}, lambda value, name: None)
        for cond in self.within:
            if not (isinstance(cond, list) and cond[0] == "time" and "time" not in repr(cond[2])):
                return None
            bounds.append((cond[1], constants.value(cond[2])))
        return bounds

    def contains(self, event: Event) -> bool:
        if self.bounds is not None:
            t = event.epoch
            return all(COMPARISONS[op](t, value) for op, value in self.bounds)
        scope = Scope(self.params, {"time": event.epoch}, lambda value, name: None)
        return scope.all(self.within)
