"""Synthetic triggers: the contract's own dates and its calendar periods, as events of the replay.

A clause whose duty runs from a date ("within 30 days of the effective date", "90 days before the
expiry") or recurs each period ("for each calendar quarter, deliver a report within 45 days
after its end") needs no event in the log: each date or period becomes an event of a type only
that clause's role listens to, so a report that never came is a breach, not silence.
"""

from __future__ import annotations

import datetime as dt

from ..errors import CheckError
from ..models import Event
from ..moments import DAY, micros, micros_of_date
from .calendars import periods
from .compiler import CompiledClause
from .contracts import LoadedContract


def synthetic_events(
    contract: LoadedContract, clauses: list[CompiledClause], until: int, first_seq: int
) -> list[Event]:
    """Every date or period trigger at or before `until` (the as-of time), in the term."""
    c = contract.contract
    effective, end_of_term = micros_of_date(c.effective), micros_of_date(c.expires) + DAY
    events: list[Event] = []
    seq = first_seq
    for compiled in clauses:
        line = contract.clause_line(compiled.index)
        for role in compiled.roles.values():
            if role.synthetic is None:
                continue
            spec = role.spec
            found: list[tuple[str, int, dict[str, str]]] = []
            names = spec.dates or []
            if isinstance(names, str):
                names = list(compiled.params[names[1:]])
            for date_name in names:
                label, day = date_name.lstrip("$"), contract_date(contract, compiled, date_name)
                what = {"effective": "effective date", "expires": "expiry date"}.get(label, label.replace("_", " "))
                found.append((label, micros_of_date(day), {"date": day.isoformat(), "what": what}))
            if spec.schedule is not None:
                for row in compiled.params[spec.schedule[1:]]:
                    day = row["date"]
                    label = str(row.get("label") or day.isoformat())
                    found.append((label, micros_of_date(day), {
                        "date": day.isoformat(), "amount": row["amount"], "label": label, "what": f"instalment {label}",
                    }))
            if spec.calendar is not None:
                every = spec.calendar.every
                if every.startswith("$"):
                    every = compiled.params[every[1:]]
                if every == "none":
                    every = ""
                kind, _, fiscal = every.partition(":")
                for period in periods(kind, c.effective, c.expires, int(fiscal or 1)) if kind else []:
                    start = max(micros_of_date(period.start), effective)
                    end = end_of_term if period.end is None else min(micros_of_date(period.end), end_of_term)
                    fields = {
                        "period": period.label,
                        "period_start": max(period.start, c.effective).isoformat(),
                        "period_end": (c.expires if period.end is None or period.end > c.expires
                                       else period.end - dt.timedelta(days=1)).isoformat(),
                        "ends_at": (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=end)).isoformat(),
                        "what": f"{'start' if spec.calendar.at == 'start' else 'end'} of {period.label}",
                    }
                    at = spec.calendar.at
                    if at.startswith("$"):
                        at = str(compiled.params[at[1:]])
                    found.append((period.label, start if at == "start" else end, fields))
            for label, when, fields in found:
                if when > until:
                    continue
                moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=when)
                events.append(Event(f"{compiled.clause.id}@{label}", moment, role.synthetic, "",
                                    {**fields, "clause": compiled.clause.id},
                                    str(contract.file), line, seq, micros(moment)))
                seq += 1
    return events


def names_contract_trigger(event_id: object, clause_ids: set[str]) -> bool:
    """`clause@effective`, `clause@2024-Q1`: the id a date or period of the contract gets."""
    clause, at, _ = str(event_id).partition("@")
    return bool(at) and clause in clause_ids


def contract_date(contract: LoadedContract, compiled: CompiledClause, name: str) -> dt.date:
    """effective, expires, a $parameter of type date, or a definition whose value is a date."""
    c = contract.contract
    if name in ("effective", "expires"):
        return c.effective if name == "effective" else c.expires
    if name.startswith("$"):
        value = compiled.params[name[1:]]
        if isinstance(value, dt.date):
            return value
        name = str(value)
        if name in ("effective", "expires"):
            return c.effective if name == "effective" else c.expires
    definition = c.definitions.get(name)
    if definition is not None and isinstance(definition.value, dt.date) and not isinstance(definition.value, dt.datetime):
        return definition.value
    raise CheckError(f"clause {compiled.clause.id!r}: {name!r} is not a date of the contract (effective, expires, "
                     "or a definition whose value is a date)", contract.file, contract.clause_line(compiled.index))


def check_ids(synthetic: list[Event], log_ids: set[str]) -> None:
    for event in synthetic:
        if event.id in log_ids:
            raise CheckError(f"event id {event.id!r} is also the id of a date or period of the contract; rename the event")
