"""The bad-input matrix (tests/bad_inputs/cases.yaml): every case is one CLI run in a subprocess.

A refused input exits 2 with `file:line[:col]: what is wrong` on stderr, nothing on stdout and
never a traceback; an accepted one gives the verdicts the case states. Under --lenient, a bad
line is skipped and reported (stderr and the JSON `skipped_lines`), never silently.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import EXAMPLE_CONTRACT, EXAMPLE_EVENTS, ROOT

HERE = Path(__file__).resolve().parent / "bad_inputs"
CASES_FILE = HERE / "cases.yaml"
PREFIX = "contract-check: error: "
WHERE_RE = re.compile(r"^contract-check: error: (?P<file>[^\n]+?):(?P<line>\d+)(?::(?P<col>\d+))?: \S")
MAX_STDERR = 2000
BREACH_LINE = (
    '{"id": "c1", "time": "2025-01-21", "type": "cloud_contract", "actor": "openai", '
    '"provider": "oracle", "value_usd": 10000000000}'
)
OTHER_LINE = '{"id": "x1", "time": "2025-01-22", "type": "board_meeting", "actor": "microsoft"}'


# --- generators: inputs that cannot be written as readable fixture files ----------------------


def _lines(*lines: str, end: str = "\n") -> bytes:
    return (end.join(lines) + end).encode("utf-8")


def truncated_last_line(tmp: Path) -> str:
    (tmp / "truncated.jsonl").write_bytes(_lines(BREACH_LINE) + b'{"id": "c2", "time": "2025-01-2')
    return "truncated.jsonl"


def utf8_bom(tmp: Path) -> str:
    (tmp / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + _lines(BREACH_LINE))
    return "bom.jsonl"


def latin1_bytes(tmp: Path) -> str:
    bad = '{"id": "l1", "time": "2025-01-10", "type": "product_launch", "actor": "openai", "product": "Caf\xe9"}'
    (tmp / "latin1.jsonl").write_bytes(_lines(BREACH_LINE) + bad.encode("latin-1") + b"\n")
    return "latin1.jsonl"


def crlf(tmp: Path) -> str:
    (tmp / "crlf.jsonl").write_bytes(_lines(BREACH_LINE, OTHER_LINE, end="\r\n"))
    return "crlf.jsonl"


def many_fields(tmp: Path) -> str:
    event: dict[str, Any] = json.loads(BREACH_LINE)
    event.update({f"field_{i:03d}": f"value {i}" for i in range(300 - len(event))})
    assert len(event) == 300
    (tmp / "wide.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")
    return "wide.jsonl"


def huge_string(tmp: Path) -> str:
    event = json.loads(OTHER_LINE)
    event["note"] = "x" * (20 * 1024 * 1024)
    (tmp / "huge.jsonl").write_text(BREACH_LINE + "\n" + json.dumps(event) + "\n", encoding="utf-8")
    return "huge.jsonl"


def _deep(depth: int) -> str:
    return BREACH_LINE[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"


def deep_nesting_1000(tmp: Path) -> str:
    (tmp / "deep1000.jsonl").write_text(_deep(1000) + "\n", encoding="utf-8")
    return "deep1000.jsonl"


def deep_nesting_40(tmp: Path) -> str:
    (tmp / "deep40.jsonl").write_text(_deep(40) + "\n", encoding="utf-8")
    return "deep40.jsonl"


def long_id(tmp: Path) -> str:
    event = json.loads(BREACH_LINE)
    event["id"] = "e" * 5000
    (tmp / "long-id.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")
    return "long-id.jsonl"


def huge_list(tmp: Path) -> str:
    event = {"id": "l1", "time": "2024-01-01", "type": "product_launch", "actor": "openai", "product": "p",
             "ip": list(range(100_000))}
    (tmp / "huge-list.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")
    return "huge-list.jsonl"


GENERATORS: dict[str, Callable[[Path], str]] = {
    f.__name__: f
    for f in (truncated_last_line, utf8_bom, latin1_bytes, crlf, many_fields, huge_string,
              deep_nesting_1000, deep_nesting_40, long_id, huge_list)
}


# --- the table -----------------------------------------------------------------------------------

INPUT_KEYS = {"jsonl", "events", "generate", "contract", "contract_patch", "rules_patch", "args"}
KNOWN_KEYS = INPUT_KEYS | {"name", "outcome", "expect", "stderr", "lenient", "max_seconds", "xfail", "decision"}


def load_cases() -> list[dict[str, Any]]:
    """cases.yaml, then every cases-<topic>.yaml beside it (one file per class of hostile input)."""
    cases: list[dict[str, Any]] = []
    for file in [CASES_FILE, *sorted(HERE.glob("cases-*.yaml"))]:
        data = YAML(typ="safe").load(file.read_text(encoding="utf-8"))
        cases.extend(data["cases"])
    return cases


CASES = load_cases()


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
        params.append(pytest.param(case, id=case["name"], marks=marks))
    return params


def test_table_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(CASES) >= 45
    for case in CASES:
        assert set(case) <= KNOWN_KEYS, (case["name"], set(case) - KNOWN_KEYS)
        assert case["outcome"] in ("accepted", "refused"), case["name"]
        assert case.get("decision"), f"{case['name']}: every case documents its decision"
        sources = [k for k in ("jsonl", "events", "generate") if k in case]
        assert len(sources) <= 1, case["name"]
        if "generate" in case:
            assert case["generate"] in GENERATORS, case["name"]
        if case["outcome"] == "refused":
            assert "stderr" in case and "expect" not in case, case["name"]
            if sources:
                assert case.get("lenient") in ("skipped", "refused"), f"{case['name']}: decide --lenient"
        else:
            assert "expect" in case and "stderr" not in case, case["name"]


@dataclass
class Prepared:
    argv: list[str]
    line: int | None  # where the first patch's new text begins


def _patch(text: str, replacements: list[list[str]], what: str) -> tuple[str, int | None]:
    line: int | None = None
    for old, new in replacements:
        index = text.find(old)
        assert index >= 0, f"{what}: patch target not found: {old!r}"
        if line is None:
            line = text.count("\n", 0, index) + 1 + len(new) - len(new.lstrip("\n"))
        text = text[:index] + new + text[index + len(old):]
    return text, line


def prepare(case: dict[str, Any], tmp: Path) -> Prepared:
    contract = str(EXAMPLE_CONTRACT)
    events = str(EXAMPLE_EVENTS)
    extra: list[str] = []
    line: int | None = None
    if "jsonl" in case:
        events = f"{case['name']}.jsonl"
        (tmp / events).write_text("".join(x + "\n" for x in case["jsonl"]), encoding="utf-8")
    elif "events" in case:
        events = Path(case["events"]).name
        shutil.copyfile(HERE / case["events"], tmp / events)
    elif "generate" in case:
        events = GENERATORS[case["generate"]](tmp)
    if "contract" in case:
        contract = Path(case["contract"]).name
        shutil.copyfile(HERE / case["contract"], tmp / contract)
    elif "contract_patch" in case:
        text, line = _patch(EXAMPLE_CONTRACT.read_text(encoding="utf-8"), case["contract_patch"], case["name"])
        contract = f"{case['name']}.yaml"
        (tmp / contract).write_text(text, encoding="utf-8")
    if "rules_patch" in case:
        rules = tmp / "rules"
        shutil.copytree(ROOT / "rules", rules)
        target = rules / case["rules_patch"]["file"]
        text, line = _patch(target.read_text(encoding="utf-8"), case["rules_patch"]["replace"], case["name"])
        target.write_text(text, encoding="utf-8")
        extra += ["--rules", "rules"]
    argv = ["check", "--contract", contract, "--events", events, *extra, *case.get("args", [])]
    return Prepared(argv, line)


def run_cli(argv: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "checker", *argv], cwd=cwd, input=stdin, capture_output=True, timeout=120,
        env=_env(),
    )


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _stderr_regex(case: dict[str, Any], line: int | None) -> str:
    pattern: str = case["stderr"]
    if "{line" in pattern:
        assert line is not None, f"{case['name']}: {{line}} needs a patch"
        pattern = pattern.replace("{line_after}", str(line + 1)).replace("{line}", str(line))
    return pattern


def check_refused(case: dict[str, Any], prepared: Prepared, tmp: Path) -> None:
    started = time.monotonic()
    proc = run_cli([*prepared.argv, "--format", "json"], tmp)
    elapsed = time.monotonic() - started
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-3000:]
    assert proc.returncode == 2, (proc.returncode, stderr[:MAX_STDERR])
    assert proc.stdout == b"", "a refused input must not leave a partial report on stdout"
    assert len(stderr) < MAX_STDERR, f"stderr is {len(stderr)} characters: offending values must be truncated"
    assert WHERE_RE.match(stderr), f"the message must name file:line[:col]: {stderr!r}"
    pattern = _stderr_regex(case, prepared.line)
    assert re.match(pattern, stderr[len(PREFIX):].rstrip("\n")), f"\n  stderr:  {stderr!r}\n  pattern: {pattern!r}"
    if "max_seconds" in case:
        assert elapsed < case["max_seconds"], f"took {elapsed:.2f}s"
    if "lenient" in case:
        check_lenient(case, prepared, tmp, stderr)


def check_lenient(case: dict[str, Any], prepared: Prepared, tmp: Path, strict_stderr: str) -> None:
    proc = run_cli([*prepared.argv, "--lenient", "--format", "json", "--fail-on", "never"], tmp)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-3000:]
    if case["lenient"] == "refused":
        assert proc.returncode == 2, (proc.returncode, stderr)
        assert proc.stdout == b""
        assert stderr == strict_stderr, "--lenient cannot skip what makes the whole file unreadable"
        return
    where = WHERE_RE.match(strict_stderr)
    assert where is not None
    file, line = where["file"], int(where["line"])
    assert proc.returncode == 0, (proc.returncode, stderr[:MAX_STDERR])
    assert "skipped 1 unreadable line" in stderr, stderr
    assert f"{file}:{line}: " in stderr, stderr
    assert len(stderr) < MAX_STDERR
    doc = json.loads(proc.stdout)
    assert [(s["file"], s["line"]) for s in doc["skipped_lines"]] == [(file, line)]
    assert doc["skipped_lines"][0]["error"] in strict_stderr


def check_accepted(case: dict[str, Any], prepared: Prepared, tmp: Path) -> None:
    proc = run_cli([*prepared.argv, "--format", "json", "--fail-on", "never"], tmp)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-3000:]
    assert proc.returncode == 0, (proc.returncode, stderr[:MAX_STDERR])
    assert stderr == "", stderr[:MAX_STDERR]
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "contract-check/findings/1"
    expect: dict[str, Any] = case["expect"]
    findings = doc["findings"]
    for verdict, count in expect.get("summary", {}).items():
        assert doc["summary"][verdict] == count, (verdict, doc["summary"])
    if "findings" in expect:
        assert len(findings) == expect["findings"], findings
    if "reasons" in expect:
        assert [f"{f['verdict']}/{f['reason']}" for f in findings] == expect["reasons"]
    if "message" in expect:
        messages = [f["message"] for f in findings]
        assert any(expect["message"] in m for m in messages), messages
    if "uncovered" in expect:
        assert doc["uncovered_events"] == expect["uncovered"]
    if "text" in expect:
        text = run_cli([*prepared.argv, "--fail-on", "never"], tmp)
        assert text.returncode == 0
        assert expect["text"] in text.stdout.decode("utf-8"), text.stdout.decode("utf-8", "replace")


@pytest.mark.parametrize("case", _params())
def test_bad_input(case: dict[str, Any], tmp_path: Path) -> None:
    prepared = prepare(case, tmp_path)
    if case["outcome"] == "refused":
        check_refused(case, prepared, tmp_path)
    else:
        check_accepted(case, prepared, tmp_path)


# --- --lenient: bad lines are skipped and reported, never silently ------------------------------


def test_lenient_skips_and_reports_every_bad_line(tmp_path: Path) -> None:
    lines = [
        BREACH_LINE,
        '{"id": "c2", "time": "2025-01-22" "type": "cloud_contract"}',  # 2: not JSON
        '{"id": "c3", "time": "2024-05-01T10:00:00", "type": "cloud_contract", "actor": "openai"}',  # 3: naive
        "",
        OTHER_LINE,
        '{"id": "c1", "time": "2025-01-23", "type": "board_meeting", "actor": "openai"}',  # 6: duplicate id
    ]
    (tmp_path / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["check", "--contract", str(EXAMPLE_CONTRACT), "--events", "mixed.jsonl", "--lenient", "--format", "json"]
    proc = run_cli(argv, tmp_path)
    stderr = proc.stderr.decode()
    assert proc.returncode in (0, 1), stderr
    assert "skipped 3 unreadable line(s)" in stderr
    for number in (2, 3, 6):
        assert f"mixed.jsonl:{number}: " in stderr
    doc = json.loads(proc.stdout)
    assert [s["line"] for s in doc["skipped_lines"]] == [2, 3, 6]
    assert "malformed JSON" in doc["skipped_lines"][0]["error"]
    assert "no UTC offset" in doc["skipped_lines"][1]["error"]
    assert "duplicate event id 'c1'" in doc["skipped_lines"][2]["error"]
    assert doc["uncovered_events"] == ["x1"]
    assert len(doc["findings"]) == 1
    # The text report lists the skipped lines too.
    text = run_cli([*argv[:-2], "--fail-on", "never"], tmp_path).stdout.decode()
    assert "skipped unreadable lines (--lenient): 3" in text
    assert "mixed.jsonl:2: malformed JSON" in text


def test_lenient_without_bad_lines_matches_strict(tmp_path: Path) -> None:
    argv = ["check", "--contract", str(EXAMPLE_CONTRACT), "--events", str(EXAMPLE_EVENTS), "--format", "json"]
    strict = run_cli(argv, tmp_path)
    lenient = run_cli([*argv, "--lenient"], tmp_path)
    assert strict.stdout == lenient.stdout
    assert lenient.stderr == b""
    assert "skipped_lines" not in json.loads(lenient.stdout)


ROFR_LINES = [
    '{"id": "o1", "time": "2025-02-10", "type": "rofr_offer", "actor": "openai", "to": "microsoft", '
    '"provider": "coreweave"}',
    '{"id": "r1", "time": "2025-02-11", "type": "rofr_response", "actor": "microsoft", "ref": "o1", '
    '"decision": "decline", "note": "bad\\u0000"}',
    '{"id": "c1", "time": "2025-02-12", "type": "cloud_contract", "actor": "openai", "provider": "coreweave"}',
]


def _rofr_lenient(tmp_path: Path) -> tuple[subprocess.CompletedProcess[bytes], dict[str, Any]]:
    (tmp_path / "rofr.jsonl").write_text("\n".join(ROFR_LINES) + "\n", encoding="utf-8")
    argv = ["check", "--contract", str(EXAMPLE_CONTRACT), "--events", "rofr.jsonl", "--format", "json"]
    assert run_cli(argv, tmp_path).returncode == 2
    proc = run_cli([*argv, "--lenient", "--fail-on", "never"], tmp_path)
    return proc, json.loads(proc.stdout)


def test_lenient_skipped_evidence_line_is_reported(tmp_path: Path) -> None:
    proc, doc = _rofr_lenient(tmp_path)
    assert [s["line"] for s in doc["skipped_lines"]] == [2]
    assert "U+0000" in doc["skipped_lines"][0]["error"]
    assert "rofr.jsonl:2: " in proc.stderr.decode()
    assert [f["events"][0] for f in doc["findings"]] == ["c1"]


def test_lenient_skipped_evidence_line_turns_the_verdict_grey(tmp_path: Path) -> None:
    _, doc = _rofr_lenient(tmp_path)
    assert [(f["verdict"], f["reason"]) for f in doc["findings"]] == [("grey", "evidence-unreadable")]
