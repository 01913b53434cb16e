"""Proposals and `contract-check diff`: the amended contract, clause changes, verdict changes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from checker.authoring.clausediff import judge_terms, terms_of, word_diff
from checker.cli import main
from checker.errors import CheckError
from checker.language.proposals import load_document
from checker.language.templates import load_templates
from checker.read.events import read_events
from checker.run.replay import check
from tests.conftest import EXAMPLE_CONTRACT, EXAMPLE_EVENTS
from tests.test_lint import PROPOSAL, RULES, proposal_copy


def diff(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def diff_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code, out, _ = diff([*argv, "--format", "json"], capsys)
    doc = json.loads(out)
    assert doc["schema"] == "contract-check/diff/1"
    return code, doc


def verdict_changes(diff_doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    def show(side: dict[str, Any] | None) -> str | None:
        return None if side is None else f"{side['verdict']} {side['reason']}"

    return {(v["clause"], v["id"]): (show(v["old"]), show(v["new"])) for v in diff_doc["verdicts"]}


# --- loading a proposal ----------------------------------------------------------------------------


def test_the_2025_proposal_is_the_amended_contract(tmp_path: Path) -> None:
    templates = load_templates(RULES)
    doc = load_document(PROPOSAL, templates)
    c = doc.loaded.contract
    assert doc.kind == "proposal" and doc.proposal_id == "2025-restructuring"
    assert c.id == "openai-microsoft-2025"
    assert [cl.id for cl in c.clauses] == ["ip-access", "acquired-ip", "revenue-share", "cloud-rofr", "restructuring-approval"]
    assert c.definitions["revenue_share_percent"].value == 10
    assert c.definitions["microsoft_equity_percent"].value == {"min": 20, "max": 49}
    acquired = c.clauses[1].parameters
    assert acquired["exempt_subjects"].value == ["windsurf"]
    assert acquired["exempt_ip"].value == ["model_weights", "inference_code"]
    assert doc.base is not None and Path(doc.base).resolve() == EXAMPLE_CONTRACT.resolve()
    # What the proposal wrote is placed in the proposal; what it kept, in the contract.
    file, line, _ = doc.locate(("contract", "clauses", 2, "title"))
    assert (Path(file).name, line) == (PROPOSAL.name, _line(PROPOSAL, "title: 10 % revenue share"))
    file, line, _ = doc.locate(("contract", "clauses", 3, "parameters", "window_days"))
    assert Path(file).name == EXAMPLE_CONTRACT.name and line == _line(EXAMPLE_CONTRACT, "window_days:", after="id: cloud-rofr")
    file, line, _ = doc.locate(("contract", "clauses", 1, "parameters", "exempt_subjects", 0))
    assert (Path(file).name, line) == (PROPOSAL.name, _line(PROPOSAL, "subjects: [windsurf]"))


def _line(file: Path, text: str, after: str | None = None) -> int:
    lines = file.read_text(encoding="utf-8").splitlines()
    start = 0 if after is None else next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_errors_in_what_a_proposal_adds_point_into_the_proposal(tmp_path: Path) -> None:
    templates = load_templates()
    text = ("proposal:\n  id: extra\n  title: t\n  amends: openai-microsoft-2019\n  changes:\n"
            "    - add:\n        after: cloud-rofr\n        clause:\n          id: audit\n          section: \"§6\"\n"
            "          text: Audits.\n          template: audit-rights\n          parameters: {}\n")
    target = proposal_copy(tmp_path, text=text)
    with pytest.raises(CheckError) as caught:
        load_document(target, templates)
    assert caught.value.file == str(target) and caught.value.line == 12
    assert "unknown rule template 'audit-rights'" in caught.value.message
    text = text.replace("template: audit-rights\n          parameters: {}", "template: prior-approval\n"
                        "          parameters: {obligor: openai, holder: microsoft, triggers: [audit], approvals: [approval],"
                        " subject: audit, dependents: []}")
    doc = load_document(proposal_copy(tmp_path, text=text), templates)
    assert [c.id for c in doc.loaded.contract.clauses][3:5] == ["cloud-rofr", "audit"]
    set_bad = ("proposal:\n  id: x\n  title: t\n  amends: openai-microsoft-2019\n  changes:\n"
               "    - set:\n        clause: revenue-share\n        parameters:\n          window_days: soon\n")
    with pytest.raises(CheckError) as caught:
        load_document(proposal_copy(tmp_path, text=set_bad), templates)
    assert caught.value.line == 9 and "window_days" in caught.value.message


def test_a_complete_new_version(tmp_path: Path) -> None:
    contract = EXAMPLE_CONTRACT.read_text(encoding="utf-8").split("contract:\n", 1)[1]
    body = "\n".join("  " + line if line else line for line in contract.splitlines())
    text = f"proposal:\n  id: v2\n  title: t\n  amends: openai-microsoft-2019\n  contract:\n{body}\n"
    text = text.replace("id: openai-microsoft-2019\n", "id: openai-microsoft-v2\n")
    doc = load_document(proposal_copy(tmp_path, text=text), load_templates())
    assert doc.loaded.contract.id == "openai-microsoft-v2"
    file, line, _ = doc.locate(("contract", "expires"))
    assert Path(file).name == "proposal.yaml" and line is not None and line > 5


# --- diff --------------------------------------------------------------------------------------------


def test_diff_2019_against_the_2025_proposal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The 2025 proposal takes effect on 2025-06-25 (hypothetically): what it changes on the example log."""
    rules = str(RULES)
    args = ["--rules", rules, str(EXAMPLE_CONTRACT), str(PROPOSAL), "--events", str(EXAMPLE_EVENTS)]
    code, doc = diff_json(args, capsys)
    assert code == 0  # no new breach
    d = doc["diffs"][0]
    assert d["amendment"] == {"proposal": str(PROPOSAL), "effective": "2025-06-25", "retroactive": False,
                              "retroactive_reason": None, "old_terms": str(EXAMPLE_CONTRACT)}
    terms = {(t["change"], t["what"], t["clause"], t["name"]): (t["old"], t["new"]) for t in d["terms"]}
    assert terms[("removed", "clause", "agi-clause", "agi-clause")] == ("milestone-termination", None)
    assert terms[("changed", "parameter", "revenue-share", "share_percent")] == (20, 10)
    assert terms[("changed", "parameter", "acquired-ip", "exempt_subjects")] == ([], ["windsurf"])
    assert terms[("added", "definition", None, "microsoft_equity_percent")] == (None, {"min": 20, "max": 49})
    # Only the AGI declaration of 2025-06-30 comes after the amendment: the struck clause no longer judges it.
    assert verdict_changes(d) == {("agi-clause", "13c17c817552ee7d"): ("grey threshold-not-evidenced", None)}
    gone = d["verdicts"][0]
    assert gone["change"] == "disappeared" and gone["old"]["events"] == ["e49"] and gone["period"] == "after"
    # The 2024 underpayment and the Windsurf IP due since the acquisition of 2025-05-06 were set off
    # before the amendment: the old terms hold, although the new terms would judge them ok.
    held = {(h["clause"], h["id"]): (h["finding"]["verdict"] + " " + h["finding"]["reason"],
                                     h["under_new_terms"]["verdict"] + " " + h["under_new_terms"]["reason"])
            for h in d["old_terms_hold"]}
    assert held == {
        ("revenue-share", "fee3c73896558cba"): ("breach underpaid", "ok paid"),
        ("acquired-ip", "a29be32e187b352d"): ("grey amendment-pending", "ok exempted"),
        ("acquired-ip", "a5d99d4b419210f6"): ("grey amendment-pending", "ok exempted"),
    }
    assert d["summary"]["unchanged"] == 31 and d["summary"]["old"]["breach"] == d["summary"]["new"]["breach"] == 7

    code, out, _ = diff(args, capsys)
    assert code == 0
    assert "takes effect on 2025-06-25: obligations set off before that date keep the old" in out
    assert "removed  clause agi-clause (milestone-termination)" in out
    assert "revenue-share parameter share_percent: 20 → 10" in out
    before, after = out.split("verdicts before the amendment (obligations set off before 2025-06-25)\n")[1].split(
        "verdicts from the amendment (obligations set off on or after 2025-06-25)\n")
    assert before.startswith("  no change\n")
    assert "kept        revenue-share          breach underpaid  [e25, e28]  fee3c73896558cba" in before
    assert "the new terms would give ok paid: USD 100,000,000 (10 % of the report of 2024-06-14)" in before
    assert after.startswith("  disappeared agi-clause")
    assert "→ ok" not in out  # no past finding reads as cured
    code, out, _ = diff([*args, "--format", "md"], capsys)
    assert code == 0 and "| disappeared | `agi-clause` | grey threshold-not-evidenced | (none) | e49 |" in out
    assert "### Verdicts before the amendment (obligations set off before 2025-06-25)\n\nNo change." in out
    assert "| `revenue-share` | breach underpaid | ok paid | e25, e28 | `fee3c73896558cba` |" in out


