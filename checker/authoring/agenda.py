"""What's due next: the pending obligations of a check, with their due dates and who owes them.

An *agenda item* is a finding whose verdict is `pending` — an obligation still open at the
as-of time, neither kept nor breached yet. Overdue obligations are breaches and never appear
here: the agenda is a calendar, not a gate (`check --fail-on` is the gate).

- **Dated items** have a due date (the finding's `due`). They are sorted by due date (then by
  the clause's place in the contract, the trigger's time and the finding id). `days` counts
  whole calendar days (UTC) from the as-of date to the due date; a limit of N days keeps the
  items with `days <= N`, i.e. due on or before the as-of date + N days. A template may keep an
  obligation pending past the deadline the finding carries (minimum-commitment's shortfall is
  payable within `payment_days` after the period's end, its `due`): such an item is listed
  with negative days (its message says what is still due).
- **Undated items** are pending findings whose template sets no deadline (`due` is null): they
  have no bound, so no `days` limit can leave them out; they are listed apart, after the dated
  ones, and are not in the iCalendar file (an event needs a date).

The party that owes an item — its *debtor* — is chosen by `debtor()`, from the clause's
parameters and its template's declaration; its name comes from the contract's parties.

JSON (`render_json`), schema `contract-check/agenda/1` (machine-readable: `JSON_SCHEMA`):

    {
      "schema": "contract-check/agenda/1",
      "contract": {"id", "title", "file"},
      "as_of": ISO 8601 UTC datetime,
      "days": the --days limit, or null for every pending item,
      "until": last due date included (as_of date + days), or null without a limit,
      "items": [item, ...]        dated items within the limit, soonest first,
      "undated": [item, ...]      pending items with no due date,
      "later": number of dated pending items due after `until` (left out),
      "skipped_lines": number of unreadable log lines skipped under --lenient (their
                       obligations may be missing: a verdict they could change is grey)
    }
    item = {
      "finding": the finding id (16 hex digits, stable across runs),
      "due": ISO 8601 UTC datetime or null, "due_date": "YYYY-MM-DD" or null,
      "days": whole days from the as-of date to the due date, or null,
      "debtor": {"id", "name"} or null when the template names no party,
      "clause": {"id", "section", "title"},
      "obligation", "instance", "reason", "severity", "message",
      "trigger": id of the event that set the obligation off
    }

iCalendar (`render_ics`, RFC 5545, written with the `icalendar` package): one all-day VEVENT
per dated item on its due date (UTC), UID `<finding id>@<contract id>.contract-check` (stable
across runs), SUMMARY naming the debtor and the clause, DESCRIPTION with the message and the
finding id, and a VALARM display reminder N days before (`TRIGGER:-P<N>D`). DTSTAMP is the
as-of time, so the same input gives the same bytes and a later run supersedes an earlier one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..findings import CheckResult, ClauseInfo, Finding, iso
from ..models import Party, RuleTemplate
from ..report.escape import human as h
from ..report.escape import json_safe

SCHEMA = "contract-check/agenda/1"
# Parameter names that say outright which party must act, in order of preference.
DEBTOR_PARAMETERS = ("obligor", "debtor")
PRODID = "-//contract-check//agenda 1//EN"


def debtor(clause_info: ClauseInfo, template: RuleTemplate) -> str | None:
    """The id of the party that must act on the clause's obligations (the party that owes).

    Rule: the clause's value of the template's `obligor` parameter when the template declares
    one (else of its `debtor` parameter); otherwise of the first parameter of type `party` in the
    template's declaration order. Templates name the party that must act either so or first
    (most-favoured-pricing's `provider` before its `beneficiary`, notice-before's `notifier`
    before its `recipient`), and the party owed (`beneficiary`, `holder`, `supplier`,
    `creditor`) after it. None when the template declares no single party (no `party`
    parameter; a `parties` list names who *may* act, not who must).
    """
    parties = [name for name, spec in template.parameters.items() if spec.type == "party"]
    if not parties:
        return None
    name = next((n for n in DEBTOR_PARAMETERS if n in parties), parties[0])
    value = clause_info.parameters.get(name)
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class AgendaItem:
    finding: Finding
    clause: ClauseInfo
    debtor: Party | None
    due_date: dt.date | None
    days: int | None

    def to_json(self) -> dict[str, Any]:
        f = self.finding
        return {
            "finding": f.id,
            "due": iso(f.due),
            "due_date": None if self.due_date is None else self.due_date.isoformat(),
            "days": self.days,
            "debtor": None if self.debtor is None else {"id": self.debtor.id, "name": self.debtor.name},
            "clause": {"id": self.clause.id, "section": self.clause.section, "title": self.clause.title},
            "obligation": f.obligation,
            "instance": f.instance,
            "reason": f.reason,
            "severity": f.severity,
            "message": f.message,
            "trigger": f.events[0].id,
        }


@dataclass(frozen=True)
class Agenda:
    contract_id: str
    contract_title: str
    contract_file: str
    as_of: dt.datetime
    days: int | None
    items: list[AgendaItem]
    undated: list[AgendaItem]
    later: int
    skipped_lines: int

    @property
    def until(self) -> dt.date | None:
        if self.days is None:
            return None
        try:
            return utc_date(self.as_of) + dt.timedelta(days=self.days)
        except OverflowError:
            return dt.date.max

    def to_json(self) -> dict[str, Any]:
        until = self.until
        return {
            "schema": SCHEMA,
            "contract": {"id": self.contract_id, "title": self.contract_title, "file": self.contract_file},
            "as_of": iso(self.as_of),
            "days": self.days,
            "until": None if until is None else until.isoformat(),
            "items": [item.to_json() for item in self.items],
            "undated": [item.to_json() for item in self.undated],
            "later": self.later,
            "skipped_lines": self.skipped_lines,
        }


def utc_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def build_agenda(
    result: CheckResult,
    parties: list[Party],
    templates: Mapping[str, RuleTemplate],
    days: int | None = None,
) -> Agenda:
    """The pending findings of `result`, dated ones due within `days` of the as-of date (all of
    them when `days` is None) soonest first, then the undated ones."""
    if days is not None and days < 0:
        raise ValueError("days must be 0 or more")
    clauses = {c.id: c for c in result.clauses}
    order = {c.id: index for index, c in enumerate(result.clauses)}
    by_id = {p.id: p for p in parties}
    today = utc_date(result.as_of)
    dated: list[AgendaItem] = []
    undated: list[AgendaItem] = []
    later = 0
    for f in result.findings:
        if f.verdict != "pending":
            continue
        clause = clauses[f.clause]
        owed_by = debtor(clause, templates[clause.template])
        party = None if owed_by is None else by_id.get(owed_by) or Party.model_construct(id=owed_by, name=owed_by)
        if f.due is None:
            undated.append(AgendaItem(f, clause, party, None, None))
            continue
        due_date = utc_date(f.due)
        span = (due_date - today).days
        if days is not None and span > days:
            later += 1
            continue
        dated.append(AgendaItem(f, clause, party, due_date, span))

    def key(item: AgendaItem) -> tuple[Any, ...]:
        f = item.finding
        return (f.due or result.as_of, order[f.clause], f.time, f.events[0].id, f.instance, f.obligation, f.id)

    return Agenda(
        contract_id=result.contract_id,
        contract_title=result.contract_title,
        contract_file=result.contract_file,
        as_of=result.as_of,
        days=days,
        items=sorted(dated, key=key),
        undated=sorted(undated, key=key),
        later=later,
        skipped_lines=len(result.skipped),
    )


# --- text ------------------------------------------------------------------------------


def _in_days(days: int) -> str:
    if days == 0:
        return "today"
    unit = "day" if abs(days) == 1 else "days"
    return f"{-days} {unit} ago" if days < 0 else f"in {days} {unit}"


def _moment(moment: dt.datetime) -> str:
    """A date when the time is midnight UTC (how a log or --as-of writes a date), else ISO UTC."""
    utc = moment.astimezone(dt.UTC)
    return utc.date().isoformat() if utc.time() == dt.time() else utc.isoformat()


def _clause_line(clause: ClauseInfo) -> str:
    parts = [clause.id, clause.section, clause.title]
    return " · ".join(h(p) for p in parts if p)


def render_text(agenda: Agenda) -> str:
    """A table a person reads: due date, when (days from the as-of date), who owes, the clause;
    under each row the finding's message and id. Undated items follow in a list of their own.
    Every value from the data is escaped (`escape.human`)."""
    title = h(agenda.contract_id) + (f" — {h(agenda.contract_title)}" if agenda.contract_title else "")
    scope = "every pending obligation" if agenda.days is None else f"due by {agenda.until} (next {agenda.days} days)"
    lines = [f"agenda of {title}", f"as of {_moment(agenda.as_of)}: {scope}", ""]
    if agenda.items:
        header = ("DUE", "WHEN", "OWED BY", "CLAUSE")
        cells = [(str(i.due_date), _in_days(i.days or 0), _party(i), _clause_line(i.clause)) for i in agenda.items]
        widths = [max(len(header[c]), *(len(row[c]) for row in cells)) for c in range(3)]
        indent = " " * (sum(widths) + 2 * 3)
        lines.append("  ".join(header[c].ljust(widths[c]) for c in range(3)) + "  " + header[3])
        for (due, when, party, clause), item in zip(cells, agenda.items, strict=True):
            lines.append("  ".join((due.ljust(widths[0]), when.rjust(widths[1]), party.ljust(widths[2]), clause)))
            lines.extend(_details(item, indent))
    else:
        if agenda.days is not None:
            lines.append(f"Nothing pending is due within {agenda.days} days.")
        else:
            lines.append("No pending obligation has a due date." if agenda.undated else "Nothing is pending.")
    if agenda.undated:
        lines += ["", "Pending with no due date (no deadline bounds them):"]
        for item in agenda.undated:
            lines.append(f"  {_party(item)}  {_clause_line(item.clause)}")
            lines.extend(_details(item, "    "))
    total = len(agenda.items) + len(agenda.undated) + agenda.later
    summary = f"{total} pending obligation(s)"
    if agenda.later:
        summary += f": {total - agenda.later} listed, {agenda.later} due after {agenda.until} not listed"
    lines += ["", summary + "."]
    if agenda.skipped_lines:
        lines.append(f"{agenda.skipped_lines} unreadable line(s) were skipped (--lenient): an obligation they could "
                     "have changed is grey and not listed here; `check` shows them.")
    return "\n".join(lines) + "\n"


def _party(item: AgendaItem) -> str:
    return "(no party)" if item.debtor is None else h(item.debtor.name)


def _details(item: AgendaItem, indent: str) -> list[str]:
    f = item.finding
    subject = " ".join(h(p) for p in (f.obligation, f.instance) if p)
    return [f"{indent}{h(f.message)}", f"{indent}finding {h(f.id)}" + (f" ({subject})" if subject else "")]


# --- JSON ------------------------------------------------------------------------------


def render_json(agenda: Agenda) -> str:
    """The agenda document, schema contract-check/agenda/1: byte-identical for the same input."""
    return json_safe(orjson.dumps(agenda.to_json(), option=orjson.OPT_INDENT_2).decode()) + "\n"


def _item_schema(due: dict[str, Any], due_date: dict[str, Any], days: dict[str, Any]) -> dict[str, Any]:
    string = {"type": "string"}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["finding", "due", "due_date", "days", "debtor", "clause", "obligation", "instance", "reason",
                     "severity", "message", "trigger"],
        "properties": {
            "finding": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
            "due": due,
            "due_date": due_date,
            "days": days,
            "debtor": {
                "oneOf": [
                    {"type": "null"},
                    {"type": "object", "additionalProperties": False, "required": ["id", "name"],
                     "properties": {"id": string, "name": string}},
                ],
            },
            "clause": {
                "type": "object", "additionalProperties": False, "required": ["id", "section", "title"],
                "properties": {"id": string, "section": string, "title": string},
            },
            "obligation": string,
            "instance": string,
            "reason": string,
            "severity": {"enum": ["high", "medium", "low"]},
            "message": string,
            "trigger": string,
        },
    }


JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA,
    "title": "contract-check agenda: pending obligations and their due dates",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "contract", "as_of", "days", "until", "items", "undated", "later", "skipped_lines"],
    "properties": {
        "schema": {"const": SCHEMA},
        "contract": {
            "type": "object", "additionalProperties": False, "required": ["id", "title", "file"],
            "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "file": {"type": "string"}},
        },
        "as_of": {"type": "string", "format": "date-time"},
        "days": {"type": ["integer", "null"], "minimum": 0},
        "until": {"type": ["string", "null"], "format": "date"},
        "items": {"type": "array", "items": _item_schema(
            {"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}, {"type": "integer"})},
        "undated": {"type": "array", "items": _item_schema({"type": "null"}, {"type": "null"}, {"type": "null"})},
        "later": {"type": "integer", "minimum": 0},
        "skipped_lines": {"type": "integer", "minimum": 0},
    },
}


# --- iCalendar -------------------------------------------------------------------------


def event_uid(item: AgendaItem, contract_id: str) -> str:
    """Stable across runs: the finding id is (clause, trigger, instance), the contract id keeps
    two contracts' calendars apart when both are imported into one calendar."""
    return f"{item.finding.id}@{contract_id}.contract-check"


