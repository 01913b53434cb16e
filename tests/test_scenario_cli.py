"""`contract-check test`: exit codes, side-by-side failure output, bad input, -k and JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from checker.authoring.scenarios import load_scenarios, run_case
from checker.errors import CheckError

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "contracts" / "openai-microsoft-2019.yaml"
WHERE = re.compile(r"\.yaml:\d+:\d+: ")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", "test", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def write(tmp_path: Path, body: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"contract: {CONTRACT}\n" + body, encoding="utf-8")
    return path


FAILING = """\
cases:
  - name: wrong-expectation
    description: The weights were shared before launch, but this case claims a breach.
    events:
      - {id: l1, time: 2024-05-13, type: product_launch, actor: openai, product: gpt-4o, ip: [model_weights]}
      - {id: d1, time: 2024-05-10, type: ip_disclosure, actor: openai, to: microsoft, ref: l1, ip: [model_weights]}
    expect:
      - {clause: ip-access, trigger: l1, instance: model_weights, verdict: breach, reason: overdue}
  - name: right-expectation
    events:
      - {id: l1, time: 2024-05-13, type: product_launch, actor: openai, product: gpt-4o, ip: [model_weights]}
    expect:
      - {clause: ip-access, trigger: l1, verdict: pending}
"""


def test_bundled_scenarios_pass() -> None:
    proc = run_cli("tests/scenarios")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^\d+ passed, 0 failed", proc.stdout, re.M)
    assert "FAIL" not in proc.stdout


def test_failing_case_exits_1_and_shows_expected_next_to_actual(tmp_path: Path) -> None:
    path = write(tmp_path, FAILING)
    proc = run_cli(str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert f"FAIL {path}::wrong-expectation" in out
    assert f"PASS {path}::right-expectation" in out
    assert "1 passed, 1 failed" in out
    assert "The weights were shared before launch" in out
    header = next(line for line in out.splitlines() if "expected" in line and "| actual" in line)
    row = next(line for line in out.splitlines() if line.lstrip().startswith("! ip-access l1"))
    left, right = row.split(" | ", 1)
    assert "breach overdue" in left
    assert "ip-access l1 model_weights ok disclosed [l1, d1]" in right
    assert header.index("|") == row.index("|")  # the two columns line up


def test_only_and_absent_and_lists_fail_with_reasons(tmp_path: Path) -> None:
    path = write(tmp_path, """\
cases:
  - name: strict
    as_of: 2025-01-01
    events:
      - {id: l1, time: 2024-01-10, type: product_launch, actor: openai, product: gpt-x,
         ip: [model_weights, inference_code]}
      - {id: x1, time: 2024-01-11, type: board_meeting, actor: openai}
    expect:
      - {clause: ip-access, instance: model_weights, verdict: breach}
    absent:
      - {instance: inference_code, verdict: breach}
    only: true
    uncovered_events: [l1]
""")
    [case] = load_scenarios([path])
    result = run_case(case)
    assert not result.passed
    assert [f.instance for f in result.unexpected] == ["inference_code"]
    assert [f.instance for _, f in result.forbidden] == ["inference_code"]
    assert [(c.name, c.ok) for c in result.lists] == [("uncovered_events", False)]
    text = result.report()
    assert "+ (not expected: only)" in text
    assert "! absent:" in text
    assert "! uncovered_events: [l1]" in text and "uncovered_events: [x1]" in text


def test_two_identical_expectations_need_two_findings(tmp_path: Path) -> None:
    path = write(tmp_path, """\
cases:
  - name: twice
    events:
      - {id: l1, time: 2024-01-10, type: product_launch, actor: openai, product: gpt-x, ip: [model_weights]}
    expect:
      - {clause: ip-access, verdict: pending}
      - {clause: ip-access, verdict: pending}
""")
    [case] = load_scenarios([path])
    result = run_case(case)
    assert not result.passed and len(result.missing) == 1


def test_expected_refusal(tmp_path: Path) -> None:
    path = write(tmp_path, """\
cases:
  - name: refused
    events:
      - {id: d1, time: 2024-01-20, type: ip_disclosure, actor: openai, to: microsoft, ref: nowhere, ip: [model_weights]}
    error: ref
  - name: not-refused
    events:
      - {id: l1, time: 2024-01-10, type: product_launch, actor: openai, product: gpt-x, ip: [model_weights]}
    error: ref
