"""Issue 12, class 6: a report for people cannot be forged by the characters of the data.

Decision: every text that comes from the data (ids, names, messages, paths, waiver fields) is
shown through one function, `checker.report.escape.human`, which turns CR, LF, TAB, the other
C0 controls, DEL, the C1 controls, the Unicode bidirectional controls, U+2028/U+2029 and lone
surrogates into visible escapes (`\\r`, `\\n`, `\\x1b`, `\\u202e`, ...). Every human format uses
it: terminal text, Markdown, HTML, JUnit, SARIF message texts, the lint text, and the warnings
on standard error about skipped lines. The JSON report keeps the exact values (for machines).

The attack of the issue is replayed through the CLI: an event id with a CR that would overprint
"breach no-offer" with "ok declined", and a provider name with line breaks that would print a
fake finding and a fake summary. Also here: class 11 (the Markdown list glued to the next item).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from junitparser import JUnitXml

from checker.authoring.lint.evaluate import LintFinding
from checker.authoring.lint.render import render_sarif, render_text
from checker.findings import CheckResult, ClauseInfo, Finding
from checker.models import Event
from checker.report import RenderOptions, render
from checker.report.escape import UNSAFE, human, show_decimal, show_int

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = "contracts/openai-microsoft-2019.yaml"
HUMAN_FORMATS = ("text", "md", "html", "junit", "sarif")

# Every kind of character that must never reach a reader raw, with the escape shown instead.
ESCAPES = {
    "\r": "\\r", "\n": "\\n", "\t": "\\t",
    "\x00": "\\x00", "\x07": "\\x07", "\x1b": "\\x1b", "\x1f": "\\x1f", "\x7f": "\\x7f",
    "\x80": "\\x80", "\x85": "\\x85", "\x9b": "\\x9b", "\x9f": "\\x9f",
    "\u061c": "\\u061c", "\u200e": "\\u200e", "\u200f": "\\u200f",
    "\u202a": "\\u202a", "\u202b": "\\u202b", "\u202c": "\\u202c", "\u202d": "\\u202d", "\u202e": "\\u202e",
    "\u2066": "\\u2066", "\u2067": "\\u2067", "\u2068": "\\u2068", "\u2069": "\\u2069",
    "\u2028": "\\u2028", "\u2029": "\\u2029", "\ud800": "\\ud800",
}
ALL_UNSAFE = "".join(ESCAPES)

# The attack of the issue: on a terminal, the CR returns to the start of the line and the rest
# of the id overprints "breach  no-offer"; the provider's line breaks print a finding and a
# summary that the report never wrote.
FORGED_ID = "e34\r  ok      declined"
FORGED_PROVIDER = ("oracle\n\nforged-clause — a clause the contract does not have\n"
                   "  ok      declined                     [e99]  0000000000000000\n\n"
                   "summary: 0 breach  0 grey  0 pending  0 ok  0 info")
# Accepted by the event reader too: C1 controls (U+009B is the 8-bit CSI of a terminal) and
# bidirectional controls, which make an id read backwards.
BIDI_ID = "inv\u202e1-txe\u202c\u2066x\u2069\u0085\u009b31m"
BIDI_INVESTEE = "openai\u200f\u061c"


# --- the one escaping function ------------------------------------------------------------------


@pytest.mark.parametrize("char", list(ESCAPES), ids=[f"U+{ord(c):04X}" for c in ESCAPES])
def test_every_unsafe_character_becomes_a_visible_escape(char: str) -> None:
    shown = human(f"a{char}b")
    assert shown == f"a{ESCAPES[char]}b"
    assert UNSAFE.search(shown) is None


def test_ordinary_text_is_unchanged_and_escaping_is_idempotent() -> None:
    ordinary = "Zoë’s “offer” — 92 milliards € · 東京 🟥 C:\\path\\file.jsonl [x] | `y`"
    assert human(ordinary) == ordinary
    hostile = f"x{ALL_UNSAFE}y"
    assert human(human(hostile)) == human(hostile)
    assert human(42) == "42"


# --- the attack of the issue, through the CLI -----------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1751328000"}
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def forged_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log = tmp_path_factory.mktemp("forged") / "forged.jsonl"
    records = [
        {"id": FORGED_ID, "time": "2025-01-21", "type": "cloud_contract", "actor": "openai",
         "provider": FORGED_PROVIDER, "value_usd": 10},
        {"id": BIDI_ID, "time": "2025-02-01", "type": "investment", "actor": "microsoft",
         "investee": BIDI_INVESTEE, "amount_usd": 1},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return log


@pytest.fixture(scope="module")
def forged_reports(forged_log: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reports")
    reports = {}
    for fmt in (*HUMAN_FORMATS, "json"):
        target = out / f"report.{fmt}"
        proc = cli("check", "--contract", CONTRACT, "--events", str(forged_log), "--format", fmt,
                   "--output", str(target))
        assert proc.returncode == 1, proc.stderr  # the breach is still a breach
        assert "Traceback" not in proc.stderr
        reports[fmt] = target.read_bytes().decode("utf-8")
    return reports


# The renderers' own layout: line breaks, and the tabs junitparser indents its XML with.
OWN = {"text": "\n", "md": "\n", "html": "\n", "junit": "\n\t", "sarif": "\n"}


def raw_unsafe(text: str, own: str = "\n") -> list[str]:
    """Unsafe characters in a report other than its own layout."""
    return sorted({m.group(0) for m in UNSAFE.finditer(text) if m.group(0) not in own})


@pytest.mark.parametrize("fmt", HUMAN_FORMATS)
def test_no_raw_control_or_bidi_character_reaches_a_human_format(fmt: str, forged_reports: dict[str, str]) -> None:
    assert raw_unsafe(forged_reports[fmt], OWN[fmt]) == []


def test_terminal_text_shows_the_escapes_and_no_forged_line(forged_reports: dict[str, str]) -> None:
    text = forged_reports["text"]
    lines = text.split("\n")
    (verdict_line,) = [line for line in lines if "no-offer" in line and line.startswith("  breach")]
    # The breach line says breach, and the id is shown with its CR as `\r`, on that same line.
    assert verdict_line.startswith("  breach  no-offer ")
    assert "[e34\\r  ok      declined]" in verdict_line
    # The provider's line breaks are escapes inside the explanation line: no fake finding,
    # no fake clause heading, and exactly one summary, the real one.
    assert "oracle\\n\\nforged-clause" in text
    assert not any(line.startswith(("  ok ", "forged-clause")) for line in lines)
    assert [line for line in lines if line.startswith("summary:")] == [
        "summary: 1 breach  0 grey  0 pending  0 ok  0 info"]
    assert "inv\\u202e1-txe\\u202c\\u2066x\\u2069\\x85\\x9b31m" in text


def test_markdown_shows_the_escapes_in_one_table_row(forged_reports: dict[str, str]) -> None:
    md = forged_reports["md"]
    (row,) = [line for line in md.split("\n") if "no-offer" in line and line.startswith("| ")]
    # Markdown escapes its own backslash: `\\r` in the source reads `\r` on the page.
    assert "e34\\\\r  ok      declined" in row
    assert "oracle\\\\n\\\\nforged-clause" in row and "summary: 0 breach" in row
    assert row.count(" | ") == 4  # still five cells
    assert "inv\\\\u202e1-txe" in md
    assert not any(line.startswith(("summary", "  ok", "forged")) for line in md.split("\n"))


def test_html_shows_the_escapes(forged_reports: dict[str, str]) -> None:
    html = forged_reports["html"]
    assert "e34\\r  ok      declined" in html
    assert "oracle\\n\\nforged-clause" in html
    assert "inv\\u202e1-txe\\u202c\\u2066x\\u2069\\x85\\x9b31m" in html
    assert "investee: openai\\u200f\\u061c" in html  # a key field of the uncovered event


def test_junit_shows_the_escapes(forged_reports: dict[str, str]) -> None:
    xml = JUnitXml.fromstring(forged_reports["junit"].encode("utf-8"))
    cases = [case for suite in xml for case in suite]
    (case,) = [c for c in cases if c.result]
    assert case.name.startswith("e34\\r  ok      declined")
    failure = case.result[0]
    assert failure.message.startswith("OpenAI contracted oracle\\n\\nforged-clause")
    # The failure text keeps the renderer's own lines: verdict, explanation, "events:", evidence.
    assert failure.text.split("\n")[:3] == ["breach no-offer (severity high, due none)", failure.message, "events:"]
    assert failure.text.split("\n")[3].startswith("  e34\\r  ok      declined (trigger)")


def test_sarif_message_texts_are_escaped(forged_reports: dict[str, str]) -> None:
    run = json.loads(forged_reports["sarif"])["runs"][0]
    (result,) = run["results"]
    assert result["message"]["text"].startswith("OpenAI contracted oracle\\n\\nforged-clause")
    assert result["relatedLocations"][0]["message"]["text"].startswith("e34\\r  ok      declined (trigger)")
    assert result["properties"]["events"] == [FORGED_ID]  # properties are for machines: exact


def test_json_keeps_the_exact_values(forged_reports: dict[str, str]) -> None:
    doc = json.loads(forged_reports["json"])
    (finding,) = doc["findings"]
    assert finding["events"] == [FORGED_ID]
    assert FORGED_PROVIDER in finding["message"]
    assert doc["uncovered_events"] == [BIDI_ID]


def test_skipped_lines_on_stderr_are_escaped(tmp_path: Path, forged_log: Path) -> None:
    """A --lenient run names each skipped line on standard error: a file name with a line
    break and an escape sequence is shown escaped, and prints no line of its own."""
    log = tmp_path / "log\n  fake.jsonl:1: forged\x1b[2J\u202e.jsonl"
    log.write_text(forged_log.read_text(encoding="utf-8") + "not json\n", encoding="utf-8")
    proc = cli("check", "--contract", CONTRACT, "--events", str(log), "--lenient", "--fail-on", "never")
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    skipped = [line for line in lines if ":3: " in line]
    assert len(skipped) == 1
    assert "log\\n  fake.jsonl:1: forged\\x1b[2J\\u202e.jsonl:3: " in skipped[0]
    assert raw_unsafe(proc.stderr) == []
    assert not any(line.startswith("  fake.jsonl") for line in lines)


# --- every format, every field: the line structure does not depend on the data -----------------


def _event(eid: str, file: str, **fields: Any) -> Event:
    moment = dt.datetime(2025, 1, 21, tzinfo=dt.UTC)
    return Event(id=eid, time=moment, type="cloud_contract", actor="openai", fields=fields, file=file, line=3,
                 seq=0, epoch=int(moment.timestamp()))


def _result(tag: str) -> CheckResult:
    """A result whose every text carries `tag`: ids, names, messages, paths, clause and waiver fields."""
    ev = _event(f"e{tag}1", f"log{tag}.jsonl", provider=f"oracle{tag}", value_usd=Decimal(10))
    other = _event(f"e{tag}2", f"log{tag}.jsonl", investee=f"openai{tag}")
    waiver = {"approver": f"counsel{tag}", "expires": "2026-12-31", "justification": f"reviewed{tag}",
              "file": f"waivers{tag}.yaml", "line": 4, "target": f"f{tag}2"}
    findings = [
        Finding(id=f"f{tag}1", clause=f"c{tag}", rule="right-of-first-refusal", verdict="breach",
                reason=f"no-offer{tag}", severity="high", message=f"contracted oracle{tag} without an offer",
                events=[ev], time=ev.time, due=None, instance=f"i{tag}"),
        Finding(id=f"f{tag}2", clause=f"c{tag}", rule="right-of-first-refusal", verdict="grey",
                reason=f"unclear{tag}", severity="high", message=f"needs review{tag}",
                events=[ev], time=ev.time, due=ev.time, waiver=waiver),
    ]
    # (A clause's legal text keeps its line breaks as lines: see the HTML test below.)
    legal = "Before contracting" + tag.replace("\n", "").replace("\u2028", "").replace("\u2029", "") + "."
    clause = ClauseInfo(id=f"c{tag}", section=f"§5{tag}", title=f"Refusal{tag}", text=legal,
                        template="right-of-first-refusal", severity="high", parameters={"holder": f"ms{tag}"},
                        assumptions={"holder": f"assumed{tag}"}, line=7)
    return CheckResult(
        contract_id=f"k{tag}", contract_file=f"contract{tag}.yaml", event_sources=[f"log{tag}.jsonl"],
        as_of=dt.datetime(2025, 7, 1, tzinfo=dt.UTC), findings=findings, uncovered=[other],
        out_of_term=[other], after_as_of=[other], unexercised_clauses=[f"u{tag}"], clauses=[clause],
        events=[ev, other], skipped=[{"file": f"log{tag}.jsonl", "line": 9, "error": f"bad{tag}"}],
        expired_waivers=[waiver], stale_waivers=[waiver],
    )


HOSTILE = ALL_UNSAFE
BENIGN = "_" * len(ALL_UNSAFE)


@pytest.mark.parametrize("fmt", HUMAN_FORMATS)
def test_hostile_text_in_every_field_changes_no_line_of_the_report(fmt: str) -> None:
    """The same result rendered with every unsafe character in every text, and with harmless
    characters in their place: the reports have the same number of lines (no line forged,
    none joined), and the hostile one holds no raw unsafe character."""
    hostile = render(fmt, _result(HOSTILE), RenderOptions())
    benign = render(fmt, _result(BENIGN), RenderOptions())
    assert raw_unsafe(hostile, OWN[fmt]) == []
    for own in OWN[fmt]:
        assert hostile.count(own) == benign.count(own)
    shown = "\\r\\n\\t\\x00\\x07\\x1b\\x1f\\x7f\\x80\\x85\\x9b\\x9f\\u061c"
    if fmt in ("md", "sarif"):  # Markdown and JSON escape the backslash itself
        shown = shown.replace("\\", "\\\\")
    assert shown in hostile


def test_html_keeps_the_lines_of_legal_text_and_escapes_the_rest() -> None:
    result = _result("")
    result.clauses[0] = dataclasses.replace(result.clauses[0], text="First line,\nsecond\r line \u202eend.")
    html = render("html", result, RenderOptions())
    assert '<blockquote class="legal-text">First line,\nsecond\\r line \\u202eend.</blockquote>' in html


def test_lint_text_and_sarif_are_escaped() -> None:
    finding = LintFinding(file="contracts/x\n.yaml", line=3, col=5, severity="warning", policy="deadline-defined",
                          message="clause ip\r\u202eaccess has no deadline\nerror: fake")
    text = render_text([finding], ["contracts/x\n.yaml"])
    assert text.split("\n")[0] == ("contracts/x\\n.yaml:3:5: [warning] deadline-defined: "
                                   "clause ip\\r\\u202eaccess has no deadline\\nerror: fake")
    assert text.count("\n") == 2 and raw_unsafe(text) == []
    doc = json.loads(render_sarif([finding], ["contracts/x\n.yaml"],
                                  [("deadline-defined", "Deadlines", "Every obligation has a deadline.", "warning")]))
    assert doc["runs"][0]["results"][0]["message"]["text"] == "clause ip\\r\\u202eaccess has no deadline\\nerror: fake"


# --- numbers: bounded whatever their exponent (class 3) --------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("1e5000"), "1E+5000"),
    (Decimal("-2.50e-5000"), "-2.5E-5000"),
    (Decimal("1" + "0" * 100), "1E+100"),
    (Decimal("1" + "0" * 99), f"{10 ** 99:,}"),
    (Decimal("1234567.891"), "1,234,567.891"),
    (Decimal("2.00"), "2"),
    (Decimal("0." + "0" * 99 + "1"), "0." + "0" * 99 + "1"),
])
def test_decimals_are_shown_within_100_digits(value: Decimal, shown: str) -> None:
    assert show_decimal(value) == shown


def test_integers_past_100_digits_are_shown_in_scientific_notation() -> None:
    assert show_int(10 ** 5000) == "1E+5000"
    assert show_int(12_345) == "12,345" and show_int(999) == "999"


@pytest.mark.parametrize("fmt", HUMAN_FORMATS)
def test_a_field_like_1e5000_renders_in_every_format(fmt: str) -> None:
    """HTML and JUnit used to crash on such a field (int() then a 5000-digit format)."""
    result = _result("")
    huge = _event("e-huge", "log.jsonl", value_usd=Decimal("1e5000"), tiny=Decimal("1e-5000"), big=10 ** 5000)
    result.findings[0].events.append(huge)
    result.events.append(huge)
    report = render(fmt, result, RenderOptions())
    assert len(report) < 200_000
    if fmt in ("html", "junit"):
        assert "value_usd: 1E+5000" in report and "tiny: 1E-5000" in report and "big: 1E+5000" in report


# --- class 11: Markdown lists are separated --------------------------------------------------------


def test_markdown_lists_every_item_on_its_own_line() -> None:
    md = render("md", _result(""), RenderOptions())
    items = [line for line in md.split("\n") if line.startswith("- ") and not line.startswith("- **")]
    assert [re.sub(r":.*", "", item) for item in items] == [
        "- Clauses no event exercised",
        "- Uncovered events (no clause addresses them)",
        "- Out-of-term events",
        "- Events after the as-of time (not judged)",
        "- Unreadable lines skipped",
        "- Expired waiver (no longer applied)",
        "- Stale waiver (matches no finding)",
    ]
    assert "- Clauses no event exercised: u\n- Uncovered events" in md