def render_json_all(agendas: Sequence[Agenda]) -> str:
    """The agendas of a workspace, one document (schema contract-check/agendas/1) each as above."""
    doc = {"schema": "contract-check/agendas/1", "agendas": [agenda.to_json() for agenda in agendas]}
    return json_safe(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()) + "\n"


def render_ics(agendas: Agenda | Sequence[Agenda], remind_days: int = 7) -> str:
    """An iCalendar file (RFC 5545) with one all-day VEVENT and one reminder per dated item;
    several agendas (a workspace) share one calendar, each event's UID naming its contract."""
    from icalendar import Calendar

    if remind_days < 0:
        raise ValueError("remind_days must be 0 or more")
    many = [agendas] if isinstance(agendas, Agenda) else list(agendas)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = (many[0].contract_title or many[0].contract_id) if len(many) == 1 else f"{len(many)} contracts"
    calendar.add("x-wr-calname", h(f"Due under {name}"))
    for agenda in many:
        _add_events(calendar, agenda, remind_days)
    ics: bytes = calendar.to_ical()
    return ics.decode("utf-8")


def _add_events(calendar: Any, agenda: Agenda, remind_days: int) -> None:
    from icalendar import Alarm, Event

    stamp = agenda.as_of.astimezone(dt.UTC).replace(microsecond=0)
    for item in agenda.items:
        assert item.due_date is not None
        f, clause = item.finding, item.clause
        owed_by = "(no party)" if item.debtor is None else item.debtor.name
        subject = f" ({f.instance})" if f.instance else ""
        # Each piece of data is escaped (escape.human) on its own: a CR or LF from an event
        # shows as a visible escape and cannot add a line; the line breaks below are ours.
        summary = h(f"{owed_by} owes: {clause.title or clause.id}{subject} — {clause.section}, {clause.id}")
        description = "\n".join([
            h(f.message),
            "",
            f"Owed by: {h(owed_by)}",
            f"Clause: {_clause_line(clause)}",
            f"Finding: {h(f.id)} ({h(f.reason)})",
            f"Contract: {h(agenda.contract_id)}, as of {utc_date(agenda.as_of).isoformat()}",
        ])
        event = Event()
        event.add("uid", event_uid(item, agenda.contract_id))
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due_date)
        if item.due_date < dt.date.max:
            event.add("dtend", item.due_date + dt.timedelta(days=1))
        event.add("summary", summary)
        event.add("description", description)
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Due in {remind_days} day(s): {summary}")
        alarm.add("trigger", dt.timedelta(days=-remind_days))
        event.add_component(alarm)
        calendar.add_component(event)
