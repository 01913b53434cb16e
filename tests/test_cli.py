"""The `check` command through a subprocess (`python -m checker check ...`), as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from checker.api import run_check
from tests.conftest import EXAMPLE_CONTRACT, EXAMPLE_EVENTS, ROOT

CLAUSES = ["ip-access", "acquired-ip", "revenue-share", "cloud-rofr", "restructuring-approval", "agi-clause"]
EXAMPLE_LINES = EXAMPLE_EVENTS.read_text(encoding="utf-8").splitlines(keepends=True)

FINDINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema", "contract", "as_of", "summary", "findings", "uncovered_events", "out_of_term_events",
                 "after_as_of_events"],
    "properties": {
        "schema": {"const": "contract-check/findings/1"},
        "contract": {"type": "object", "required": ["id", "file"],
                     "properties": {"id": {"type": "string"}, "file": {"type": "string"}}},
        "as_of": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$"},
        "summary": {
            "type": "object", "additionalProperties": False,
            "required": ["breach", "grey", "pending", "ok", "info"],
            "patternProperties": {".*": {"type": "integer", "minimum": 0}},
        },
        "findings": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "clause", "rule", "verdict", "reason", "severity", "message", "events", "time", "due"],
            "properties": {
                "id": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                "clause": {"type": "string"}, "rule": {"type": "string"},
                "verdict": {"enum": ["breach", "grey", "pending", "ok", "info"]},
                "reason": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                "severity": {"enum": ["high", "medium", "low"]},
                "message": {"type": "string", "minLength": 1},
                "events": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "time": {"type": "string"}, "due": {"type": ["string", "null"]},
            },
        }},
        "uncovered_events": {"type": "array", "items": {"type": "string"}},
        "out_of_term_events": {"type": "array", "items": {"type": "string"}},
        "after_as_of_events": {"type": "array", "items": {"type": "string"}},
        "skipped_lines": {"type": "array"},
        "unexercised_clauses": {"type": "array", "items": {"type": "string"}},
    },
}


def cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONIOENCODING"] = "utf-8"
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd or ROOT, input=stdin,
                          capture_output=True, timeout=120, env=env)


def check(*events: str, extra: tuple[str, ...] = (), cwd: Path | None = None,
          stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    argv = ["check", "--contract", str(EXAMPLE_CONTRACT)]
    for e in events:
        argv += ["--events", e]
    return cli(*argv, *extra, cwd=cwd, stdin=stdin)


def json_doc(proc: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    assert proc.stderr == b"", proc.stderr.decode()
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


@pytest.fixture(scope="module")
def example_json() -> bytes:
    proc = check(str(EXAMPLE_EVENTS), extra=("--format", "json"))
    assert proc.returncode == 1, proc.stderr.decode()
    return proc.stdout


# --- text output and exit codes -------------------------------------------------------------------


def test_example_exits_1_and_prints_every_clause() -> None:
    proc = check(str(EXAMPLE_EVENTS))
    text = proc.stdout.decode("utf-8")
    assert proc.returncode == 1, proc.stderr.decode()
    assert proc.stderr == b""
    for clause in CLAUSES:
        assert any(line.startswith(clause) for line in text.splitlines()), f"{clause} missing:\n{text}"
    assert "breach  no-offer" in text
    assert "uncovered events (no finding rests on them): e02" in text
    assert "out-of-term events: e01" in text
    assert text.rstrip().splitlines()[-1].startswith("summary: 7 breach")


def test_every_finding_is_printed(example_json: bytes) -> None:
    doc = json.loads(example_json)
    text = check(str(EXAMPLE_EVENTS)).stdout.decode("utf-8")
    for finding in doc["findings"]:
        assert finding["id"] in text
        assert finding["message"] in text


def test_fail_on_never_exits_0() -> None:
    proc = check(str(EXAMPLE_EVENTS), extra=("--fail-on", "never"))
    assert proc.returncode == 0
    assert b"summary:" in proc.stdout


@pytest.mark.parametrize("level", ["breach", "grey", "pending"])
def test_example_fails_at_every_level(level: str) -> None:
    assert check(str(EXAMPLE_EVENTS), extra=("--fail-on", level)).returncode == 1


PENDING_ONLY = ('{"id": "l1", "time": "2025-01-10", "type": "product_launch", "actor": "openai", '
                '"product": "o9", "ip": ["model_weights"]}\n')
GREY_ONLY = ('{"id": "l1", "time": "2025-01-10", "type": "product_launch", "actor": "openai", '
             '"product": "o9", "ip": ["training_data"]}\n')


@pytest.mark.parametrize(("log", "expected"), [
    (PENDING_ONLY, {"breach": 0, "grey": 0, "pending": 1, "never": 0}),
    (GREY_ONLY, {"breach": 0, "grey": 1, "pending": 1, "never": 0}),
], ids=["pending-only", "grey-only"])
def test_fail_on_levels(log: str, expected: dict[str, int], tmp_path: Path) -> None:
    (tmp_path / "log.jsonl").write_text(log, encoding="utf-8")
    for level, code in expected.items():
        proc = check("log.jsonl", extra=("--fail-on", level), cwd=tmp_path)
        assert proc.returncode == code, (level, proc.stdout.decode(), proc.stderr.decode())


def test_bad_fail_on_level_is_usage_error() -> None:
    proc = check(str(EXAMPLE_EVENTS), extra=("--fail-on", "warning"))
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert b"--fail-on" in proc.stderr and b"Traceback" not in proc.stderr


# --- JSON -----------------------------------------------------------------------------------------


def test_json_has_schema_and_summary_counts_equal_findings(example_json: bytes) -> None:
    doc = json.loads(example_json)
    jsonschema.validate(doc, FINDINGS_SCHEMA)
    assert doc["schema"] == "contract-check/findings/1"
    assert doc["contract"] == {"id": "openai-microsoft-2019", "file": str(EXAMPLE_CONTRACT)}
    counts = {v: 0 for v in ("breach", "grey", "pending", "ok", "info")}
    for finding in doc["findings"]:
        counts[finding["verdict"]] += 1
    assert doc["summary"] == counts
    assert sum(counts.values()) == len(doc["findings"]) > 0
    assert {f["clause"] for f in doc["findings"]} == set(CLAUSES)
    ids = [f["id"] for f in doc["findings"]]
    assert len(ids) == len(set(ids))
    assert doc["as_of"] == "2025-07-01T00:00:00+00:00"
    assert doc["out_of_term_events"] == ["e01"]
    assert doc["after_as_of_events"] == []


def test_json_is_byte_identical_across_runs(example_json: bytes) -> None:
    again = check(str(EXAMPLE_EVENTS), extra=("--format", "json"))
    assert again.stdout == example_json


def _shuffled(seed: int, tmp_path: Path) -> Path:
    lines = [line if line.endswith("\n") else line + "\n" for line in EXAMPLE_LINES]
    random.Random(seed).shuffle(lines)
    path = tmp_path / f"shuffled-{seed}.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with its event lists as sets: equal-time events may list in file order."""
    view = dict(doc)
    for key in ("uncovered_events", "out_of_term_events", "after_as_of_events"):
        view[key] = sorted(doc[key])
    return view


