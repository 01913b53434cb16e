"""Money and measure arithmetic for verdict tables: exact decimals, never binary floats.

The functions a template may use in an operand (`{name: [args]}`), with the rules written once:
- plus, minus, times, divide (a division by zero has no value: the row that uses it does not
  hold), percent [rate, base] = rate × base / 100, min, max;
- round [x, places]: half up, the way invoices round (2.345 → 2.35); floor / ceil [x, step]: down
  or up to a whole multiple of step (floor [5, 2] = 4);
- rate_at [base, tiers]: the rate (percent) of the band the base falls in;
- tiered [base, tiers]: marginal rates — each band's rate applies to the part of the base inside
  that band (8 % up to 250 m, 10 % above: 300 m → 20 m + 5 m); tiered_whole [base, tiers]: the
  rate of the band the whole base falls in applies to all of it;
- band [x, table]: the value of the last row of the table whose bound holds (rows from mild to
  severe: below 99.9 → 10, below 99 → 25: an uptime of 98.5 gives 25), 0 when none holds;
- days_started [from, to]: whole or started days from one time to another (a delay of 1 day and
  1 hour counts 2), 0 when `to` is not after `from`; months_elapsed [from, to]: whole calendar
  months between them;
- balance_after [principal, rate, payments, field]: an instalment balance — for each payment in
  time order, the balance less the payment, then a period's interest at `rate` percent on what
  remains, each step rounded half up to the cent (10,000 − 2,500 = 7,500 × 1.015 = 7,612.50); a
  payment that clears the balance leaves it at what remains, never charging interest on a
  negative balance. `payments` is the list an `all` measure found, `field` the amount field.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from ..moments import DAY, moment

NUMERIC = ("times", "divide", "percent", "min", "max", "round", "floor", "ceil", "tiered", "tiered_whole", "rate_at", "band",
           "days_started", "months_elapsed")


class ArithmeticError_(ValueError):
    """An operand the arithmetic cannot use (a tier table without rates, a negative place count)."""


NO_VALUE = object()


def number(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def apply(name: str, args: Sequence[Any]) -> Any:
    """`name` over already evaluated, present arguments; NO_VALUE when the result has none."""
    if name == "times":
        return number(args[0]) * number(args[1])
    if name == "divide":
        divisor = number(args[1])
        return NO_VALUE if divisor == 0 else number(args[0]) / divisor
    if name == "percent":
        return number(args[0]) * number(args[1]) / 100
    if name == "min":
        return min(number(a) for a in args)
    if name == "max":
        return max(number(a) for a in args)
    if name == "round":
        places = int(args[1])
        if places < 0:
            raise ArithmeticError_("round needs a number of places ≥ 0")
        return number(args[0]).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if name in ("floor", "ceil"):  # [x, step]: down or up to a whole multiple of step
        step = number(args[1])
        if step <= 0:
            raise ArithmeticError_(f"{name} needs a step > 0")
        whole = (number(args[0]) / step).to_integral_value(rounding=ROUND_FLOOR if name == "floor" else ROUND_CEILING)
        return whole * step
    if name in ("tiered", "tiered_whole"):
        return _tiered(number(args[0]), args[1], marginal=name == "tiered")
    if name == "rate_at":
        base = number(args[0])
        return _tiered(base, args[1], marginal=False) / base * 100 if base else number(args[1][0]["rate"])
    if name == "band":
        return _band(number(args[0]), args[1])
    if name == "days_started":
        span = int(args[1]) - int(args[0])
        return Decimal(0) if span <= 0 else Decimal(-(-span // DAY))
    if name == "months_elapsed":
        start, end = moment(int(args[0])), moment(int(args[1]))
        if end <= start:
            return Decimal(0)
        delta = relativedelta(end, start)
        return Decimal(delta.years * 12 + delta.months)
    raise ArithmeticError_(f"unknown function {name!r}")


CENT = Decimal("0.01")


def balance_after(principal: Decimal, rate: Decimal, payments: Sequence[Decimal]) -> Decimal:
    """The balance after each payment and a period's interest on what remains (see the docstring)."""
    balance = principal
    for paid in payments:
        remaining = (balance - paid).quantize(CENT, rounding=ROUND_HALF_UP)
        balance = remaining if remaining <= 0 else (remaining * (1 + rate / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return balance


def _tiered(base: Decimal, tiers: Any, marginal: bool) -> Decimal:
    total, lower = Decimal(0), Decimal(0)
    for tier in tiers:
        upper = tier.get("up_to")
        rate = number(tier["rate"])
        top = base if upper is None else min(base, number(upper))
        if not marginal:
            if upper is None or base <= number(upper):
                return base * rate / 100
            continue
        if top > lower:
            total += (top - lower) * rate / 100
        if upper is None or base <= number(upper):
            return total
        lower = number(upper)
    return total


def _band(value: Decimal, table: Any) -> Decimal:
    found = Decimal(0)
    for row in table:
        if "below" in row and value < number(row["below"]):
            found = number(row["value"])
        elif "at_least" in row and value >= number(row["at_least"]):
            found = number(row["value"])
        elif "above" in row and value > number(row["above"]):
            found = number(row["value"])
    return found


def check_tiers(raw: Any) -> tuple[dict[str, Any], ...]:
    """A tier table: rows {up_to: amount, rate: percent}, ascending; the last may have no up_to."""
    if not isinstance(raw, list) or not raw:
        raise ValueError("a tier table is a list of {up_to: amount, rate: percent} rows")
    previous: Decimal | None = None
    for index, row in enumerate(raw):
        if not isinstance(row, dict) or "rate" not in row or not set(row) <= {"up_to", "rate"}:
            raise ValueError(f"tier {index + 1}: a row is {{up_to: amount, rate: percent}}")
        upper = row.get("up_to")
        if upper is None and index != len(raw) - 1:
            raise ValueError(f"tier {index + 1}: only the last tier may be open-ended (no up_to)")
        if upper is not None:
            if previous is not None and number(upper) <= previous:
                raise ValueError(f"tier {index + 1}: up_to must grow from tier to tier")
            previous = number(upper)
    return tuple(dict(row) for row in raw)


def check_bands(raw: Any) -> tuple[dict[str, Any], ...]:
    """A band table: rows {below | at_least | above: bound, value: number}, mild to severe."""
    if not isinstance(raw, list) or not raw:
        raise ValueError("a band table is a list of {below: bound, value: number} rows")
    for index, row in enumerate(raw):
        bounds = [k for k in ("below", "at_least", "above") if isinstance(row, dict) and k in row]
        if not isinstance(row, dict) or len(bounds) != 1 or "value" not in row or len(row) != 2:
            raise ValueError(f"band {index + 1}: a row is {{below: bound, value: number}} (or at_least, above)")
    return tuple(dict(row) for row in raw)
