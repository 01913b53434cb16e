"""A team's own workspace, as a user runs it: `init`, the config, layered rules and policies,
a whole-workspace check with one report and one exit code, events in a SQLite table, an agenda.

Every command runs as a subprocess in a temporary folder outside this repository, the way a
user who followed the README runs it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import ROOT

SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-2.1.0.json"

# The user's own two-clause contract: a supply agreement of theirs, not one of ours.
OWN_CONTRACT = """\
contract:
  id: acme-widgets-supply-2025
  title: Acme–Widgetco supply agreement
  parties:
    - {id: acme, name: Acme Corp, role: buyer}
    - {id: widgetco, name: Widgetco Ltd, role: supplier}
  effective: 2025-01-01
  expires: 2026-12-31
  clauses:
    - id: delivery
      section: "§3.1 Delivery"
      title: Each purchase order is delivered within 10 days
      text: The Supplier shall deliver each purchase order within ten (10) days of receiving it.
      template: perform-within
      severity: high
      parameters:
        debtor: widgetco
        creditor: acme
        triggers: [purchase_order]
        trigger_conditions: [[actor, ==, acme]]
        acts: [delivery]
        match: [ref]
        within: {days: 10}
    - id: defect-notice-answer
      section: "§5.2 Defects"
      title: A defect notice is answered within 5 business days
      text: The Supplier shall answer each defect notice of the Buyer within five (5) days.
      template: perform-within
      severity: medium
      parameters:
        debtor: widgetco
        creditor: acme
        triggers: [defect_notice]
        acts: [defect_answer]
        match: [ref]
        within: {days: 5}
