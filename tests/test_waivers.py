"""Waivers as a user writes them: kept verdicts, marked waived, exit code, expired and stale ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLE_CONTRACT, EXAMPLE_EVENTS, ROOT


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", "check", "--contract", str(EXAMPLE_CONTRACT),
                           "--events", str(EXAMPLE_EVENTS), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, check=False)


def findings() -> list[dict[str, object]]:
    doc = json.loads(run("--format", "json").stdout)
    return list(doc["findings"])


def test_waiving_every_breach_until_later_makes_the_run_pass(tmp_path: Path) -> None:
    breaches = [f for f in findings() if f["verdict"] == "breach"]
    assert breaches
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n" + "".join(
        f"  - {{finding: {f['id']}, justification: reviewed, approver: GC, expires: 2030-01-01}}\n" for f in breaches))
    assert run().returncode == 1
    done = run("--waivers", waivers, "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    waived = [f for f in doc["findings"] if "waiver" in f]
    assert {f["id"] for f in waived} == {f["id"] for f in breaches}
    assert all(f["verdict"] == "breach" and f["waiver"]["approver"] == "GC" for f in waived)
    assert doc["summary"]["breach"] == len(breaches)


def test_an_expired_waiver_stops_applying_and_is_reported(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {clause: cloud-rofr, trigger: e34, justification: letter, approver: GC, "
                       "expires: 2025-01-31}\n")
    done = run("--waivers", waivers, "--format", "json")
    doc = json.loads(done.stdout)
    assert done.returncode == 1
    assert doc["expired_waivers"][0]["target"] == "cloud-rofr / e34"
    assert f"{waivers}:2: waiver for cloud-rofr / e34 is expired" in done.stderr
    assert not any("waiver" in f for f in doc["findings"])


def test_a_waiver_that_matches_nothing_is_reported_as_stale(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {finding: '0000000000000000', justification: x, approver: GC, expires: 2030-01-01}\n")
    done = run("--waivers", waivers, "--format", "json", "--fail-on", "never")
    assert done.returncode == 0
    assert json.loads(done.stdout)["stale_waivers"][0]["target"] == "0000000000000000"
    assert "is stale" in done.stderr


def test_a_waiver_without_approver_is_refused_with_its_line(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - finding: a6618959960498d2\n    justification: x\n    expires: 2030-01-01\n")
    done = run("--waivers", waivers)
    assert done.returncode == 2
    assert f"{waivers}:2:" in done.stderr and "approver" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_bundled_waiver_example_is_valid() -> None:
    done = run("--waivers", ROOT / "examples" / "openai-microsoft-waivers.yaml", "--format", "json")
    doc = json.loads(done.stdout)
    assert [f["id"] for f in doc["findings"] if "waiver" in f] == ["a6618959960498d2"]


def test_an_unquoted_all_digit_id_is_refused_with_advice(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {finding: 0000000000000000, justification: x, approver: GC, expires: 2030-01-01}\n")
    done = run("--waivers", waivers)
    assert done.returncode == 2 and "must be quoted" in done.stderr