@pytest.mark.parametrize("seed", [1, 2, 3, 7, 42])
def test_shuffled_input_gives_the_same_findings(seed: int, tmp_path: Path, example_json: bytes) -> None:
    path = _shuffled(seed, tmp_path)
    assert path.read_bytes() != EXAMPLE_EVENTS.read_bytes()
    doc = json_doc(check(str(path), extra=("--format", "json")))
    base = json.loads(example_json)
    assert [f["id"] for f in doc["findings"]] == [f["id"] for f in base["findings"]]
    assert doc["findings"] == base["findings"]
    assert _comparable(doc) == _comparable(base)


@pytest.mark.parametrize("seed", [1, 2])
def test_shuffled_input_gives_byte_identical_json(seed: int, tmp_path: Path, example_json: bytes) -> None:
    proc = check(str(_shuffled(seed, tmp_path)), extra=("--format", "json"))
    assert proc.stdout == example_json


def test_stdin_gives_the_same_json(example_json: bytes) -> None:
    proc = check("-", extra=("--format", "json"), stdin=EXAMPLE_EVENTS.read_bytes())
    assert proc.returncode == 1
    assert json_doc(proc) == json.loads(example_json)
    assert proc.stdout == example_json


def _csv_from_jsonl(lists: str) -> str:
    """The example log as CSV: one column per field; list cells `a;b` (singletons `a;`) or JSON."""
    records = [json.loads(line) for line in EXAMPLE_LINES if line.strip()]
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        row = []
        for column in columns:
            value = record.get(column)
            if value is None:
                row.append("")
            elif isinstance(value, list):
                if lists == "json":
                    row.append(json.dumps(value))
                else:
                    row.append(";".join(value) + (";" if len(value) == 1 else ""))
            else:
                row.append(str(value))
        writer.writerow(row)
    return out.getvalue()