"""

OWN_EVENTS = [
    {"id": "po-1", "time": "2025-03-01", "type": "purchase_order", "actor": "acme"},
    {"id": "dl-1", "time": "2025-03-08", "type": "delivery", "actor": "widgetco", "ref": "po-1"},
    {"id": "po-2", "time": "2025-04-01", "type": "purchase_order", "actor": "acme"},
    {"id": "dl-2", "time": "2025-04-20", "type": "delivery", "actor": "widgetco", "ref": "po-2"},
    {"id": "dn-1", "time": "2025-05-02", "type": "defect_notice", "actor": "acme", "ref": "dl-2"},
    {"id": "po-3", "time": "2025-05-05", "type": "purchase_order", "actor": "acme"},
]


def cc(*args: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    done = subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def make_table(db: Path, rows: list[dict[str, Any]]) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE company_events (id TEXT, time TEXT, type TEXT, actor TEXT, ref TEXT)")
        conn.executemany("INSERT INTO company_events VALUES (?, ?, ?, ?, ?)",
                         [(r["id"], r["time"], r["type"], r["actor"], r.get("ref")) for r in rows])


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    repo = tmp_path / "legal-repo"
    repo.mkdir()
    cc("init", cwd=repo, check=True)
    return repo


def test_init_scaffolds_a_workspace_that_checks_out_of_the_box(workspace: Path) -> None:
    for name in ("contract-check.toml", "contracts/starter-services-2025.yaml", "events/events.jsonl",
                 "scenarios/starter-services-2025.yaml", "rules/README.md", "policies/README.md",
                 ".pre-commit-config.yaml", ".github/workflows/contract-check.yml"):
        assert (workspace / name).is_file(), name
    done = cc("check", cwd=workspace)
    assert done.returncode == 1, done.stderr  # the starter log holds two breaches, on purpose
    assert "starter-services-2025" in done.stdout and "workspace summary: 1 contract, 1 failing" in done.stdout
    cc("test", cwd=workspace, check=True)
    cc("lint", cwd=workspace, check=True)
    agenda = cc("agenda", cwd=workspace, check=True)
    assert "Customer Inc" in agenda.stdout and "2025-05-31" in agenda.stdout


def test_init_never_overwrites(workspace: Path) -> None:
    before = (workspace / "contract-check.toml").read_text(encoding="utf-8")
    done = cc("init", cwd=workspace)
    assert done.returncode == 2
    assert "writes nothing over existing files" in done.stderr and "contract-check.toml" in done.stderr
    assert (workspace / "contract-check.toml").read_text(encoding="utf-8") == before


def test_init_into_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "legal"\n', encoding="utf-8")
    cc("init", "--pyproject", "--bare", cwd=tmp_path, check=True)
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith('[project]\nname = "legal"\n') and "[tool.contract-check]" in text
    assert not (tmp_path / "contract-check.toml").exists()
    assert not (tmp_path / "contracts" / "starter-services-2025.yaml").exists()
    (tmp_path / "contracts" / "acme.yaml").write_text(OWN_CONTRACT, encoding="utf-8")
    (tmp_path / "events" / "log.jsonl").write_text("\n".join(json.dumps(e) for e in OWN_EVENTS) + "\n",
                                                   encoding="utf-8")
    # Found from a subfolder, upwards; --events on the command line replaces the config's (empty) logs.
    done = cc("check", "--events", "../events/log.jsonl", "--format", "json", cwd=tmp_path / "contracts")
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["contracts"][0]["contract"]["id"] == "acme-widgets-supply-2025"


def test_own_contract_against_a_sqlite_table_from_an_empty_repository(tmp_path: Path) -> None:
    """The README's newcomer path: init, an own two-clause contract, events in a SQLite table,
    check, what's due next as a calendar, a scenario of their own."""
    repo = tmp_path / "repo"
    repo.mkdir()
    cc("init", "--bare", cwd=repo, check=True)
    (repo / "contracts" / "acme-widgets-supply-2025.yaml").write_text(OWN_CONTRACT, encoding="utf-8")
    make_table(repo / "events" / "company.db", OWN_EVENTS)
    config = (repo / "contract-check.toml").read_text(encoding="utf-8")
    config = config.replace('events = []', 'events = ["sqlite:///events/company.db"]\nevents-table = "company_events"')
    (repo / "contract-check.toml").write_text(config, encoding="utf-8")
    # Relative SQLite paths are relative to the current directory: run from the workspace root.
    done = cc("check", "--format", "json", cwd=repo)
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert doc["schema"] == "contract-check/workspace/1" and doc["failing_contracts"] == ["acme-widgets-supply-2025"]
    verdicts = {(f["clause"], f["events"][0], f["verdict"], f["reason"]) for f in doc["contracts"][0]["findings"]}
    assert verdicts == {
        ("delivery", "po-1", "ok", "performed"),
        ("delivery", "po-2", "breach", "late"),        # 19 days after the order
        ("defect-notice-answer", "dn-1", "pending", "not-yet-due"),
        ("delivery", "po-3", "pending", "not-yet-due"),
    }
    ics = cc("agenda", "--format", "ics", cwd=repo, check=True).stdout
    assert ics.count("BEGIN:VEVENT") == 2 and "DTSTART;VALUE=DATE:20250507" in ics and "Widgetco Ltd owes" in ics
    (repo / "scenarios" / "acme.yaml").write_text(
        "contract: ../contracts/acme-widgets-supply-2025.yaml\ncases:\n"
        "  - name: late-delivery\n    events:\n"
        "      - {id: p, time: 2025-04-01, type: purchase_order, actor: acme}\n"
        "      - {id: d, time: 2025-04-20, type: delivery, actor: widgetco, ref: p}\n"
        "    expect:\n      - {clause: delivery, trigger: p, verdict: breach, reason: late}\n    only: true\n",
        encoding="utf-8")
    assert "1 passed, 0 failed" in cc("test", cwd=repo, check=True).stdout
    assert cc("--no-config", "check", cwd=repo).returncode == 2  # outside the workspace: --contract needed


def test_command_line_overrides_the_config(workspace: Path) -> None:
    assert cc("check", "--fail-on", "never", cwd=workspace).returncode == 0
    config = workspace / "contract-check.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('fail-on = "breach"', 'fail-on = "never"'),
                      encoding="utf-8")
    assert cc("check", cwd=workspace).returncode == 0
    assert cc("check", "--fail-on", "breach", cwd=workspace).returncode == 1


