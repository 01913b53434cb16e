"""`contract-check lint`: term policies over contract and proposal files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from checker.authoring.lint import default_policy_dirs, lint_file, load_policies
from checker.authoring.lint.policies import load_policy_file
from checker.cli import main
from checker.errors import CheckError
from checker.language.templates import load_templates
from tests.conftest import EXAMPLE_CONTRACT, ROOT

PROPOSAL = ROOT / "contracts" / "proposals" / "2025-restructuring.yaml"
LINE_RE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \[(?P<severity>error|warning|info)\] (?P<policy>[a-z0-9-]+): (?P<message>.+)$"
)


RULES = ROOT / "rules"  # the bundled templates and policies, passed explicitly with --rules


def lint(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], str, str]:
    code = main(["lint", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    found = [m.groupdict() for m in map(LINE_RE.match, out.splitlines()) if m]
    return code, found, out, err


def line_of(file: Path, text: str, after: str | None = None) -> int:
    lines = file.read_text(encoding="utf-8").splitlines()
    start = 0 if after is None else next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def contract_copy(tmp_path: Path, replace: dict[str, str] | None = None, name: str = "contract.yaml") -> Path:
    text = EXAMPLE_CONTRACT.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return target


def proposal_copy(tmp_path: Path, replace: dict[str, str] | None = None, text: str | None = None) -> Path:
    """A proposal under tmp/contracts/proposals/, beside a copy of the 2019 contract it amends."""
    (tmp_path / "contracts" / "proposals").mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE_CONTRACT, tmp_path / "contracts" / EXAMPLE_CONTRACT.name)
    body = PROPOSAL.read_text(encoding="utf-8") if text is None else text
    for old, new in (replace or {}).items():
        assert old in body, old
        body = body.replace(old, new)
    target = tmp_path / "contracts" / "proposals" / "proposal.yaml"
    target.write_text(body, encoding="utf-8")
    return target


# --- the example contract ------------------------------------------------------------------------


def test_2019_contract_has_exactly_two_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    code, found, out, _ = lint([str(EXAMPLE_CONTRACT)], capsys)
    assert code == 0
    assert [(f["severity"], f["policy"]) for f in found] == [("warning", "deadline-defined"), ("warning", "measurable-milestone")]
    deadline, milestone = found
    assert "ip-access" in deadline["message"] and "period_days" in deadline["message"]
    assert int(deadline["line"]) == line_of(EXAMPLE_CONTRACT, "period_days:", after="id: ip-access")
    assert "agi-clause" in milestone["message"] and "grey zone generator" in milestone["message"]
    assert int(milestone["line"]) == line_of(EXAMPLE_CONTRACT, "id: agi-clause")
    assert out.splitlines()[-1] == "0 errors, 2 warnings in 1 file"


def test_fail_on_warning_and_never(capsys: pytest.CaptureFixture[str]) -> None:
    assert lint(["--fail-on", "warning", str(EXAMPLE_CONTRACT)], capsys)[0] == 1
    assert lint(["--fail-on", "never", str(EXAMPLE_CONTRACT)], capsys)[0] == 0


def test_acquired_ip_inherits_its_period_from_section_2_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # acquired-ip's text refers to §2.1 and its assumed period equals ip-access's: reported once, at the source.
    # Without the reference, or with a different figure, it is a missing deadline of its own.
    unlinked = contract_copy(tmp_path, {"available to Microsoft under §2.1, unless": "available to Microsoft, unless"})
    _, found, _, _ = lint([str(unlinked)], capsys)
    assert sorted(f["message"].split(":")[0] for f in found if f["policy"] == "deadline-defined") == [
        "clause acquired-ip", "clause ip-access"]
    other_figure = contract_copy(tmp_path, {"        period_days:\n          value: 90\n          assumption: Same":
                                            "        period_days:\n          value: 60\n          assumption: Same"})
    _, found, _, _ = lint([str(other_figure)], capsys)
    assert len([f for f in found if f["policy"] == "deadline-defined"]) == 2


def test_a_stated_period_is_a_deadline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stated = contract_copy(tmp_path, {"The agreement does not state\n        by when the IP must be made available.":
                                      "It does so within 90 days of each release."})
    _, found, _, _ = lint([str(stated)], capsys)
    assert [f["policy"] for f in found] == ["measurable-milestone"]


def test_a_named_verifier_satisfies_measurable_milestone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = RULES
    verifier = "    agi_verifier:\n      value: an independent auditor both parties appoint\n"
    named = contract_copy(tmp_path, {"        ends: [ip-access, acquired-ip, revenue-share]":
                                     "        ends: [ip-access, acquired-ip, revenue-share]\n"
                                     "        verifier: {definition: agi_verifier}",
                                     "  clauses:\n": verifier + "  clauses:\n"})
    code, found, _, _ = lint(["--rules", str(rules), str(named)], capsys)
    assert code == 0 and [f["policy"] for f in found] == ["deadline-defined"]
    no_threshold = contract_copy(tmp_path, {"threshold: {definition: agi_profit_threshold_usd}": "threshold: 0"},
                                 name="zero.yaml")
    _, found, _, _ = lint(["--rules", str(rules), str(no_threshold)], capsys)
    assert [f["policy"] for f in found] == ["deadline-defined", "measurable-milestone"]


# --- the 2025 proposal -------------------------------------------------------------------------------


def test_2025_proposal_fails_on_the_equity_range_until_one_value_is_agreed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = RULES
    code, found, _, _ = lint(["--rules", str(rules), str(PROPOSAL)], capsys)
    assert code == 1
    errors = [f for f in found if f["severity"] == "error"]
    assert [(f["policy"], Path(f["file"]).name) for f in errors] == [("unresolved-range", PROPOSAL.name)]
    assert "microsoft_equity_percent" in errors[0]["message"] and "20 to 49" in errors[0]["message"]
    assert int(errors[0]["line"]) == line_of(PROPOSAL, "percent: {min: 20, max: 49}")

    fixed = proposal_copy(tmp_path, {"percent: {min: 20, max: 49}": "percent: 30"})
    code, found, _, _ = lint(["--rules", str(rules), str(fixed)], capsys)
    assert code == 0
    assert [(f["severity"], f["policy"]) for f in found] == [("warning", "deadline-defined")]


def test_a_proposal_setting_a_parameter_the_template_lacks_is_reported_not_crashed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    scoped = rules / "scoped-disclosure.yaml"
    text = scoped.read_text(encoding="utf-8")
    text = re.sub(r"  exempt_subjects: .*\n  exempt_ip: .*\n", "", text)
    text = re.sub(r"      - when: \[\[obligation.subject, in, \$exempt_subjects\].*?\n(?=      - when)", "", text, flags=re.S)
    scoped.write_text(text, encoding="utf-8")
    code, found, _, _ = lint(["--rules", str(rules), str(PROPOSAL)], capsys)
    assert code == 1
    assert any(f["policy"] == "contract-valid" and "exempt_subjects" in f["message"] for f in found)


@pytest.mark.parametrize(("change", "policy", "words"), [
    ("percent: 30\n        text: x", None, None),
    ("percent: [20, 49]\n        text: x", "unresolved-range", "20 to 49"),
    ('percent: "20–49 %"\n        text: x', "unresolved-range", "20 to 49"),
    ("percent: 130\n        text: x", "sanity", "above 100"),
])
def test_equity_values(tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str, policy: str | None,
                       words: str | None) -> None:
    rules = RULES
    body = PROPOSAL.read_text(encoding="utf-8")
    body = re.sub(r"percent: \{min: 20, max: 49\}\n        text: >\n(?:          .*\n)+", change.replace("\\", "") + "\n", body)
    target = proposal_copy(tmp_path, text=body)
    _, found, _, _ = lint(["--rules", str(rules), str(target)], capsys)
    errors = [(f["policy"], f["message"]) for f in found if f["severity"] == "error"]
    if policy is None:
        assert errors == []
    else:
        assert [p for p, _ in errors] == [policy] and words in errors[0][1]


def test_red_line_revenue_share(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = RULES
    low = {"value: 10\n          unit: percent": "value: 5\n          unit: percent"}
    target = proposal_copy(tmp_path, {**low, "percent: {min: 20, max: 49}": "percent: 25"})
    _, found, _, _ = lint(["--rules", str(rules), str(target)], capsys)
    red = [f for f in found if f["policy"] == "red-line-revenue-share"]
    assert len(red) == 1 and "5 %" in red[0]["message"] and "only 25 %" in red[0]["message"]
    target = proposal_copy(tmp_path, {**low, "percent: {min: 20, max: 49}": "percent: 30"})
    _, found, _, _ = lint(["--rules", str(rules), str(target)], capsys)
    assert not [f for f in found if f["policy"].startswith("red-line")]
    no_equity = re.sub(r"    - equity:\n(?:        .*\n|          .*\n)+\n", "", PROPOSAL.read_text(encoding="utf-8"))
    target = proposal_copy(tmp_path, low, text=no_equity)
    _, found, _, _ = lint(["--rules", str(rules), str(target)], capsys)
    red = [f for f in found if f["policy"] == "red-line-revenue-share"]
    assert len(red) == 1 and "no equity stake" in red[0]["message"]


def test_red_line_exemption_needs_board_sign_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = RULES
    fixed = {"percent: {min: 20, max: 49}": "percent: 30"}
    target = proposal_copy(tmp_path, {**fixed, "        board_sign_off: 2025-06-25\n": ""})
    code, found, _, _ = lint(["--rules", str(rules), str(target)], capsys)
    red = [f for f in found if f["policy"] == "red-line-exemption-sign-off"]
    assert code == 1 and len(red) == 1 and "windsurf" in red[0]["message"] and "3,000,000,000" in red[0]["message"]
    assert Path(red[0]["file"]).name == "proposal.yaml"
    target = proposal_copy(tmp_path, {**fixed, "        acquisition_usd: 3000000000\n": ""})
    _, found, _, _ = lint(["--rules", str(rules), str(target)], capsys)
    assert ["does not state the acquisition's value" in f["message"] for f in found if f["severity"] == "error"] == [True]


@pytest.mark.parametrize(("subjects", "ip", "expected"), [
    ("[windsurf]", "[model_weights]", []),
    ('["*"]', "[model_weights]", ["names '*' instead of specific entities"]),
    ("[All]", "[model_weights]", ["names 'All' instead of specific entities"]),
    ("[wind*]", "[model_weights]", ["pattern 'wind*'"]),
    ("[windsurf]", "[all]", ["exempts 'all' instead of specific IP kinds"]),
    ("[windsurf]", "[]", ["names no IP kinds"]),
    ("[]", "[model_weights]", ["names no entity"]),
])
def test_exemption_scope(tmp_path: Path, capsys: pytest.CaptureFixture[str], subjects: str, ip: str,
                         expected: list[str]) -> None:
    rules = RULES
    target = proposal_copy(tmp_path, {"percent: {min: 20, max: 49}": "percent: 30",
                                      "subjects: [windsurf]": f"subjects: {subjects}",
                                      "ip: [model_weights, inference_code]": f"ip: {ip}"})
    _, found, _, _ = lint(["--rules", str(rules), str(target)], capsys)
    scope = [f["message"] for f in found if f["policy"] == "exemption-scope"]
    assert len(scope) == len(expected)
    for message, words in zip(scope, expected, strict=True):
        assert words in message
    assert all(f["severity"] == "error" for f in found if f["policy"] == "exemption-scope")


# --- references and sanity ------------------------------------------------------------------------


@pytest.mark.parametrize(("replace", "policy", "words", "anchor"), [
    ({"under §2.1": "under §3"}, "references", "refers to §3", "text: >\n        Intellectual"),
    ({"  - id: cloud-rofr": "  - id: revenue-share"}, "references", "already used", "id: revenue-share\n      section: \"§5"),
    ({"share_percent: {definition: revenue_share_percent}": "share_percent: {definition: revenue_share}"},
     "references", "definition 'revenue_share'", "share_percent: {definition: revenue_share}"),
    ({"    obligor: openai\n        holder: microsoft\n        triggers: [restructuring]":
      "    obligor: openai\n        holder: microsft\n        triggers: [restructuring]"},
     "references", "'microsft', who is not a party", "holder: microsft"),
    ({"ends: [ip-access, acquired-ip, revenue-share]": "ends: [ip-access, acquired-ip, revenue-sharing]"},
     "references", "names clause 'revenue-sharing'", "ends:"),
    ({"expires: 2030-12-31": "expires: 2018-12-31"}, "sanity", "before it takes effect", "expires:"),
    ({"      value: 20\n      unit: percent": "      value: 120\n      unit: percent"}, "sanity", "above 100", "value: 120"),
    ({"      value: 92000000000\n      unit: USD": "      value: -5\n      unit: USD"}, "sanity", "negative amount", "value: -5"),
    ({"      value: 92000000000\n      unit: USD": "      value: 92000000000\n      unit: dollars"}, "sanity",
     "states no currency", "revenue_share_cap_usd:"),
    ({"          value: 30\n          assumption: The article gives no response":
      "          value: {min: 20, max: 40}\n          assumption: The article gives no response"},
     "unresolved-range", "window_days of clause cloud-rofr is still a range", "window_days:\n          value: {min"),
])
def test_policies_on_broken_contracts(tmp_path: Path, capsys: pytest.CaptureFixture[str], replace: dict[str, str],
                                      policy: str, words: str, anchor: str) -> None:
    target = contract_copy(tmp_path, replace)
    code, found, _, _ = lint([str(target)], capsys)
    assert code == 1
    errors = [f for f in found if f["severity"] == "error"]
    assert [f["policy"] for f in errors] == [policy], errors
    assert words in errors[0]["message"]
    text = target.read_text(encoding="utf-8")
    assert int(errors[0]["line"]) == text[: text.index(anchor)].count("\n") + 1


def test_loader_errors_are_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = contract_copy(tmp_path, {"template: right-of-first-refusal": "template: right-of-first-refusals"})
    code, found, _, _ = lint([str(target)], capsys)
    assert code == 1
    assert [(f["policy"], f["severity"]) for f in found if f["severity"] == "error"] == [("contract-valid", "error")]
    assert "unknown rule template 'right-of-first-refusals'" in found[1]["message"]


# --- formats and bad input --------------------------------------------------------------------------


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--format", "json", str(EXAMPLE_CONTRACT)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "contract-check/lint/1"
    assert doc["summary"] == {"error": 0, "warning": 2, "info": 0}
    assert {f["policy"] for f in doc["findings"]} == {"deadline-defined", "measurable-milestone"}
    assert set(doc["findings"][0]) == {"file", "line", "column", "severity", "policy", "message"}


def test_sarif_format_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "lint.sarif"
    assert main(["lint", "--format", "sarif", "--output", str(out), str(EXAMPLE_CONTRACT)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    schema_file = ROOT / "tests" / "schemas" / "sarif-2.1.0.json"
    jsonschema.validate(doc, json.loads(schema_file.read_text(encoding="utf-8")))
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {"measurable-milestone", "deadline-defined", "red-line-revenue-share", "contract-valid"} <= set(rules)
    assert [(r["ruleId"], r["level"]) for r in run["results"]] == [("deadline-defined", "warning"),
                                                                    ("measurable-milestone", "warning")]
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] > 1


@pytest.mark.parametrize(("content", "words"), [
    (None, "file not found"),
    ("contract: [\n", "invalid YAML"),
    ("other: 1\n", "expected a top-level 'contract' mapping"),
    ("proposal:\n  id: x\n  title: t\n  amends: openai-microsoft-2019\n  changes:\n    - rename: {}\n",
     "a change is one of"),
    ("proposal:\n  id: x\n  title: t\n  amends: openai-microsoft-2019\n  changes:\n    - remove: {clause: agi}\n",
     "no clause 'agi'"),
    ("proposal:\n  id: x\n  title: t\n  amends: openai-microsoft-2020\n  changes: []\n", "the contract it amends is not at"),
])
def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, words: str) -> None:
    target = tmp_path / "contracts" / "proposals" / "bad.yaml"
    target.parent.mkdir(parents=True)
    shutil.copy(EXAMPLE_CONTRACT, tmp_path / "contracts" / EXAMPLE_CONTRACT.name)
    if content is not None:
        target.write_text(content, encoding="utf-8")
    code, _, _, err = lint([str(target), str(EXAMPLE_CONTRACT)], capsys)
    assert code == 2
    assert err.startswith(f"contract-check: error: {target}")
    assert words in err


@pytest.mark.parametrize(("policy", "words"), [
    ("checks: [{subject: {kind: clauses}, message: m}]", "unknown fact kind 'clauses'"),
    ("checks: [{subject: {kind: clause, where: [[nme, ==, x]]}, message: m}]", "no attribute 'nme'"),
    ("checks: [{subject: {kind: clause, where: [[index, <, 3]]}, message: m}]", "== or != only"),
    ("checks: [{subject: {kind: clause}, joins: {t: {kind: clause, where: [[id, '!=', subject.id]]}}, message: m}]",
     "with == only"),
    ("checks: [{subject: {kind: clause}, when: [[subject.idx, ==, 1]], message: m}]", "no attribute 'idx'"),
    ("checks: [{subject: {kind: clause}, when: [[other.id, ==, 1]], message: m}]", "the left side"),
    ("checks: [{subject: {kind: clause}, message: 'bad ${subject.nope}'}]", "unknown placeholder"),
    ("checks: [{subject: {kind: clause}}]", "needs a message"),
])
def test_bad_policies_are_refused_with_their_position(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      policy: str, words: str) -> None:
    directory = tmp_path / "policies"
    directory.mkdir()
    file = directory / "bad.yaml"
    file.write_text(f"policies:\n  - id: bad\n    title: t\n    severity: error\n    doc: d\n    {policy}\n", encoding="utf-8")
    with pytest.raises(CheckError) as caught:
        load_policy_file(file)
    assert words in caught.value.message and caught.value.line == 6
    code, _, _, err = lint(["--policies", str(directory), str(EXAMPLE_CONTRACT)], capsys)
    assert code == 2 and f"{file}:6" in err


def test_custom_policy_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "policies"
    directory.mkdir()
    (directory / "high.yaml").write_text(
        "policies:\n  - id: no-high-severity\n    title: t\n    severity: info\n    doc: d\n"
        "    checks:\n      - subject: {kind: clause, where: [[severity, ==, high]]}\n"
        "        message: '${subject.id} is high'\n", encoding="utf-8")
    code, found, _, _ = lint(["--policies", str(directory), "--fail-on", "info", str(EXAMPLE_CONTRACT)], capsys)
    assert code == 1
    # Layered over the bundled policies, which report their own findings too.
    assert {"no-high-severity", "deadline-defined"} <= {f["policy"] for f in found}
    found = [f for f in found if f["policy"] == "no-high-severity"]
    assert [f["message"] for f in found] == [f"{c} is high" for c in (
        "ip-access", "acquired-ip", "revenue-share", "cloud-rofr", "restructuring-approval")]


def test_policies_run_through_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.authoring.lint.evaluate as evaluate
    from checker.run.engine import EngineSession

    sessions: list[Any] = []

    class Recording(EngineSession):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            sessions.append(self)

    monkeypatch.setattr(evaluate, "EngineSession", Recording)
    templates = load_templates()
    policies = load_policies(default_policy_dirs(None))
    findings = lint_file(EXAMPLE_CONTRACT, templates, policies)
    assert len(findings) == 2
    assert len(sessions) == len(policies)
    assert all(s.asserted > 0 and s.actions >= s.asserted for s in sessions)


def test_the_lint_command_offers_the_formats_lint_renders() -> None:
    from checker.authoring.lint import render as renderer
    from checker.commands import lint as command

    assert command.FORMATS == renderer.FORMATS