@pytest.mark.parametrize("lists", ["semicolon", "json"])
def test_csv_conversion_gives_the_same_json(lists: str, tmp_path: Path, example_json: bytes) -> None:
    path = tmp_path / "example.csv"
    path.write_text(_csv_from_jsonl(lists), encoding="utf-8")
    proc = check(str(path), extra=("--format", "json"))
    assert proc.returncode == 1, proc.stderr.decode()
    assert json_doc(proc)["findings"] == json.loads(example_json)["findings"]
    assert proc.stdout == example_json


def test_json_array_conversion_gives_the_same_json(tmp_path: Path, example_json: bytes) -> None:
    path = tmp_path / "example.json"
    records = [json.loads(line) for line in EXAMPLE_LINES if line.strip()]
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")
    proc = check(str(path), extra=("--format", "json"))
    assert proc.stdout == example_json, proc.stderr.decode()


def test_two_logs_give_the_same_json(tmp_path: Path, example_json: bytes) -> None:
    half = len(EXAMPLE_LINES) // 2
    (tmp_path / "a.jsonl").write_text("".join(EXAMPLE_LINES[:half]), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("".join(EXAMPLE_LINES[half:]), encoding="utf-8")
    proc = check("a.jsonl", "b.jsonl", extra=("--format", "json"), cwd=tmp_path)
    assert json_doc(proc)["findings"] == json.loads(example_json)["findings"]
    assert proc.stdout == example_json
    text = check("a.jsonl", "b.jsonl", cwd=tmp_path).stdout.decode()
    assert "a.jsonl, b.jsonl" in text


def test_duplicate_id_across_two_logs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("".join(EXAMPLE_LINES[:3]), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("".join(EXAMPLE_LINES[2:4]), encoding="utf-8")
    proc = check("a.jsonl", "b.jsonl", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert proc.stderr.decode().startswith("contract-check: error: b.jsonl:1: duplicate event id 'e03' (first at a.jsonl:3)")


def test_output_file_is_written(tmp_path: Path, example_json: bytes) -> None:
    out = tmp_path / "report.json"
    proc = check(str(EXAMPLE_EVENTS), extra=("--format", "json", "--output", str(out)))
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert out.read_bytes() == example_json
    text_out = tmp_path / "report.txt"
    assert check(str(EXAMPLE_EVENTS), extra=("--output", str(text_out))).returncode == 1
    assert text_out.read_text(encoding="utf-8") == check(str(EXAMPLE_EVENTS)).stdout.decode("utf-8")


def test_output_to_a_missing_directory_is_refused(tmp_path: Path) -> None:
    proc = check(str(EXAMPLE_EVENTS), extra=("--output", str(tmp_path / "no" / "such" / "dir.json")))
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr
    assert b"cannot write the report" in proc.stderr


def test_as_of_moves_later_events_after_as_of(example_json: bytes) -> None:
    doc = json_doc(check(str(EXAMPLE_EVENTS), extra=("--format", "json", "--as-of", "2024-01-01")))
    jsonschema.validate(doc, FINDINGS_SCHEMA)
    assert doc["as_of"] == "2024-01-01T00:00:00+00:00"
    later = sorted(
        r["id"] for r in (json.loads(line) for line in EXAMPLE_LINES)
        if r["time"][:10] > "2024-01-01" and r["id"] != "e01"
    )
    assert sorted(doc["after_as_of_events"]) == later
    assert "e50" in doc["after_as_of_events"]
    base = json.loads(example_json)
    assert doc["findings"] != base["findings"]
    assert all(f["time"] < "2024-01-01" for f in doc["findings"])
    cited = {e for f in doc["findings"] for e in f["events"]}
    assert not cited & set(doc["after_as_of_events"])


def test_as_of_with_offset_is_converted_to_utc() -> None:
    doc = json_doc(check(str(EXAMPLE_EVENTS), extra=("--format", "json", "--as-of", "2024-01-01T02:00:00+02:00")))
    assert doc["as_of"] == "2024-01-01T00:00:00+00:00"


@pytest.mark.parametrize("value", ["garbage", "2024-13-45", "2024-05-01T10:00:00", "10000-01-01"])
def test_bad_as_of_exits_2(value: str) -> None:
    proc = check(str(EXAMPLE_EVENTS), extra=("--as-of", value))
    stderr = proc.stderr.decode()
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert "Traceback" not in stderr
    assert stderr.startswith("contract-check: error: --as-of: ")
    assert value in stderr


def test_usage_errors_exit_2() -> None:
    # Outside a workspace (--no-config: this repository is one) a check needs --contract and --events.
    for argv in (["--no-config", "check"], ["--no-config", "check", "--contract", str(EXAMPLE_CONTRACT)],
                 ["frobnicate"], []):
        proc = cli(*argv)
        assert proc.returncode == 2, argv
        assert b"Traceback" not in proc.stderr
        assert proc.stdout == b""


def test_missing_files_exit_2(tmp_path: Path) -> None:
    proc = check(str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith(f"contract-check: error: {tmp_path / 'nope.jsonl'}: file not found")
    proc = cli("check", "--contract", str(tmp_path / "nope.yaml"), "--events", str(EXAMPLE_EVENTS))
    assert proc.returncode == 2
    assert b"file not found" in proc.stderr
    proc = check(str(tmp_path))
    assert proc.returncode == 2
    (tmp_path / "log.txt").write_text("", encoding="utf-8")
    proc = check(str(tmp_path / "log.txt"))
    assert proc.returncode == 2
    assert b"unknown event-log format '.txt'" in proc.stderr


# --- the library: two checks in one process ---------------------------------------------------------


def test_two_checks_in_one_process_do_not_leak(tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(PENDING_ONLY + GREY_ONLY.replace('"l1"', '"l2"').replace("2025-01-10", "2025-01-11"),
                     encoding="utf-8")
    first = run_check(EXAMPLE_CONTRACT, [str(EXAMPLE_EVENTS)]).to_json()
    second = run_check(EXAMPLE_CONTRACT, [str(other)]).to_json()
    third = run_check(EXAMPLE_CONTRACT, [str(EXAMPLE_EVENTS)]).to_json()
    fourth = run_check(EXAMPLE_CONTRACT, [str(other)]).to_json()
    assert first == third
    assert second == fourth
    assert first != second
    # Each equals what a fresh process computes.
    assert second == json_doc(check(str(other), extra=("--format", "json", "--fail-on", "never")))
    fresh = json_doc(check(str(EXAMPLE_EVENTS), extra=("--format", "json")))
    assert first == fresh
