"""`contract-check agenda`: what's due next under the OpenAI–Microsoft contract.

The scenario, as counsel would put it: on 1 March 2025 OpenAI has reported Q4-2024 revenue
(4 February; 20 % is payable to Microsoft within 45 days, so by 21 March — in 20 days) and has
launched "Orion" (19 February; its model weights are to reach Microsoft within 90 days, so by
20 May — in 80 days). An older revenue report of June 2024 was never paid: that is a breach,
already overdue, so it is not on the agenda. "What is due in the next 30 days?" — the payment,
owed by OpenAI, on 21 March; and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import icalendar
import jsonschema
import pytest

from checker.api import load, run_check
from checker.authoring.agenda import (
    JSON_SCHEMA,
    SCHEMA,
    Agenda,
    build_agenda,
    debtor,
    render_ics,
    render_json,
    render_text,
)
from checker.findings import ClauseInfo
from checker.models import RuleTemplate
from tests.conftest import EXAMPLE_CONTRACT, EXAMPLE_EVENTS, ROOT

HELIOS = ROOT / "contracts" / "helios-larkspur-2023.yaml"
HELIOS_EVENTS = ROOT / "examples" / "helios-larkspur-events.jsonl"
AS_OF = "2025-03-01"

Event = dict[str, Any]
UNPAID_2024: Event = {"id": "r0", "time": "2024-06-15", "type": "revenue_report", "actor": "openai", "period": "2023",
                      "revenue_usd": 5000000}
Q4_REPORT: Event = {"id": "r1", "time": "2025-02-04", "type": "revenue_report", "actor": "openai", "period": "2024-Q4",
                    "revenue_usd": 10000000}
ORION_LAUNCH: Event = {"id": "l1", "time": "2025-02-19", "type": "product_launch", "actor": "openai", "product": "Orion",
                       "ip": ["model_weights"]}
SCENARIO: list[Event] = [UNPAID_2024, Q4_REPORT, ORION_LAUNCH]


def write_log(tmp_path: Path, events: list[Event], name: str = "events.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def agenda_for(log: Path, days: int | None = None, contract: Path = EXAMPLE_CONTRACT) -> Agenda:
    loaded, templates = load(contract)
    result = run_check(contract, [str(log)], dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
    return build_agenda(result, list(loaded.contract.parties), {k: t.template for k, t in templates.items()}, days)


def cli(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", "agenda", *argv], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=120, check=False)


def inputs(log: Path) -> list[str]:
    return ["--contract", str(EXAMPLE_CONTRACT), "--events", str(log), "--as-of", AS_OF]


def parse_calendar(text: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(text)
    assert isinstance(calendar, icalendar.Calendar)
    return calendar


# --- what is due, by whom, when --------------------------------------------------------------------------


def test_the_next_30_days_hold_only_the_revenue_share_payment_owed_by_openai(tmp_path: Path) -> None:
    agenda = agenda_for(write_log(tmp_path, SCENARIO), days=30)
    assert [(i.clause.id, i.debtor and i.debtor.name, i.due_date, i.days) for i in agenda.items] == [
        ("revenue-share", "OpenAI", dt.date(2025, 3, 21), 20),
    ]
    item = agenda.items[0]
    assert item.finding.verdict == "pending" and item.finding.events[0].id == "r1"
    assert item.clause.section == "§4 Revenue share"
    assert "USD 2,000,000 is due to Microsoft by 2025-03-21" in item.finding.message
    assert agenda.later == 1 and agenda.until == dt.date(2025, 3, 31)


def test_without_a_limit_every_pending_obligation_is_listed_soonest_first_and_the_overdue_one_is_not(
    tmp_path: Path,
) -> None:
    agenda = agenda_for(write_log(tmp_path, SCENARIO))
    listed = [(i.clause.id, i.finding.events[0].id, i.finding.instance, i.due_date, i.days) for i in agenda.items]
    assert listed == [
        ("revenue-share", "r1", "", dt.date(2025, 3, 21), 20),
        ("ip-access", "l1", "model_weights", dt.date(2025, 5, 20), 80),
    ]
    assert all(i.debtor is not None and i.debtor.id == "openai" for i in agenda.items)
    # The 2024 report was never paid: a breach, not something still to do.
    assert "r0" not in {i.finding.events[0].id for i in agenda.items}
    assert agenda.later == 0 and agenda.until is None


def test_the_limit_counts_calendar_days_and_includes_the_last_day(tmp_path: Path) -> None:
    log = write_log(tmp_path, SCENARIO)
    assert [i.days for i in agenda_for(log, days=20).items] == [20]
    assert agenda_for(log, days=19).items == []
    assert [i.days for i in agenda_for(log, days=80).items] == [20, 80]


def test_a_pending_obligation_with_no_due_date_is_listed_apart_whatever_the_limit(tmp_path: Path) -> None:
    # No bundled template leaves a pending obligation without a deadline; a workspace template may.
    contract, templates = load(EXAMPLE_CONTRACT)
    result = run_check(EXAMPLE_CONTRACT, [str(write_log(tmp_path, SCENARIO))], dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
    launch = next(f for f in result.findings if f.events[0].id == "l1")
    launch.due = None
    agenda = build_agenda(result, list(contract.contract.parties), {k: t.template for k, t in templates.items()}, 0)
    assert agenda.items == [] and [u.finding.id for u in agenda.undated] == [launch.id]
    assert agenda.undated[0].days is None and agenda.undated[0].debtor is not None
    assert agenda.later == 1
    text = render_text(agenda)
    assert "Pending with no due date" in text and launch.id in text
    assert "VEVENT" not in render_ics(agenda)


# --- the debtor --------------------------------------------------------------------------------------------


def _template(parameters: dict[str, str]) -> RuleTemplate:
    return RuleTemplate.model_validate({
        "id": "t", "title": "t", "summary": "t",
        "parameters": {name: {"type": kind, "doc": name} for name, kind in parameters.items()},
    })


def _clause(parameters: dict[str, Any]) -> ClauseInfo:
    return ClauseInfo(id="c", section="§1", title="", text="", template="t", severity="medium",
                      parameters=parameters, assumptions={}, line=1)


def test_the_debtor_is_the_obligor_else_the_debtor_else_the_first_party_the_template_declares() -> None:
    clause = _clause({"holder": "microsoft", "obligor": "openai", "provider": "helios", "debtor": "larkspur"})
    assert debtor(clause, _template({"holder": "party", "debtor": "party", "obligor": "party"})) == "openai"
    assert debtor(clause, _template({"holder": "party", "debtor": "party"})) == "larkspur"
    assert debtor(clause, _template({"provider": "party", "holder": "party"})) == "helios"
    assert debtor(clause, _template({"window_days": "days", "holder": "party"})) == "microsoft"
    assert debtor(clause, _template({"window_days": "days"})) is None


@pytest.mark.parametrize(("contract_file", "log", "expected"), [
    (EXAMPLE_CONTRACT, EXAMPLE_EVENTS,
     {"ip-access": "openai", "acquired-ip": "openai", "revenue-share": "openai", "cloud-rofr": "openai",
      "restructuring-approval": "openai", "agi-clause": "openai"}),
    (HELIOS, HELIOS_EVENTS,
     {"minimum-commitment": "larkspur", "capacity-first-offer": "larkspur", "most-favoured-pricing": "helios",
      "model-availability": "larkspur", "marketplace-revenue-share": "helios", "change-of-control": "larkspur",
      "scale-milestone": "larkspur"}),
], ids=["openai-microsoft", "helios-larkspur"])
def test_the_debtor_of_every_bundled_clause_is_the_party_that_must_act(
    contract_file: Path, log: Path, expected: dict[str, str],
) -> None:
    _, templates = load(contract_file)
    result = run_check(contract_file, [str(log)])
    assert {c.id: debtor(c, templates[c.template].template) for c in result.clauses} == expected


# --- formats -----------------------------------------------------------------------------------------------


def test_the_text_agenda_is_a_table_with_date_days_party_clause_message_and_finding(tmp_path: Path) -> None:
    agenda = agenda_for(write_log(tmp_path, SCENARIO), days=30)
    text = render_text(agenda)
    lines = text.splitlines()
    assert lines[0] == "agenda of openai-microsoft-2019 — OpenAI–Microsoft strategic partnership (2019, as reported)"
    assert lines[1] == "as of 2025-03-01: due by 2025-03-31 (next 30 days)"
    header = next(line for line in lines if line.startswith("DUE"))
    assert header.split() == ["DUE", "WHEN", "OWED", "BY", "CLAUSE"]
    row = lines[lines.index(header) + 1]
    assert row.split("  ")[0] == "2025-03-21"
    assert "in 20 days" in row and "OpenAI" in row
    assert row.endswith("revenue-share · §4 Revenue share · 20 % revenue share, capped at USD 92 bn")
    assert "USD 2,000,000 is due to Microsoft by 2025-03-21; USD 0 paid so far." in lines[lines.index(row) + 1]
    assert f"finding {agenda.items[0].finding.id}" in lines[lines.index(row) + 2]
    assert "Orion" not in text and "2025-05-20" not in text
    assert lines[-1] == "2 pending obligation(s): 1 listed, 1 due after 2025-03-31 not listed."


def test_event_text_cannot_forge_lines_in_the_text_or_the_calendar(tmp_path: Path) -> None:
    forged = dict(ORION_LAUNCH, product="Orion\r\n2025-03-02  today  Microsoft\u202e")
    agenda = agenda_for(write_log(tmp_path, [forged]))
    text = render_text(agenda)
    assert "Orion\\r\\n2025-03-02  today  Microsoft\\u202e" in text
    assert "\r" not in text and "\u202e" not in text
    assert not any(line.startswith("2025-03-02") for line in text.splitlines())
    event = parse_calendar(render_ics(agenda)).events[0]
    description = str(event["DESCRIPTION"])
    assert "Orion\\r\\n2025-03-02" in description and "\r" not in description and "\u202e" not in description


def test_the_json_agenda_follows_its_schema_and_is_byte_identical(tmp_path: Path) -> None:
    log = write_log(tmp_path, SCENARIO)
    jsonschema.Draft202012Validator.check_schema(JSON_SCHEMA)
    first = render_json(agenda_for(log, days=30))
    assert first == render_json(agenda_for(log, days=30))
    doc = json.loads(first)
    jsonschema.validate(doc, JSON_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert doc["schema"] == SCHEMA == "contract-check/agenda/1"
    assert (doc["as_of"], doc["days"], doc["until"], doc["later"], doc["undated"], doc["skipped_lines"]) == (
        "2025-03-01T00:00:00+00:00", 30, "2025-03-31", 1, [], 0)
    [item] = doc["items"]
    assert item["due"] == "2025-03-21T23:59:59.999999+00:00" and item["due_date"] == "2025-03-21" and item["days"] == 20
    assert item["debtor"] == {"id": "openai", "name": "OpenAI"}
    assert item["clause"] == {"id": "revenue-share", "section": "§4 Revenue share",
                              "title": "20 % revenue share, capped at USD 92 bn"}
    assert (item["obligation"], item["reason"], item["trigger"]) == ("pay", "within-window", "r1")
    # The schema is not vacuous: a document that drops or renames a field fails it.
    for broken in ({k: v for k, v in doc.items() if k != "later"}, {**doc, "items": [{**item, "due_date": None}]},
                   {**doc, "items": [{**item, "owed_by": "OpenAI"}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, JSON_SCHEMA, cls=jsonschema.Draft202012Validator)


def test_the_calendar_has_an_all_day_event_on_the_due_date_with_a_reminder_7_days_before(tmp_path: Path) -> None:
    agenda = agenda_for(write_log(tmp_path, SCENARIO), days=30)
    text = render_ics(agenda)
    calendar = parse_calendar(text)
    [event] = calendar.events
    finding = agenda.items[0].finding
    assert event["UID"] == f"{finding.id}@openai-microsoft-2019.contract-check"
    start = event.decoded("DTSTART")
    assert type(start) is dt.date and start == dt.date(2025, 3, 21)
    assert event.decoded("DTEND") == dt.date(2025, 3, 22)
    summary = str(event["SUMMARY"])
    assert summary.startswith("OpenAI owes: 20 % revenue share") and "revenue-share" in summary
    description = str(event["DESCRIPTION"])
    assert "USD 2,000,000 is due to Microsoft by 2025-03-21" in description and finding.id in description
    [alarm] = event.subcomponents
    assert alarm.name == "VALARM" and alarm["ACTION"] == "DISPLAY"
    assert alarm.decoded("TRIGGER") == dt.timedelta(days=-7)
    assert "TRIGGER:-P7D\r\n" in text
    assert "TRIGGER:-P3D\r\n" in render_ics(agenda, remind_days=3)


def test_the_calendar_imports_cleanly(tmp_path: Path) -> None:
    text = render_ics(agenda_for(write_log(tmp_path, SCENARIO)))
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "RFC 5545 folds lines at 75 octets"
    assert "\n" not in text.replace("\r\n", "")
    calendar = parse_calendar(text)
    calendar.validate()
    assert calendar["VERSION"] == "2.0" and str(calendar["PRODID"]).startswith("-//contract-check//")
    components = list(calendar.walk())
    assert [c.name for c in components] == ["VCALENDAR", "VEVENT", "VALARM", "VEVENT", "VALARM"]
    for component in components:
        assert component.errors == [], (component.name, component.errors)
    for event in calendar.events:
        assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY", "DESCRIPTION"} <= set(event)
        assert event.decoded("DTSTAMP") == dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    assert [e.decoded("DTSTART") for e in calendar.events] == [dt.date(2025, 3, 21), dt.date(2025, 5, 20)]
    # What the library writes it reads back the same: nothing was lost or reinterpreted.
    assert calendar.to_ical().decode() == text


# --- the command -------------------------------------------------------------------------------------------


def test_cli_exits_0_with_breaches_in_the_log_and_lists_what_is_due(tmp_path: Path) -> None:
    log = write_log(tmp_path, SCENARIO)
    check = subprocess.run([sys.executable, "-m", "checker", "check", *inputs(log)], cwd=ROOT, capture_output=True,
                           text=True, timeout=120, check=False)
    assert check.returncode == 1, "the log holds a breach: check fails, agenda does not"
    run = cli(*inputs(log), "--days", "30")
    assert run.returncode == 0, run.stderr
    assert "2025-03-21  in 20 days  OpenAI" in run.stdout and "Orion" not in run.stdout
    assert run.stderr == ""


def test_cli_ics_uids_are_stable_across_runs_and_input_order(tmp_path: Path) -> None:
    forward, backward = write_log(tmp_path, SCENARIO, "a.jsonl"), write_log(tmp_path, SCENARIO[::-1], "b.jsonl")
    out = tmp_path / "due.ics"
    runs = []
    for log in (forward, forward, backward):
        run = cli(*inputs(log), "--format", "ics", "--output", str(out))
        assert run.returncode == 0 and run.stdout == "", run.stderr
        runs.append(out.read_bytes())
    assert runs[0] == runs[1]
    uids = [[str(e["UID"]) for e in parse_calendar(r.decode()).events] for r in runs]
    assert uids[0] == uids[2] and len(set(uids[0])) == 2


def test_cli_json_and_remind_days(tmp_path: Path) -> None:
    log = write_log(tmp_path, SCENARIO)
    run = cli(*inputs(log), "--format", "json", "--days", "30")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    jsonschema.validate(doc, JSON_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert [i["clause"]["id"] for i in doc["items"]] == ["revenue-share"]
    ics = cli(*inputs(log), "--format", "ics", "--remind-days", "14")
    assert ics.returncode == 0, ics.stderr
    triggers = [a.decoded("TRIGGER") for a in parse_calendar(ics.stdout).walk("VALARM")]
    assert triggers == [dt.timedelta(days=-14)] * 2


@pytest.mark.parametrize(("argv", "message"), [
    (["--days", "-1"], "--days needs a whole number of days"),
    (["--days", "thirty"], "--days needs a whole number of days"),
    (["--remind-days", "1.5"], "--remind-days needs a whole number of days"),
    (["--format", "pdf"], "invalid choice: 'pdf'"),
    (["--as-of", "tomorrow"], "--as-of"),
])
def test_cli_bad_usage_exits_2(tmp_path: Path, argv: list[str], message: str) -> None:
    run = cli(*inputs(write_log(tmp_path, SCENARIO)), *argv)
    assert run.returncode == 2 and run.stdout == ""
    assert message in run.stderr


def test_cli_bad_input_exits_2_naming_the_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "broken.jsonl"
    log.write_text(json.dumps(Q4_REPORT) + "\n{not json\n", encoding="utf-8")
    run = cli(*inputs(log))
    assert run.returncode == 2 and run.stdout == ""
    assert "broken.jsonl:2" in run.stderr
    missing = cli("--contract", str(tmp_path / "nope.yaml"), "--events", str(log))
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr


def test_cli_lenient_warns_that_the_agenda_may_miss_an_obligation(tmp_path: Path) -> None:
    log = tmp_path / "damaged.jsonl"
    log.write_text(json.dumps(Q4_REPORT) + "\n" + json.dumps(ORION_LAUNCH) + "\n{not json\n", encoding="utf-8")
    run = cli(*inputs(log), "--lenient", "--format", "json")
    assert run.returncode == 0
    assert "damaged.jsonl:3" in run.stderr and "missing from this agenda" in run.stderr
    doc = json.loads(run.stdout)
    assert doc["skipped_lines"] == 1 and doc["items"] == []  # a line too broken to read greys every verdict


def test_an_empty_agenda_says_so_in_every_format(tmp_path: Path) -> None:
    paid = {"id": "p1", "time": "2025-02-20", "type": "revenue_share_payment", "actor": "openai", "to": "microsoft",
            "ref": "r1", "amount_usd": 2000000}
    log = write_log(tmp_path, [UNPAID_2024, Q4_REPORT, paid])
    text = cli(*inputs(log))
    assert text.returncode == 0, text.stderr
    assert "Nothing is pending." in text.stdout and "0 pending obligation(s)." in text.stdout
    within = cli(*inputs(log), "--days", "30")
    assert within.returncode == 0 and "Nothing pending is due within 30 days." in within.stdout
    doc = json.loads(cli(*inputs(log), "--format", "json").stdout)
    assert (doc["items"], doc["undated"], doc["later"]) == ([], [], 0)
    ics = cli(*inputs(log), "--format", "ics")
    assert ics.returncode == 0
    calendar = parse_calendar(ics.stdout)
    assert calendar.events == [] and calendar.errors == []
