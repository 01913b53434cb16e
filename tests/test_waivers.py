"""Waivers as a user writes them: kept verdicts, marked waived, exit code, expired, stale and ambiguous ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

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


# --- A waiver names exactly one finding -----------------------------------------------------------
# GPT-X is launched with two kinds of IP and neither is disclosed: the launch sets off two
# breaches of the same clause, one per IP kind (the finding's instance).

GPT_X_LAUNCH = ('{"id": "l1", "time": "2024-01-10", "type": "product_launch", "actor": "openai", '
                '"product": "GPT-X", "ip": ["model_weights", "inference_code"]}')
GPT_Y_LAUNCH = ('{"id": "l2", "time": "2024-02-01", "type": "product_launch", "actor": "openai", '
                '"product": "GPT-Y", "ip": ["model_weights"]}')


def waiver(**target: str) -> str:
    """One waiver entry in block style; the first entry of a file starts on line 2."""
    entry = {**target, "justification": "Reviewed by counsel.", "approver": "General Counsel", "expires": "2030-01-01"}
    return "  - " + "\n    ".join(f"{key}: {value}" for key, value in entry.items()) + "\n"


def check_log(tmp_path: Path, events: list[str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    log = tmp_path / "events.jsonl"
    log.write_text("".join(line + "\n" for line in events))
    return subprocess.run([sys.executable, "-m", "checker", "check", "--contract", str(EXAMPLE_CONTRACT),
                           "--events", str(log), "--as-of", "2024-06-01", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, check=False)


def gpt_x_breaches(tmp_path: Path) -> dict[str, str]:
    """The finding id of each GPT-X breach, by IP kind, as a run without waivers reports them."""
    doc = json.loads(check_log(tmp_path, [GPT_X_LAUNCH], "--format", "json").stdout)
    # Messages show the contract's labels ("model weights"); the instance is the code.
    ids = {f["message"].split(" of GPT-X")[0].replace(" ", "_"): f["id"] for f in doc["findings"] if f["verdict"] == "breach"}
    assert set(ids) == {"model_weights", "inference_code"}
    return ids


def check_with_waivers(tmp_path: Path, events: list[str], *entries: str) -> tuple[subprocess.CompletedProcess[str],
                                                                                    dict[str, Any]]:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n" + "".join(entries))
    done = check_log(tmp_path, events, "--waivers", waivers, "--format", "json")
    assert "Traceback" not in done.stderr
    return done, json.loads(done.stdout)


def waived(doc: dict[str, Any]) -> list[str]:
    return [f["id"] for f in doc["findings"] if "waiver" in f]


def test_a_waiver_for_one_ip_kind_leaves_the_other_kind_of_the_same_launch_failing(tmp_path: Path) -> None:
    ids = gpt_x_breaches(tmp_path)
    done, doc = check_with_waivers(tmp_path, [GPT_X_LAUNCH],
                                   waiver(clause="ip-access", trigger="l1", instance="model_weights"))
    assert waived(doc) == [ids["model_weights"]]
    assert done.returncode == 1  # the inference-code breach is not waived
    assert done.stderr == ""


def test_a_clause_and_trigger_waiver_that_fits_two_findings_waives_neither_and_is_reported(tmp_path: Path) -> None:
    ids = gpt_x_breaches(tmp_path)
    done, doc = check_with_waivers(tmp_path, [GPT_X_LAUNCH], waiver(clause="ip-access", trigger="l1"))
    assert waived(doc) == []
    assert done.returncode == 1
    (ambiguous,) = doc["ambiguous_waivers"]
    assert ambiguous["target"] == "ip-access / l1" and ambiguous["line"] == 2
    assert sorted(ambiguous["findings"]) == sorted(ids.values())
    assert sorted(ambiguous["instances"]) == ["inference_code", "model_weights"]
    assert "expired_waivers" not in doc and "stale_waivers" not in doc
    note = f"{tmp_path / 'waivers.yaml'}:2: waiver for ip-access / l1 is ambiguous and waives none: it matches 2 findings"
    assert note in done.stderr
    assert f"'model_weights' ({ids['model_weights']})" in done.stderr and "covers: all" in done.stderr


def test_an_ambiguous_waiver_is_reported_as_ambiguous_even_after_it_expired(tmp_path: Path) -> None:
    entry = waiver(clause="ip-access", trigger="l1").replace("2030-01-01", "2024-01-31")
    done, doc = check_with_waivers(tmp_path, [GPT_X_LAUNCH], entry)
    assert [w["target"] for w in doc["ambiguous_waivers"]] == ["ip-access / l1"]
    assert "expired_waivers" not in doc
    assert "is ambiguous" in done.stderr and "is expired" not in done.stderr


def test_covers_all_waives_every_finding_of_the_clause_and_trigger(tmp_path: Path) -> None:
    ids = gpt_x_breaches(tmp_path)
    done, doc = check_with_waivers(tmp_path, [GPT_X_LAUNCH], waiver(clause="ip-access", trigger="l1", covers="all"))
    assert sorted(waived(doc)) == sorted(ids.values())
    assert done.returncode == 0, done.stderr
    assert {f["waiver"]["target"] for f in doc["findings"]} == {"ip-access / l1 (all instances)"}
    assert "ambiguous_waivers" not in doc


def test_covers_all_does_not_reach_another_launch(tmp_path: Path) -> None:
    done, doc = check_with_waivers(tmp_path, [GPT_X_LAUNCH, GPT_Y_LAUNCH],
                                   waiver(clause="ip-access", trigger="l1", covers="all"))
    assert len(waived(doc)) == 2
    (failing,) = [f for f in doc["findings"] if "waiver" not in f]
    assert failing["events"] == ["l2"] and failing["verdict"] == "breach"
    assert done.returncode == 1


def test_a_launch_with_one_ip_kind_is_waived_by_clause_and_trigger_alone(tmp_path: Path) -> None:
    done, doc = check_with_waivers(tmp_path, [GPT_Y_LAUNCH], waiver(clause="ip-access", trigger="l2"))
    assert len(waived(doc)) == 1
    assert done.returncode == 0, done.stderr


def test_a_full_finding_id_waives_that_finding_only(tmp_path: Path) -> None:
    ids = gpt_x_breaches(tmp_path)
    done, doc = check_with_waivers(tmp_path, [GPT_X_LAUNCH], waiver(finding=ids["inference_code"]))
    assert waived(doc) == [ids["inference_code"]]
    assert done.returncode == 1


def test_a_short_id_prefix_is_refused_with_its_line(tmp_path: Path) -> None:
    ids = gpt_x_breaches(tmp_path)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n" + waiver(finding=ids["inference_code"]) + waiver(finding=f"'{ids['model_weights'][:6]}'"))
    done = check_log(tmp_path, [GPT_X_LAUNCH], "--waivers", waivers)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"contract-check: error: {waivers}:6:")  # the second waiver's finding line
    assert "waivers.1.finding" in done.stderr and "16-character" in done.stderr
    assert f"got '{ids['model_weights'][:6]}'" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_instance_that_matches_nothing_is_stale_and_waives_nothing(tmp_path: Path) -> None:
    done, doc = check_with_waivers(tmp_path, [GPT_X_LAUNCH],
                                   waiver(clause="ip-access", trigger="l1", instance="model_weight"))
    assert waived(doc) == [] and done.returncode == 1
    assert [w["target"] for w in doc["stale_waivers"]] == ["ip-access / l1 / model_weight"]
    assert "waiver for ip-access / l1 / model_weight is stale" in done.stderr


@pytest.mark.parametrize(("target", "where", "message"), [
    ({"clause": "ip-access", "trigger": "l1", "instance": "model_weights", "covers": "all"},
     "2:5", "waivers.0: Value error, name one instance or write 'covers: all', not both"),
    ({"finding": "a6618959960498d2", "clause": "ip-access"},
     "2:5", "waivers.0: Value error, name either a finding id or clause + trigger, not both (remove clause)"),
    ({"clause": "ip-access", "instance": "model_weights"},
     "2:5", "waivers.0: Value error, name a finding id, or both clause and trigger"),
    ({"clause": "ip-access", "trigger": "l1", "covers": "some"},
     "4:5", "waivers.0.covers: Input should be 'all', got 'some'"),
], ids=["instance-and-covers", "id-and-clause", "no-trigger", "covers-not-all"])
def test_a_waiver_that_does_not_name_one_target_is_refused(tmp_path: Path, target: dict[str, str], where: str,
                                                           message: str) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n" + waiver(**target))
    done = check_log(tmp_path, [GPT_X_LAUNCH], "--waivers", waivers)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"contract-check: error: {waivers}:{where}: {message}")


def test_covers_all_and_a_plain_waiver_for_the_same_launch_are_refused_as_two(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n" + waiver(clause="ip-access", trigger="l1", covers="all")
                       + waiver(clause="ip-access", trigger="l1"))
    done = check_log(tmp_path, [GPT_X_LAUNCH], "--waivers", waivers)
    assert done.returncode == 2
    assert f"{waivers}:8: a second waiver for ip-access / l1 (first at line 2)" in done.stderr
