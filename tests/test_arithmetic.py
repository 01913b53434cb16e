"""The instalment balance (`balance_after`) of checker/language/arithmetic.py and its use in an operand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from checker.language.arithmetic import balance_after
from checker.language.expressions import ExpressionError, Scope, check_operand


def test_each_step_subtracts_then_adds_a_months_interest_rounded_to_the_cent() -> None:
    # 10,000 − 2,500 = 7,500 × 1.015 = 7,612.50; 7,612.50 − 2,500 = 5,112.50 × 1.015 = 5,189.1875
    # → 5,189.19; 5,189.19 − 2,500 = 2,689.19 × 1.015 = 2,729.52785 → 2,729.53 (the peer's figures).
    steps = [Decimal(2500)] * 3
    assert balance_after(Decimal(10000), Decimal("1.5"), steps[:1]) == Decimal("7612.50")
    assert balance_after(Decimal(10000), Decimal("1.5"), steps[:2]) == Decimal("5189.19")
    assert balance_after(Decimal(10000), Decimal("1.5"), steps) == Decimal("2729.53")


def test_rounding_each_step_differs_from_rounding_once() -> None:
    # 12,000 − 1,234.56 = 10,765.44 × 1.012 = 10,894.62528 → 10,894.63; − 1,000 = 9,894.63 ×
    # 1.012 = 10,013.36556 → 10,013.37 (unrounded in between: 10,013.3647… → 10,013.36).
    assert balance_after(Decimal(12000), Decimal("1.2"), [Decimal("1234.56"), Decimal(1000)]) == Decimal("10013.37")


def test_no_payment_leaves_the_principal_and_an_overpayment_bears_no_interest() -> None:
    assert balance_after(Decimal(9500), Decimal("1.5"), []) == Decimal(9500)
    assert balance_after(Decimal(100), Decimal("1.5"), [Decimal(100)]) == Decimal(0)
    assert balance_after(Decimal(100), Decimal("1.5"), [Decimal(150)]) == Decimal(-50)


class _Candidate:
    def __init__(self, **fields: Any) -> None:
        self.fields = fields


def _scope(names: dict[str, Any]) -> Scope:
    def lookup(value: Any, name: str) -> Any:
        return value.fields.get(name) if isinstance(value, _Candidate) else None

    return Scope({"amount_field": "amount", "rate": Decimal("1.5")}, names, lookup)


def test_the_operand_reads_the_named_field_of_each_event_found() -> None:
    found = [_Candidate(amount=2500), _Candidate(amount=2500)]
    # A measure named like the field (`amount`) must not shadow the field name.
    scope = _scope({"before": found, "amount": Decimal(1)})
    assert scope.value({"balance_after": [10000, "$rate", "before", "{amount_field}"]}) == Decimal("5189.19")


def test_an_event_without_a_number_in_the_field_is_an_error_never_zero() -> None:
    scope = _scope({"before": [_Candidate(amount="2500")]})
    with pytest.raises(ExpressionError, match="no number in field 'amount'"):
        scope.value({"balance_after": [10000, "$rate", "before", "{amount_field}"]})


def test_balance_after_takes_four_operands() -> None:
    with pytest.raises(ExpressionError, match="balance_after takes"):
        check_operand({"balance_after": [10000, 1.5, "before"]}, {"before"}, set(), "measures.balance")
    check_operand({"balance_after": [10000, "$rate", "before", "{amount_field}"]}, {"before"}, {"rate", "amount_field"}, "m")