@pytest.mark.parametrize(("text", "message"), [
    ("[contract-check]\ncontracts = [\"contracts\"]\nfail_on = \"breach\"\n",
     r"contract-check.toml:3: [contract-check] fail_on: unknown setting; known: contracts"),
    ("[contract-check]\nfail-on = \"sometimes\"\n",
     "contract-check.toml:2: [contract-check] fail-on: must be one of breach, grey, pending, never, got 'sometimes'"),
    ("[contract-check]\ncontracts = 3\n", "contract-check.toml:2: [contract-check] contracts: must be a path"),
    ("[contract-check\n", "contract-check.toml:1:16: invalid TOML: Expected ']'"),
    ("[other]\n", "contract-check.toml:1: no [contract-check] table in this file"),
])
def test_a_bad_config_names_its_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "contract-check.toml").write_text(text, encoding="utf-8")
    done = cc("check", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert message in done.stderr, done.stderr


def test_workspace_template_overrides_a_bundled_one_by_id(workspace: Path) -> None:
    """A team's own perform-within (its house wording for a timely act) replaces the bundled one
    for every contract of the workspace; `rules` says where each template comes from."""
    bundled = (ROOT / "rules" / "perform-within.yaml").read_text(encoding="utf-8")
    timely = 'message: "${debtor} performed on ${done.date} (the ${trigger_type}'
    assert "title: Perform within a period after a trigger" in bundled and timely in bundled
    ours = bundled.replace("title: Perform within a period after a trigger",
                           "title: Perform within a period after a trigger (our house version)").replace(
        timely, 'message: "${debtor} complied on ${done.date} (the ${trigger_type}')
    (workspace / "rules" / "perform-within.yaml").write_text(ours, encoding="utf-8")
    listing = cc("rules", cwd=workspace, check=True).stdout
    line = next(li for li in listing.splitlines() if li.startswith("perform-within — "))
    assert "(our house version)" in line and line.endswith("(from rules/perform-within.yaml)")
    assert "notice-before — " in listing and "(bundled)" in listing
    report = cc("check", cwd=workspace).stdout
    assert "Customer Inc complied on 2025-02-20 (the invoice, 2025-02-01" in report
    assert "Customer Inc performed on 2025-04-15" in report  # the late row keeps the bundled wording
    assert "complied on" not in cc("--no-config", "check", "--contract", "contracts/starter-services-2025.yaml",
                                   "--events", "events/events.jsonl", cwd=workspace).stdout


def test_workspace_policy_layers_over_the_bundled_ones(workspace: Path) -> None:
    (workspace / "policies" / "ours.yaml").write_text(
        "policies:\n  - id: no-high-severity\n    title: High severity needs sign-off\n    severity: warning\n"
        "    doc: Each high-severity clause needs the general counsel's sign-off.\n"
        "    checks:\n      - subject: {kind: clause, where: [[severity, ==, high]]}\n"
        "        message: 'clause ${subject.id} is high severity: get sign-off'\n", encoding="utf-8")
    done = cc("lint", "--format", "json", cwd=workspace)
    assert done.returncode == 0, done.stderr  # warnings do not fail the default gate
    found = json.loads(done.stdout)["findings"]
    assert [f["message"] for f in found if f["policy"] == "no-high-severity"] == [
        "clause invoice-payment is high severity: get sign-off", "clause incident-notice is high severity: get sign-off"]
    listing = cc("rules", cwd=workspace, check=True).stdout
    assert "no-high-severity (warning) — High severity needs sign-off  (from policies/ours.yaml)" in listing
    assert "unresolved-range (" in listing  # a bundled one, still in force


@pytest.fixture
def two_contracts(workspace: Path) -> Path:
    (workspace / "contracts" / "acme-widgets-supply-2025.yaml").write_text(OWN_CONTRACT, encoding="utf-8")
    (workspace / "events" / "acme.jsonl").write_text("\n".join(json.dumps(e) for e in OWN_EVENTS) + "\n",
                                                     encoding="utf-8")
    config = workspace / "contract-check.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[contract-check.contract-events]\nacme-widgets-supply-2025 = ["events/acme.jsonl"]\n',
                      encoding="utf-8")
    return workspace