""")
    refused, accepted = (run_case(c) for c in load_scenarios([path]))
    assert refused.passed and refused.refused and "nowhere" in refused.refused
    assert not accepted.passed and "accepted (no error)" in accepted.report()


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("cases:\n  - name: x\n    events: []\n    expekt: []\n", 4, "unknown field 'expekt'"),
        ("cases:\n  - name: Bad_Name\n    events: []\n", 2, "cases.0.name"),
        ("cases:\n  - name: x\n    events:\n      - {id: l1, type: product_launch, actor: openai}\n", 4,
         "missing required field 'time'"),
        ("cases:\n  - name: x\n    events:\n      - {id: l1, time: 2024-13-01, type: launch, actor: openai}\n", 4,
         "2024-13-01"),
        ("cases:\n  - name: x\n    events:\n      - {id: l1, time: 2024-01-01, type: a, actor: openai}\n"
         "      - {id: l1, time: 2024-01-02, type: a, actor: openai}\n", 5, "duplicate event id"),
        ("cases:\n  - name: x\n    events: []\n  - name: x\n    events: []\n", 4, "used twice"),
        ("cases:\n  - name: x\n    events:\n      - {id: l1, time: 2024-01-01, type: a, actor: openai}\n"
         "    expect:\n      - {clause: ip-acess, verdict: ok}\n", 6, "unknown clause 'ip-acess'"),
        ("cases:\n  - name: x\n    events:\n      - {id: l1, time: 2024-01-01, type: a, actor: openai}\n"
         "    expect:\n      - {trigger: l2}\n", 6, "names no event"),
        ("cases:\n  - name: x\n    events:\n      - {id: l1, time: 2024-01-01, type: a, actor: openai}\n"
         "    expect:\n      - {verdict: fine}\n", 6, "verdict"),
        ("cases:\n  - name: x\n    events: []\n    expect:\n      - {}\n", 5, "at least one of"),
        ("cases:\n  - name: x\n    as_of: 2024-01-01T10:00:00\n    events: []\n", 3, "no UTC offset"),
        ("cases:\n  - name: x\n    events: []\n    events_file: log.jsonl\n", 2, "either 'events'"),
        ("cases:\n  - name: x\n    events_file: missing.jsonl\n", 3, "events file not found"),
        ("cases:\n  - name: x\n    events:\n      - {id: l1, time: 2024-01-01, type: a, actor: openai, "
         "amount_usd: 12345678901234567.5}\n", 4, "quote it"),
        ("cases:\n  - name: x\n    events: [\n", 4, "invalid YAML"),
    ],
)
def test_bad_scenario_files_name_file_line_and_column(tmp_path: Path, body: str, line: int, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(CheckError) as info:
        load_scenarios([path])
    err = info.value
    assert err.file == str(path) and err.line == line + 1 and err.col is not None, str(err)
    assert message in str(err)


def test_malformed_scenario_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - name: broken\n    events:\n"
                           "      - {id: l1, time: yesterday, type: x, actor: openai}\n")
    proc = run_cli(str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{path}:5:" in proc.stderr and WHERE.search(proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout


def test_a_third_party_event_is_accepted_and_sets_off_nothing(tmp_path: Path) -> None:
    """SPEC §10: a launch by a company that is not a party is legal, and is no launch by OpenAI."""
    path = write(tmp_path, "cases:\n  - name: stranger\n    events:\n"
                           "      - {id: l1, time: 2024-01-10, type: product_launch, actor: google, ip: [model_weights]}\n"
                           "    only: true\n    uncovered_events: [l1]\n")
    proc = run_cli(str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_path_exits_2() -> None:
    proc = run_cli("tests/no-such-scenarios")
    assert proc.returncode == 2 and "no such file or directory" in proc.stderr


def test_events_file_relative_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "log.jsonl").write_text(
        '{"id": "l1", "time": "2024-01-10", "type": "product_launch", "actor": "openai", "ip": ["model_weights"]}\n')
    path = write(tmp_path, "cases:\n  - name: from-file\n    events_file: logs/log.jsonl\n"
                           "    expect:\n      - {clause: ip-access, trigger: l1, verdict: pending}\n")
    proc = run_cli(str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_k_selects_by_file_and_name(tmp_path: Path) -> None:
    path = write(tmp_path, FAILING)
    proc = run_cli(str(path), "-k", "right-expectation")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed, 0 failed, 1 case(s)" in proc.stdout and "wrong-expectation" not in proc.stdout
    proc = run_cli("tests/scenarios", "-k", "contract-term.yaml::launch-on-the-last")
    assert proc.returncode == 0
    assert "1 passed, 0 failed, 1 case(s)" in proc.stdout
    proc = run_cli(str(path), "-k", "no-case-is-called-this")
    assert proc.returncode == 2 and "no case" in proc.stderr


def test_json_format(tmp_path: Path) -> None:
    path = write(tmp_path, FAILING)
    proc = run_cli(str(path), "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "contract-check/scenarios/1"
    assert doc["summary"] == {"total": 2, "passed": 1, "failed": 1}
    wrong = doc["cases"][0]
    assert wrong["name"] == "wrong-expectation" and wrong["passed"] is False
    assert wrong["missing"][0]["expected"]["verdict"] == "breach"
    assert wrong["missing"][0]["nearest"]["reason"] == "disclosed"
