"""Proposals and `contract-check diff`: the amended contract, clause changes, verdict changes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main
from checker.errors import CheckError
from checker.proposals import load_document
from checker.templates import load_templates
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
    rules = str(RULES)
    args = ["--rules", rules, str(EXAMPLE_CONTRACT), str(PROPOSAL), "--events", str(EXAMPLE_EVENTS)]
    code, doc = diff_json(args, capsys)
    assert code == 0  # no new breach
    d = doc["diffs"][0]
    terms = {(t["change"], t["what"], t["clause"], t["name"]): (t["old"], t["new"]) for t in d["terms"]}
    assert terms[("removed", "clause", "agi-clause", "agi-clause")] == ("milestone-termination", None)
    assert terms[("changed", "parameter", "revenue-share", "share_percent")] == (20, 10)
    assert terms[("changed", "parameter", "acquired-ip", "exempt_subjects")] == ([], ["windsurf"])
    assert terms[("added", "definition", None, "microsoft_equity_percent")] == (None, {"min": 20, "max": 49})
    assert verdict_changes(d) == {
        ("agi-clause", "13c17c817552ee7d"): ("grey threshold-not-evidenced", None),
        ("revenue-share", "fee3c73896558cba"): ("breach underpaid", "ok paid"),
        ("acquired-ip", "a29be32e187b352d"): ("grey amendment-pending", "ok exempted"),
        ("acquired-ip", "a5d99d4b419210f6"): ("grey amendment-pending", "ok exempted"),
    }
    gone = next(v for v in d["verdicts"] if v["clause"] == "agi-clause")
    assert gone["change"] == "disappeared" and gone["old"]["events"] == ["e49"]
    assert d["summary"]["unchanged"] == 28 and d["summary"]["new"]["grey"] == 5

    code, out, _ = diff(args, capsys)
    assert code == 0
    assert "removed  clause agi-clause (milestone-termination)" in out
    assert "revenue-share parameter share_percent: 20 → 10" in out
    assert "disappeared agi-clause" in out and "breach underpaid → ok paid" in out
    code, out, _ = diff([*args, "--format", "md"], capsys)
    assert code == 0 and "| disappeared | `agi-clause` | grey threshold-not-evidenced | (none) | e49 |" in out


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
                        "    - set: {clause: cloud-rofr, parameters: {window_days: 40}}\n", encoding="utf-8")
    code, doc = diff_json(["--against", "HEAD", str(proposal), *events], capsys)
    assert code == 1
    d = doc["diffs"][0]
    assert d["old"]["file"] == f"HEAD:{contract}"
    assert verdict_changes(d) == {("cloud-rofr", "5e3e27c33ecc5c77"): ("ok lapsed", "breach window-open")}

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
