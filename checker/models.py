"""Pydantic models of what users write: contracts, clauses, rule templates, events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SNAKE = r"^[a-z][a-z0-9_]*$"

Verdict = Literal["breach", "grey", "pending", "ok", "info"]
VERDICT_ORDER: tuple[str, ...] = ("breach", "grey", "pending", "ok", "info")
Severity = Literal["high", "medium", "low"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- contracts -------------------------------------------------------------------------


class Party(Strict):
    id: str = Field(pattern=SNAKE)
    name: str
    role: str = ""


class Definition(Strict):
    value: Any
    unit: str = ""
    text: str = ""
    assumption: str | None = None


class ParamValue(Strict):
    """A clause parameter: a literal, or a reference to a definition; maybe an assumption."""

    value: Any = None
    definition: str | None = None
    assumption: str | None = None


class Clause(Strict):
    id: str = Field(pattern=KEBAB)
    section: str
    title: str = ""
    text: str
    template: str = Field(pattern=KEBAB)
    severity: Severity = "medium"
    parameters: dict[str, ParamValue] = Field(default_factory=dict)
    # The clause's own words for a verdict: reason code → message (same ${placeholders} as the
    # template's row), so a notice-with-objection clause says "objected", not "accepted".
    messages: dict[str, str] = Field(default_factory=dict)
    # Survives the end of the contract (expiry or termination): its duties set off by the end are
    # judged after the term, for this long (a duration such as "2 years"; "always" for no limit).
    survives: str | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _wrap_literals(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        wrapped: dict[str, Any] = {}
        for name, item in value.items():
            is_ref = isinstance(item, dict) and set(item) and set(item) <= {"value", "definition", "assumption"}
            wrapped[name] = item if is_ref else {"value": item}
        return wrapped


class Contract(Strict):
    id: str = Field(pattern=KEBAB)
    title: str
    parties: list[Party] = Field(min_length=1)
    effective: dt.date
    expires: dt.date
    definitions: dict[str, Definition] = Field(default_factory=dict)
    clauses: list[Clause] = Field(min_length=1)
    # Labels for codes in messages (`inference_code` → "inference code").
    labels: dict[str, str] = Field(default_factory=dict)
    # Holiday calendar for business days: a country code, optionally with a subdivision (US-NY).
    calendar: str | None = None
    # The currency of every amount of the contract (ISO 4217); an event whose `currency` field
    # names another one is refused unless `rates` converts it (units of this currency per unit).
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    rates: dict[str, Any] = Field(default_factory=dict)


# --- rule templates --------------------------------------------------------------------

ParamType = Literal[
    "party", "parties", "string", "strings", "event_types", "days", "percent", "money", "clauses", "date",
    "duration", "conditions", "values", "number", "boolean", "period", "tiers", "bands", "schedule", "money_field",
]


class ParamSpec(Strict):
    type: ParamType
    doc: str
    default: Any = None


class CalendarTrigger(Strict):
    """One synthetic trigger per calendar period from the effective date to the as-of time."""

    every: str  # a period name or a $parameter of type period
    at: str = "end"  # start or end, or a $parameter


class FactSpec(Strict):
    """How an event (or a date of the contract, or a calendar period) becomes an engine fact."""

    types: str | list[str] | None = None
    # Synthetic triggers instead of log events: dates of the contract (effective, expires, a
    # $date parameter) or one per calendar period. Their facts carry `date`, `period`,
    # `period_start` and `period_end`.
    dates: list[str] | str | None = None  # names, or a $parameter of type strings
    calendar: CalendarTrigger | None = None
    schedule: str | None = None  # a $parameter of type schedule: one trigger per dated row
    where: list[Any] = Field(default_factory=list)
    each: str | None = None
    # attribute name → field path; or a $parameter of type strings: each field as an attribute
    attributes: dict[str, str] | str | list[dict[str, str] | str] = Field(default_factory=dict)
    partition: str | None = None
    broadcast: bool = False
    # `latest`: only the newest fact of this role per correlation key can be evidence for an
    # obligation opened later (e.g. the latest offer); older ones are retracted from the engine.
    keep: Literal["all", "latest"] = "all"


class MeasureSpec(Strict):
    first: str | None = None
    last: str | None = None
    all: str | None = None
    sum: str | None = None
    count: str | None = None
    min: str | None = None
    max: str | None = None
    of: str | None = None
    where: list[Any] = Field(default_factory=list)
    minus: list[Any] | None = None
    compute: Any = None  # an operand: arithmetic over parameters, builtins and earlier measures
    # A sum/min/max whose field may be absent from an event (listed deductions): absent counts
    # as 0 (still, a value that is there must be a number).
    optional: bool = False


class Effect(Strict):
    """What a verdict does to other clauses or to the contract, from the obligation's time on."""

    end_clauses: str | list[str] | None = None
    suspend_clauses: str | list[str] | None = None
    resume_clauses: str | list[str] | None = None
    terminate_contract: bool = False


class Power(Strict):
    """A right that arises with this verdict (reported as an `info` finding of its own)."""

    name: str = Field(pattern=KEBAB)
    holder: str  # a $parameter of type party
    message: str


class VerdictRow(Strict):
    when: list[Any]
    verdict: Verdict
    reason: str = Field(pattern=KEBAB)
    final: bool = True
    message: str
    evidence: list[str] = Field(default_factory=list)
    effect: Effect | None = None
    power: Power | None = None
    doc: str = ""  # what the reason code means, for the reports' legend


class AmountDue(Strict):
    percent: Any
    of: str
    cumulative_cap: Any = None


class DeadlineSpec(Strict):
    """When a duty falls due: `within` a duration after the trigger (or after / before a time
    field of the trigger), or `at` a time field the trigger carries (an agreed delivery date)."""

    within: Any = None  # a duration ({days: 30}, "1 month") or a $parameter of type duration/days
    after: str | None = None
    before: str | None = None
    at: str | None = None


class ObligationSpec(Strict):
    name: str = Field(pattern=KEBAB)
    opened_by: str | list[str]  # one role, or several (events, dates, periods) of one duty
    instance: str | None = None
    deadline_days: int | str | None = None
    deadline: DeadlineSpec | None = None
    amount_due: AmountDue | None = None
    evidence: dict[str, list[Any]] = Field(default_factory=dict)  # joins, or $fields listed by the clause
    measures: dict[str, MeasureSpec] = Field(default_factory=dict)
    verdicts: list[VerdictRow] = Field(min_length=1)


class ScopeSpec(Strict):
    within: list[list[Any]]


class RuleTemplate(Strict):
    id: str = Field(pattern=KEBAB)
    title: str
    summary: str
    kind: Literal["obligation", "scope"] = "obligation"
    parameters: dict[str, ParamSpec] = Field(default_factory=dict)
    facts: dict[str, FactSpec] = Field(default_factory=dict)
    obligations: list[ObligationSpec] = Field(default_factory=list)
    scope: ScopeSpec | None = None


# --- events ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Event:
    """One validated event of the log; type-specific fields live in `fields`.

    Not a pydantic model on purpose: logs run to millions of lines, and `checker/read/events.py`
    validates each record explicitly (with file:line messages) before building one of these;
    pydantic's model_construct alone cost 5 µs and ~1 KB per event.
    """

    id: str
    time: dt.datetime
    type: str
    actor: str
    fields: dict[str, Any]
    file: str
    line: int
    seq: int
    epoch: int

    def get(self, name: str) -> Any:
        if name in ("id", "type", "actor"):
            return getattr(self, name)
        if name == "time":
            return self.epoch
        return self.fields.get(name)

