"""Coverage: clauses no event exercised (check) and verdict rows no scenario reaches (test)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import EXAMPLE_CONTRACT, ROOT


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True,
                          cwd=ROOT, input=stdin, check=False)


def test_check_lists_the_clauses_no_event_exercised() -> None:
    line = '{"id":"r1","time":"2024-06-10","type":"revenue_report","actor":"openai","revenue_usd":100}\n'
    done = cli("check", "--contract", str(EXAMPLE_CONTRACT), "--events", "-", "--format", "json", stdin=line)
    doc = json.loads(done.stdout)
    assert doc["unexercised_clauses"] == ["ip-access", "acquired-ip", "cloud-rofr", "restructuring-approval", "agi-clause"]


def test_test_reports_verdict_rows_no_scenario_covers() -> None:
    done = cli("test", "tests/scenarios/contract-term.yaml", "--format", "json")
    coverage = json.loads(done.stdout)["coverage"]
    assert coverage["covered"] < coverage["rows"]
    uncovered = {(u["template"], u["reason"]) for u in coverage["uncovered"]}
    assert ("right-of-first-refusal", "window-open") in uncovered


def test_the_project_scenarios_cover_every_verdict_row() -> None:
    done = cli("test", "--format", "json")
    coverage = json.loads(done.stdout)["coverage"]
    assert coverage["uncovered"] == [], coverage["uncovered"]