def test_removing_the_agi_clause_makes_post_declaration_reports_owed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [
        {"id": "a1", "time": "2025-01-10", "type": "agi_declaration", "actor": "openai", "profits_usd": 120000000000},
        {"id": "r1", "time": "2025-03-01", "type": "revenue_report", "actor": "openai", "period": "2024",
         "revenue_usd": 5000000000},
        {"id": "x1", "time": "2025-06-01", "type": "explanation_request", "actor": "microsoft"},
    ]
    log = tmp_path / "agi.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    proposal = proposal_copy(tmp_path, text="proposal:\n  id: no-agi\n  title: Strike AGI\n  amends: openai-microsoft-2019\n"
                                           "  changes:\n    - remove: {clause: agi-clause}\n")
    code, doc = diff_json([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    assert code == 1  # the revenue report is owed again, and nothing was paid: a new breach
    changes = verdict_changes(doc["diffs"][0])
    assert ("info milestone-met", None) in changes.values()
    owed = next(v for v in doc["diffs"][0]["verdicts"] if v["clause"] == "revenue-share")
    assert owed["change"] == "appeared" and owed["new"]["verdict"] == "breach" and owed["new"]["events"] == ["r1"]
    assert diff([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log), "--fail-on", "never"], capsys)[0] == 0


def test_diff_of_identical_contracts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = diff([str(EXAMPLE_CONTRACT), str(EXAMPLE_CONTRACT), "--events", str(EXAMPLE_EVENTS)], capsys)
    assert code == 0 and "summary: 0 appeared, 0 disappeared, 0 changed, 32 unchanged" in out


# --- when an amendment applies: its effective date --------------------------------------------------

# A lawyer's reading of the scenarios below: the 2019 contract makes OpenAI pay Microsoft 20 % of
# each reported revenue within 45 days. A 2025 amendment lowers the share to 10 %.
TEN_PERCENT = "    - define: {revenue_share_percent: {value: 10, unit: percent, text: Lower share.}}\n"


def write_log(tmp_path: Path, events: list[dict[str, Any]], name: str = "events.jsonl") -> Path:
    log = tmp_path / name
    log.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return log


def report(eid: str, time: str, revenue: int) -> dict[str, Any]:
    return {"id": eid, "time": time, "type": "revenue_report", "actor": "openai", "period": time[:4], "revenue_usd": revenue}


def payment(eid: str, time: str, ref: str, amount: int) -> dict[str, Any]:
    return {"id": eid, "time": time, "type": "revenue_share_payment", "actor": "openai", "to": "microsoft", "ref": ref,
            "amount_usd": amount}


# A report of 2024 and one of 2025, each paid 10 % on time: under the 2019 terms both are underpaid.
TEN_PERCENT_PAID = [
    report("r24", "2024-03-01", 1_000_000), payment("p24", "2024-04-01", "r24", 100_000),
    report("r25", "2025-03-01", 1_000_000), payment("p25", "2025-04-01", "r25", 100_000),
    {"id": "x25", "time": "2025-06-01", "type": "explanation_request", "actor": "microsoft"},
]


def amendment(tmp_path: Path, changes: str, when: str = "  effective: 2025-01-01\n") -> Path:
    return proposal_copy(tmp_path, text=f"proposal:\n  id: ten\n  title: Ten per cent\n  amends: openai-microsoft-2019\n"
                                        f"{when}  changes:\n{changes}")


def by_trigger(diff_doc: dict[str, Any]) -> dict[str, tuple[str | None, str | None, str | None]]:
    """Each verdict change by its trigger event: old verdict, new verdict, before/after the amendment."""
    def show(side: dict[str, Any] | None) -> str | None:
        return None if side is None else f"{side['verdict']} {side['reason']}"

    return {(v["old"] or v["new"])["events"][0]: (show(v["old"]), show(v["new"]), v["period"]) for v in diff_doc["verdicts"]}


def test_a_2024_breach_stays_a_breach_after_a_2025_amendment_that_would_have_cured_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(tmp_path, TEN_PERCENT_PAID)
    proposal = amendment(tmp_path, TEN_PERCENT)
    code, doc = diff_json([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    d = doc["diffs"][0]
    assert code == 0
    # The 2025 report, made after the amendment, is judged under the new terms: 10 % was due and paid.
    assert by_trigger(d) == {"r25": ("breach underpaid", "ok paid", "after")}
    # The 2024 report stays underpaid: the later amendment does not cure it, and the report says so.
    [held] = d["old_terms_hold"]
    assert held["finding"]["events"] == ["r24", "p24"] and held["finding"]["reason"] == "underpaid"
    assert held["under_new_terms"]["verdict"] == "ok"
    assert d["summary"]["new"]["breach"] == 1 and d["summary"]["old"]["breach"] == 2
    code, out, _ = diff([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    before = out.split("verdicts before the amendment (obligations set off before 2025-01-01)\n")[1]
    before = before.split("verdicts from the amendment")[0]
    assert before.startswith("  no change\n")
    assert "kept        revenue-share          breach underpaid  [r24, p24]" in before
    assert "the new terms would give ok paid" in before


def test_an_event_on_the_effective_date_is_judged_under_the_new_terms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The date starts at 00:00 UTC: a report one second earlier keeps the old terms."""
    events = [report("r1", "2024-12-31T23:59:59Z", 1_000_000), payment("p1", "2025-01-10", "r1", 100_000),
              report("r2", "2025-01-01T00:00:00Z", 1_000_000), payment("p2", "2025-01-10", "r2", 100_000),
              report("r3", "2024-12-31T20:00:00-05:00", 1_000_000), payment("p3", "2025-01-10", "r3", 100_000)]
    log = write_log(tmp_path, events)
    proposal = amendment(tmp_path, TEN_PERCENT)
    code, doc = diff_json([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log), "--as-of", "2025-06-01"], capsys)
    d = doc["diffs"][0]
    assert by_trigger(d) == {"r2": ("breach underpaid", "ok paid", "after"), "r3": ("breach underpaid", "ok paid", "after")}
    assert [h["finding"]["events"][0] for h in d["old_terms_hold"]] == ["r1"]


def test_a_retroactive_amendment_applies_to_earlier_events_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, TEN_PERCENT_PAID)
    when = ("  effective: 2025-01-01\n  retroactive: true\n"
            "  retroactive_reason: The parties settle the 2024 dispute at 10 %.\n")
    proposal = amendment(tmp_path, TEN_PERCENT, when)
    code, doc = diff_json([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    d = doc["diffs"][0]
    assert code == 0
    assert d["amendment"]["retroactive"] is True
    assert d["amendment"]["retroactive_reason"] == "The parties settle the 2024 dispute at 10 %."
    assert by_trigger(d) == {"r24": ("breach underpaid", "ok paid", "before"), "r25": ("breach underpaid", "ok paid", "after")}
    assert d["old_terms_hold"] == []
    code, out, _ = diff([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    assert "takes effect on 2025-01-01 and is retroactive: its terms also judge the obligations set off before that " \
           "date (reason: The parties settle the 2024 dispute at 10 %.)" in out
    before = out.split("verdicts before the amendment")[1].split("verdicts from the amendment")[0]
    assert "breach underpaid → ok paid  [r24, p24]" in before


def test_a_proposal_without_a_date_is_a_what_if_on_every_event(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path, TEN_PERCENT_PAID)
    proposal = amendment(tmp_path, TEN_PERCENT, when="")
    code, doc = diff_json([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    d = doc["diffs"][0]
    assert d["amendment"]["effective"] is None
    assert by_trigger(d) == {"r24": ("breach underpaid", "ok paid", None), "r25": ("breach underpaid", "ok paid", None)}
    code, out, _ = diff([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    assert "states no effective date: its terms judge every event, as if they had always applied (a what-if" in out
    assert "verdicts on the same events\n" in out and "verdicts before the amendment" not in out


def test_a_clause_the_amendment_adds_does_not_reach_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Audits need Microsoft's prior approval from 2025 on: the 2024 audit is not judged by that clause."""
    audit = ("    - add:\n        clause:\n          id: audit-approval\n          section: \"§8\"\n"
             "          text: Audits need approval.\n          template: prior-approval\n"
             "          parameters: {obligor: openai, holder: microsoft, triggers: [audit],"
             " approvals: [approval], subject: audit, dependents: []}\n")
    log = write_log(tmp_path, [{"id": "a24", "time": "2024-05-01", "type": "audit", "actor": "openai"},
                               {"id": "a25", "time": "2025-05-01", "type": "audit", "actor": "openai"}])
    proposal = amendment(tmp_path, audit)
    code, doc = diff_json([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    d = doc["diffs"][0]
    assert code == 1  # the 2025 audit, after the amendment, had no approval: a new breach
    assert by_trigger(d) == {"a25": (None, "breach no-approval", "after")}
    [held] = d["old_terms_hold"]
    assert held["finding"] is None and held["under_new_terms"]["events"] == ["a24"]
    _, out, _ = diff([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    assert "kept        audit-approval         (no obligation)  [a24]" in out
    assert "the new terms would give breach no-approval: The audit of 2024-05-01 has no approval" in out
    # Every event accounted for once: the 2024 audit is uncovered (the old terms have no clause for it).
    judged = judge_terms(terms_of(load_document(proposal, load_templates())), load_templates(), read_events([str(log)]), None)
    assert [e.id for e in judged.result.uncovered] == ["a24"]
    assert [f.events[0].id for f in judged.result.findings] == ["a25"]


def test_a_clause_the_amendment_removes_still_judges_what_was_set_off_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Striking the AGI clause in 2025 does not erase the grey verdict on a 2024 declaration."""
    log = write_log(tmp_path, [
        {"id": "g24", "time": "2024-06-30", "type": "agi_declaration", "actor": "openai"},
        {"id": "g25", "time": "2025-06-30", "type": "agi_declaration", "actor": "openai"},
    ])
    proposal = amendment(tmp_path, "    - remove: {clause: agi-clause}\n")
    code, doc = diff_json([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(log)], capsys)
    d = doc["diffs"][0]
    assert code == 0
    assert by_trigger(d) == {"g25": ("grey threshold-not-evidenced", None, "after")}
    [held] = d["old_terms_hold"]
    assert held["finding"]["reason"] == "threshold-not-evidenced" and held["under_new_terms"] is None
    assert d["summary"]["new"]["grey"] == 1


def test_every_event_is_accounted_for_once_and_finding_ids_are_those_of_the_governing_run() -> None:
    templates = load_templates(RULES)
    log = read_events([str(EXAMPLE_EVENTS)])
    doc = load_document(PROPOSAL, templates)
    judged = judge_terms(terms_of(doc), templates, log, None)
    assert doc.base_contract is not None and judged.new_terms is not None
    result, start = judged.result, dt.datetime(2025, 6, 25, tzinfo=dt.UTC)
    old = check(doc.base_contract, templates, log)
    expected = {f.id for f in old.findings if f.time < start} | {f.id for f in judged.new_terms.findings if f.time >= start}
    assert [f.id for f in result.findings if f.time < start] == [f.id for f in old.findings if f.time < start]
    assert {f.id for f in result.findings} == expected and len(result.findings) == len(expected)
    cited = {e.id for f in result.findings for e in f.events}
    in_scope = {e.id for e in result.events} - {e.id for e in result.out_of_term} - {e.id for e in result.after_as_of}
    assert {e.id for e in result.uncovered} == in_scope - cited
    assert {e.id for e in result.out_of_term} == {"e01"}  # before the 2019 contract took effect
    assert len(result.uncovered) + len(in_scope & cited) + len(result.out_of_term) == len(result.events) == 50


# --- what a judgment passes on across the date ------------------------------------------------------------


def test_a_cap_running_across_the_date_counts_what_fell_due_before_it_under_the_old_terms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """USD 80 bn fell due on the 2024 report under the 20 % terms; of the USD 92 bn cap, USD 12 bn remain
    for the 2025 report. A longer window changes no amount: the diff judges it."""
    log = write_log(tmp_path, [report("r24", "2024-03-01", 400_000_000_000), payment("p24", "2024-04-01", "r24", 80_000_000_000),
                               report("r25", "2025-03-01", 200_000_000_000), payment("p25", "2025-05-01", "r25", 12_000_000_000)])
    longer = amendment(tmp_path, "    - set: {clause: revenue-share, parameters: {window_days: 90}}\n")
    code, doc = diff_json([str(EXAMPLE_CONTRACT), str(longer), "--events", str(log)], capsys)
    [change] = doc["diffs"][0]["verdicts"]
    assert (change["old"]["reason"], change["new"]["reason"]) == ("late", "paid")
    assert change["new"]["message"].startswith("USD 12,000,000,000 ")  # what remained of the cap, paid in time
    # At 10 %, the amended contract alone would count USD 40 bn before the date and find USD 20 bn due
    # on the 2025 report, where only USD 12 bn remain of the cap: not the contract's amount. No verdicts.
    lower = amendment(tmp_path, TEN_PERCENT)
    code, out, err = diff([str(EXAMPLE_CONTRACT), str(lower), "--events", str(log)], capsys)
    assert code == 2 and out == ""
    assert "clause 'revenue-share': its cumulative cap of 92,000,000,000 runs across the amendment's effective date " \
           "2025-01-01 and is reached after it on one count or the other: 80,000,000,000 fell due before that " \
           "date under the old terms, but the amended contract's replay counts 40,000,000,000" in err


def test_a_verdict_before_the_date_that_ends_other_clauses_is_not_undone_silently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """AGI, evidenced in 2024, ends the revenue share under the 2019 terms; a 2025 amendment striking the
    AGI clause cannot be read as reviving it for a 2025 report without saying so: diff refuses to guess."""
    log = write_log(tmp_path, [
        {"id": "g24", "time": "2024-06-30", "type": "agi_declaration", "actor": "openai", "profits_usd": 120_000_000_000},
        report("r25", "2025-03-01", 1_000_000),
    ])
    struck = amendment(tmp_path, "    - remove: {clause: agi-clause}\n")
    code, _, err = diff([str(EXAMPLE_CONTRACT), str(struck), "--events", str(log)], capsys)
    assert code == 2
    assert "clause 'agi-clause': its verdict on event 'g24', set off before the amendment takes effect on 2025-01-01, " \
           "acts on other clauses (end clauses: ip-access, acquired-ip, revenue-share) under the old terms" in err
    # The same AGI clause under both terms: its effect is the same, and the 2025 report stays not owed.
    lower = amendment(tmp_path, TEN_PERCENT)
    code, doc = diff_json([str(EXAMPLE_CONTRACT), str(lower), "--events", str(log)], capsys)
    assert code == 0 and doc["diffs"][0]["verdicts"] == [] and doc["diffs"][0]["summary"]["new"]["info"] == 1


# --- a proposal's dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("when", "line", "words"), [
    ("  retroactive: true\n  retroactive_reason: Settlement.\n", 5,
     "retroactive: true needs the date the amendment takes effect ('effective')"),
    ("  effective: 2025-01-01\n  retroactive: true\n", 6, "retroactive: true needs a stated 'retroactive_reason'"),
    ("  effective: 2025-01-01\n  retroactive_reason: Settlement.\n", 6,
     "retroactive_reason is given but the proposal is not retroactive"),
    ("  effective: 2031-01-01\n", 5,
     "the amendment takes effect on 2031-01-01, after the contract it makes expires (2030-12-31)"),
    ("  effective: soon\n", 5, "effective"),
])
def test_a_proposal_states_its_dates_coherently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], when: str, line: int, words: str
) -> None:
    proposal = amendment(tmp_path, TEN_PERCENT, when)
    code, _, err = diff([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(EXAMPLE_EVENTS)], capsys)
    assert code == 2 and words in err and f"{proposal}:{line}:" in err


# --- changed clause text, word by word --------------------------------------------------------------------


def test_word_diff_marks_inserted_and_deleted_words() -> None:
    assert word_diff("OpenAI pays 20 % of revenue", "OpenAI pays 10 % of its revenue") == [
        ("equal", "OpenAI pays"), ("delete", "20"), ("insert", "10"), ("equal", "% of"), ("insert", "its"),
        ("equal", "revenue")]
    assert word_diff("a  b\nc", "a b c") == [("equal", "a b c")]  # spacing and line breaks are not words
    assert word_diff("", "new words") == [("insert", "new words")]


def test_a_changed_clause_text_is_shown_in_full_with_its_word_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = ("Before contracting any cloud provider other than Microsoft, OpenAI offers Microsoft a right of first "
            "refusal. OpenAI may contract elsewhere once Microsoft declines, or once 40 days pass without an answer.")
    proposal = amendment(tmp_path, f"    - set: {{clause: cloud-rofr, text: \"{text}\", parameters: {{window_days: 40}}}}\n")
    args = [str(EXAMPLE_CONTRACT), str(proposal), "--events", str(EXAMPLE_EVENTS)]
    _, doc = diff_json(args, capsys)
    [change] = [t for t in doc["diffs"][0]["terms"] if t["name"] == "text"]
    words = change["words"]
    assert " ".join(w["text"] for w in words if w["op"] != "insert") == " ".join(change["old"].split())
    assert " ".join(w["text"] for w in words if w["op"] != "delete") == " ".join(text.split())
    assert {"op": "delete", "text": "refusal for that business."} in words and {"op": "insert", "text": "refusal."} in words
    assert {"op": "delete", "text": "30"} in words and {"op": "insert", "text": "40"} in words
    _, out, _ = diff(args, capsys)
    shown = out.split("cloud-rofr text, in full ([-deleted-]{+inserted+}):\n")[1].split("\n  changed")[0]
    assert " ".join(shown.split()) == (
        "Before contracting any cloud provider other than Microsoft, OpenAI offers Microsoft a right of first "
        "[-refusal for that business.-]{+refusal.+} OpenAI may contract elsewhere once Microsoft declines, or once "
        "[-30-]{+40+} days pass without an answer.")
    assert all(line.startswith(" " * 11) and len(line) <= 100 for line in shown.splitlines())
    _, md, _ = diff([*args, "--format", "md"], capsys)
    assert "- cloud-rofr text: Before contracting" in md and "~~30~~ **40** days pass" in md


def test_clause_text_cannot_act_on_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proposal = amendment(tmp_path, '    - set: {clause: cloud-rofr, text: "Offers first.\\e[2J\\rok"}\n')
    code, out, _ = diff([str(EXAMPLE_CONTRACT), str(proposal), "--events", str(EXAMPLE_EVENTS)], capsys)
    assert "\x1b" not in out and "\r" not in out and "{+Offers first.\\x1b[2J ok+}" in out


@pytest.mark.parametrize(("argv", "words"), [
    (["only-one.yaml"], "diff takes OLD NEW"),
    (["missing.yaml", str(EXAMPLE_CONTRACT)], "missing.yaml: file not found"),
    ([str(EXAMPLE_CONTRACT), str(EXAMPLE_CONTRACT), "--as-of", "soon"], "--as-of"),
])
def test_diff_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    code, _, err = diff([*argv, "--events", str(EXAMPLE_EVENTS)], capsys)
    assert code == 2 and words in err


# --- against git HEAD (the contract-impact hook) --------------------------------------------------------


def _git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.email=test@example.com", "-c", "user.name=test", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "contracts" / "proposals").mkdir(parents=True)
    (root / "examples").mkdir()
    shutil.copy(EXAMPLE_CONTRACT, root / "contracts" / EXAMPLE_CONTRACT.name)
    shutil.copy(EXAMPLE_EVENTS, root / "examples" / EXAMPLE_EVENTS.name)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "contract")
    monkeypatch.chdir(root)
    return root


def test_against_head(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = ["--events", "examples/openai-microsoft-events.jsonl"]
    contract = Path("contracts") / EXAMPLE_CONTRACT.name
    code, out, _ = diff(["--against", "HEAD", str(contract), *events], capsys)
    assert code == 0 and "terms\n  no change" in out and f"(HEAD:{contract})" in out

    # A new proposal is compared with the committed contract it amends.
    proposal = Path("contracts/proposals/rofr.yaml")
    proposal.write_text("proposal:\n  id: rofr\n  title: Longer ROFR window\n  amends: openai-microsoft-2019\n  changes:\n"
                        "    - set: {clause: cloud-rofr, parameters: {free_for: {days: 10}}}\n", encoding="utf-8")
    code, doc = diff_json(["--against", "HEAD", str(proposal), *events], capsys)
    assert code == 1
    d = doc["diffs"][0]
    assert d["old"]["file"] == f"HEAD:{contract}"
    assert verdict_changes(d) == {("cloud-rofr", "0323de495cff3826"): ("ok declined", "breach offer-stale")}

    # A changed contract is compared with its committed version.
    text = contract.read_text(encoding="utf-8")
    contract.write_text(text.replace("          value: 30\n", "          value: 25\n"), encoding="utf-8")
    code, doc = diff_json(["--against", "HEAD", str(contract), *events], capsys)
    assert code == 0 and [t["name"] for t in doc["diffs"][0]["terms"]] == ["window_days"]

    # Once committed, the proposal is compared with its own committed version.
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "proposal")
    code, doc = diff_json(["--against", "HEAD", str(proposal), *events], capsys)
    assert code == 0 and doc["diffs"][0]["verdicts"] == [] and doc["diffs"][0]["old"]["file"] == f"HEAD:{proposal}"


def test_the_hook_judges_a_dated_proposal_from_its_date(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A shorter free period after a decline, from 2025-06-01, leaves the CoreWeave deal of 2025-03-10 under the
    180-day terms (no new breach, the commit passes); moving the date to 2025-01-01 brings it under the 10-day
    terms (a new breach: declined 14 days before the deal)."""
    events = ["--events", "examples/openai-microsoft-events.jsonl"]
    proposal = Path("contracts/proposals/rofr.yaml")
    text = ("proposal:\n  id: rofr\n  title: Longer ROFR window\n  amends: openai-microsoft-2019\n  effective: 2025-06-01\n"
            "  changes:\n    - set: {clause: cloud-rofr, parameters: {free_for: {days: 10}}}\n")
    proposal.write_text(text, encoding="utf-8")
    code, doc = diff_json(["--against", "HEAD", str(proposal), *events], capsys)
    assert code == 0 and doc["diffs"][0]["verdicts"] == []
    [held] = doc["diffs"][0]["old_terms_hold"]
    assert (held["finding"]["reason"], held["under_new_terms"]["reason"]) == ("declined", "offer-stale")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "proposal")
    proposal.write_text(text.replace("effective: 2025-06-01", "effective: 2025-01-01"), encoding="utf-8")
    code, doc = diff_json(["--against", "HEAD", str(proposal), *events], capsys)
    d = doc["diffs"][0]
    assert code == 1
    assert [(t["what"], t["name"], t["old"], t["new"]) for t in d["terms"]] == [
        ("amendment", "effective", "2025-06-01", "2025-01-01")]
    assert by_trigger(d) == {"e37": ("ok declined", "breach offer-stale", "after")}
    code, out, _ = diff(["--against", "HEAD", str(proposal), *events], capsys)
    assert "changed  amendment effective: 2025-06-01 → 2025-01-01" in out and "(new breach)" in out


def test_against_outside_git_or_before_the_first_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLE_CONTRACT, tmp_path / "c.yaml")
    argv = ["--against", "HEAD", "c.yaml", "--events", str(EXAMPLE_EVENTS)]
    code, _, err = diff(argv, capsys)
    assert code == 2 and "needs a git repository" in err
    _git(tmp_path, "init", "-q")
    code, out, _ = diff(argv, capsys)  # nothing committed yet: every finding is new
    assert code == 1 and "(no committed version)" in out and "summary: 32 appeared" in out
