"""Trust under attack: a damaged log never passes a gate, skipped lines mark what they could change.

Each test is a CLI run as a user makes it (in-process, exit code and JSON report).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from checker.cli import main
from tests.conftest import EXAMPLE_CONTRACT

JUNK = "this line is not JSON"
BREACH = ('{"id": "c1", "time": "2025-01-21", "type": "cloud_contract", "actor": "openai", '
          '"provider": "oracle"}')


def run(tmp_path: Path, lines: list[str], *args: str) -> tuple[int, dict[str, Any], str]:
    log = tmp_path / "log.jsonl"
    log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--contract", str(EXAMPLE_CONTRACT), "--events", str(log), "--format", "json", *args])
    return code, (json.loads(out.getvalue()) if out.getvalue() else {}), err.getvalue()


def test_one_junk_line_fails_the_run_at_the_default_gate(tmp_path: Path) -> None:
    """The breach turns grey (evidence-unreadable) but the run still fails: the log is damaged."""
    code, doc, err = run(tmp_path, [BREACH, JUNK], "--lenient")
    assert code == 1
    assert [f["reason"] for f in doc["findings"]] == ["evidence-unreadable"]
    assert "1 line(s) were skipped, so this run fails" in err


def test_a_damaged_log_passes_only_with_fail_on_never(tmp_path: Path) -> None:
    for gate, expected in (("breach", 1), ("grey", 1), ("pending", 1), ("never", 0)):
        code, _doc, _err = run(tmp_path, [BREACH, JUNK], "--lenient", "--fail-on", gate)
        assert code == expected, gate


def test_a_clean_log_without_findings_at_the_gate_still_passes_under_lenient(tmp_path: Path) -> None:
    code, doc, _err = run(tmp_path, ['{"id": "x", "time": "2025-01-21", "type": "board_meeting", "actor": "openai"}'],
                          "--lenient")
    assert code == 0
    assert "skipped_lines" not in doc


def test_a_skipped_offer_without_ref_marks_the_breach_it_could_have_cured(tmp_path: Path) -> None:
    """The offer line is unreadable (bad time) but its type is known: every verdict of the clause
    that listens to offers is marked, though the line names no ref."""
    offer = ('{"id": "o1", "time": "2025-13-01", "type": "rofr_offer", "actor": "openai", "to": "microsoft", '
             '"provider": "oracle"}')
    code, doc, _err = run(tmp_path, [offer, BREACH], "--lenient", "--fail-on", "never")
    assert code == 0
    [finding] = doc["findings"]
    assert (finding["verdict"], finding["reason"]) == ("grey", "evidence-unreadable")
    assert "would otherwise be breach (no-offer)" in finding["message"]
    assert "log.jsonl:1" in finding["message"]


def test_a_skipped_line_of_a_type_no_clause_reads_marks_nothing(tmp_path: Path) -> None:
    other = '{"id": "m1", "time": "2025-13-01", "type": "board_meeting", "actor": "openai"}'
    code, doc, _err = run(tmp_path, [other, BREACH], "--lenient", "--fail-on", "never")
    assert code == 0
    assert [(f["verdict"], f["reason"]) for f in doc["findings"]] == [("breach", "no-offer")]
    assert [s["line"] for s in doc["skipped_lines"]] == [1]


def test_an_empty_as_of_is_refused(tmp_path: Path) -> None:
    code, _doc, err = run(tmp_path, [BREACH], "--as-of", "")
    assert code == 2
    assert "--as-of: empty" in err


def test_the_basic_iso_form_of_a_date_is_a_date(tmp_path: Path) -> None:
    code, doc, _err = run(tmp_path, [BREACH], "--as-of", "20250301", "--fail-on", "never")
    assert code == 0
    assert doc["as_of"] == "2025-03-01T00:00:00+00:00"