def test_whole_workspace_one_report_per_format_and_one_exit_code(two_contracts: Path, tmp_path: Path) -> None:
    ids = ["acme-widgets-supply-2025", "starter-services-2025"]
    doc = json.loads(cc("check", "--format", "json", cwd=two_contracts).stdout)
    assert [c["contract"]["id"] for c in doc["contracts"]] == ids
    assert doc["summary"]["breach"] == sum(c["summary"]["breach"] for c in doc["contracts"]) == 3
    sarif = json.loads(cc("check", "--format", "sarif", cwd=two_contracts).stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    assert [r["properties"]["contractId"] for r in sarif["runs"]] == ids
    junit = ET.fromstring(cc("check", "--format", "junit", cwd=two_contracts).stdout)
    names = [s.get("name") for s in junit.iter("testsuite")]
    assert "acme-widgets-supply-2025.delivery" in names and "starter-services-2025.invoice-payment" in names
    html = cc("check", "--format", "html", cwd=two_contracts).stdout
    assert html.count("<main>") == 1 and html.count('<section class="contract"') == 2
    element_ids = [chunk.split('"', 1)[0] for chunk in html.split(' id="')[1:]]
    assert len(element_ids) == len(set(element_ids)), "ids must stay unique across the contracts' sections"
    md = cc("check", "--format", "md", cwd=two_contracts).stdout
    assert md.startswith("# Workspace compliance") and md.count("## Contract compliance: ") == 2
    # One exit code: the acme contract passes on its own at --fail-on never, the workspace fails at breach.
    assert cc("check", "--contract", "contracts/acme-widgets-supply-2025.yaml", cwd=two_contracts).returncode == 1
    assert cc("check", "--fail-on", "never", cwd=two_contracts).returncode == 0
    ics = cc("agenda", "--format", "ics", cwd=two_contracts, check=True).stdout
    assert "@acme-widgets-supply-2025.contract-check" in ics and "@starter-services-2025.contract-check" in ics


def test_the_scaffolded_pre_commit_hooks_gate_a_commit(workspace: Path, tmp_path: Path) -> None:
    """The .pre-commit-config.yaml `init` writes, run by the real pre-commit on a real commit: a
    proposal leaving a figure as a range is refused, the fixed one passes."""
    import shutil

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never",
           # `language: system` hooks run the installed contract-check: this interpreter's.
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=workspace, env=env, capture_output=True, text=True, timeout=600, check=False)

    def git(*argv: str) -> subprocess.CompletedProcess[str]:
        return run("git", "-c", "user.email=counsel@example.com", "-c", "user.name=counsel",
                   "-c", "commit.gpgsign=false", *argv)

    assert git("init", "-q").returncode == 0
    assert git("add", "-A").returncode == 0
    assert git("commit", "-qm", "workspace", "--no-verify").returncode == 0
    proposal = workspace / "contracts" / "proposals" / "longer-payment.yaml"
    proposal.parent.mkdir()
    proposal.write_text(
        "proposal:\n  id: longer-payment\n  title: Longer payment terms\n  amends: starter-services-2025\n"
        "  changes:\n    - set: {clause: invoice-payment, parameters: {within: {min: 30, max: 60}}}\n",
        encoding="utf-8")
    assert git("add", "-A").returncode == 0
    done = run(sys.executable, "-m", "pre_commit", "run", "--files", str(proposal.relative_to(workspace)))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "contracts/proposals/longer-payment.yaml" in done.stdout and "unresolved-range" in done.stdout
    proposal.write_text(proposal.read_text(encoding="utf-8").replace("{min: 30, max: 60}", "{days: 45}"), encoding="utf-8")
    assert git("add", "-A").returncode == 0
    done = run(sys.executable, "-m", "pre_commit", "run", "--files", str(proposal.relative_to(workspace)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "contract terms (term policies)" in done.stdout and "contract scenarios" in done.stdout
