"""`contract-check explain`: the chain from clause text to the verdict row of one finding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.api import load
from checker.authoring.explain import explain, find_trail, render, run_traced
from checker.cli import main
from checker.errors import CheckError
from checker.read.events import read_events

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    (ROOT / "contracts" / "openai-microsoft-2019.yaml", ROOT / "examples" / "openai-microsoft-events.jsonl"),
    (ROOT / "contracts" / "helios-larkspur-2023.yaml", ROOT / "examples" / "helios-larkspur-events.jsonl"),
]
HELIOS, HELIOS_LOG = EXAMPLES[1]


def _docs(contract_file: Path, log_file: Path, lenient: bool = False) -> list[dict[str, Any]]:
    contract, templates = load(contract_file)
    log = read_events([str(log_file)], lenient=lenient)
    result, trails = run_traced(contract, templates, log, lenient=lenient)
    assert set(trails) == {f.id for f in result.findings}
    return [explain(trails[f.id], result, contract, templates) for f in result.findings]


def _finding_id(contract_file: Path, log_file: Path, clause: str, trigger: str, instance: str = "") -> str:
    for doc in _docs(contract_file, log_file):
        f = doc["finding"]
        if f["clause"] == clause and f["events"][0] == trigger and f["instance"] == instance:
            return str(f["id"])
    raise AssertionError(f"no finding {clause} {trigger} {instance}")


@pytest.mark.parametrize(("contract_file", "log_file"), EXAMPLES, ids=["openai-microsoft", "helios-larkspur"])
def test_every_finding_is_explained_consistently(contract_file: Path, log_file: Path) -> None:
    docs = _docs(contract_file, log_file)
    assert docs
    for doc in docs:
        f, rows, decision = doc["finding"], doc["rows"], doc["decision"]
        chosen = decision["row"]
        assert (decision["verdict"], decision["reason"]) == (f["verdict"], f["reason"])
        assert [r["row"] for r in rows] == list(range(1, len(rows) + 1))
        for r in rows[: chosen - 1]:
            assert r["result"] == "does not hold"
            assert any(c["result"] == "does not hold" for c in r["conditions"]), r
        assert rows[chosen - 1]["result"] == "chosen"
        assert all(c["result"] == "holds" for c in rows[chosen - 1]["conditions"])
        assert all(r["result"] == "not reached" for r in rows[chosen:])
        assert all(isinstance(r["line"], int) for r in rows)
        assert doc["trigger"]["id"] == f["events"][0]
        evidence_ids = {e["id"] for role in doc["evidence"] for e in role["events"]}
        assert set(f["events"][1:]) <= evidence_ids
        cited = {e["id"] for role in doc["evidence"] for e in role["events"] if e["cited"]}
        assert cited == set(f["events"][1:])
        assert "warning" not in " ".join(decision["why"])
        json.loads(render(doc, "json"))
        assert f"\n  → {f['verdict']} {f['reason']}\n" in render(doc, "text")


def test_explanation_is_deterministic() -> None:
    first = [render(d, "json") for d in _docs(HELIOS, HELIOS_LOG)]
    assert first == [render(d, "json") for d in _docs(HELIOS, HELIOS_LOG)]


def test_text_shows_the_whole_chain(capsys: pytest.CaptureFixture[str]) -> None:
    fid = _finding_id(HELIOS, HELIOS_LOG, "marketplace-revenue-share", "x30")
    assert main(["explain", fid, "--contract", str(HELIOS), "--events", str(HELIOS_LOG)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"finding {fid}: breach underpaid")
    assert "clause marketplace-revenue-share — §6 Marketplace revenue share" in out
    assert "rule template percentage-payment" in out
    assert "share_percent = 15  [definition marketplace_share_percent]" in out
    assert f"x32  2025-02-01T00:00:00+00:00  marketplace_payment by helios  ({HELIOS_LOG}:32)  [cited]" in out
    assert "amount_usd: 7000000" in out
    assert "2025-01-06T00:00:00+00:00 + 30 days (window_days): due by the end of 2025-02-05" in out
    assert "Judged at 2025-02-05T23:59:59.999999+00:00: row 6 (breach underpaid) held, which is not final" in out
    assert "15 % of revenue_usd 80,000,000 = 12,000,000." in out
    assert "shortfall      = 5,000,000" in out
    assert "paid_in_window ≥ due: 7,000,000 vs 12,000,000 → does not hold" in out
    assert "now < deadline: 2025-12-31T00:00:00+00:00 vs 2025-02-05T23:59:59.999999+00:00" in out
    assert "row  6  breach underpaid, not final  (line" in out and "CHOSEN" in out
    assert "row  7  breach overdue, not final  (line" in out and "not reached" in out
    assert "rows 1–5 did not hold; row 6 is the first whose conditions all hold." in out


def test_json_has_parameters_assumptions_timing_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    fid = _finding_id(HELIOS, HELIOS_LOG, "model-availability", "x20", "model_card")
    code = main(["explain", fid[:8], "--contract", str(HELIOS), "--events", str(HELIOS_LOG), "--format", "json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "contract-check/explain/1"
    assert doc["finding"]["id"] == fid and doc["finding"]["instance"] == "model_card"
    assert doc["clause"]["section"] == "§5.1 Model availability on the Helios marketplace"
    assert doc["clause"]["line"] > 1 and doc["clause"]["file"].endswith("helios-larkspur-2023.yaml")
    period = next(p for p in doc["parameters"] if p["name"] == "period_days")
    assert period["value"] == 30 and "30 days assumed" in period["assumption"]
    assert doc["timing"]["due"] == "2024-07-15T23:59:59.999999+00:00"
    assert doc["timing"]["deadline_days"] == 30 and doc["timing"]["deadline_parameter"] == "period_days"
    assert [j["final"] for j in doc["timing"]["judgments"]] == [False, True]
    assert doc["values"]["deadline"] == "2024-07-15T23:59:59.999999+00:00"
    overdue = next(r["row"] for r in doc["rows"] if r["reason"] == "overdue")
    assert doc["decision"]["reason"] == "overdue" and doc["decision"]["row"] == overdue
    assert doc["trigger"]["fields"]["ip"] == ["model_weights", "model_card", "eval_suite"]
    assert doc["trigger"]["item"] == "model_card"


def test_milestone_effect_and_deadline_zero() -> None:
    docs = {d["finding"]["reason"]: d for d in _docs(HELIOS, HELIOS_LOG) if d["finding"]["clause"] == "scale-milestone"}
    doc = docs["milestone-met"]
    assert doc["effect"]["end_clauses"] == ["minimum-commitment", "capacity-first-offer"]
    assert doc["timing"]["deadline_days"] == 0
    assert doc["timing"]["lines"][0].startswith("Deadline 0 days: judged at the trigger's own time")


def test_prior_approval_is_settled_at_the_action_itself() -> None:
    doc = next(d for d in _docs(HELIOS, HELIOS_LOG) if d["finding"]["reason"] == "conditional-approval")
    assert doc["finding"]["due"] is None
    assert doc["timing"]["lines"][0].startswith("Deadline 0 days: judged at the trigger's own time")
    chosen = next(row for row in doc["rows"] if row.get("chosen") or row.get("status") == "chosen") if any(
        row.get("chosen") or row.get("status") == "chosen" for row in doc["rows"]) else doc["rows"][3]
    cond = next(c for c in chosen["conditions"] if c["condition"] == "prior.conditions is not empty")
    assert cond["result"] == "holds"


def test_unknown_id_is_a_usage_error_saying_where_ids_come_from(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explain", "0000000000000000", "--contract", str(HELIOS), "--events", str(HELIOS_LOG)])
    assert code == 2
    err = capsys.readouterr().err
    assert "no finding has id '0000000000000000'" in err
    assert "contract-check check --contract C --events LOG" in err and "--as-of" in err
    assert "Traceback" not in err


def test_finding_after_as_of_does_not_exist_yet(capsys: pytest.CaptureFixture[str]) -> None:
    fid = _finding_id(HELIOS, HELIOS_LOG, "marketplace-revenue-share", "x51")
    args = ["explain", fid, "--contract", str(HELIOS), "--events", str(HELIOS_LOG), "--as-of", "2025-06-30"]
    assert main(args) == 2
    assert "does not exist yet" in capsys.readouterr().err


def test_ambiguous_prefix() -> None:
    contract, templates = load(HELIOS)
    result, trails = run_traced(contract, templates, read_events([str(HELIOS_LOG)]))
    some = next(iter(trails.values()))
    with pytest.raises(CheckError, match="ambiguous: abcd0001, abcd0002"):
        find_trail(result, {"abcd0001": some, "abcd0002": some}, "abcd")
    with pytest.raises(CheckError, match="no finding has id"):
        find_trail(result, {"abcd0001": some}, "abc")
    assert find_trail(result, {"abcd0001": some}, "ABCD") is some


def test_lenient_regrading_is_explained(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"id": "r1", "time": "2024-01-05", "type": "marketplace_report", "actor": "helios", "revenue_usd": 1000}\n'
        '{"id": "y1", "time": "2024-01-20", "type": "marketplace_payment", "actor": "helios", "to": "larkspur", '
        '"ref": "r1", "amount_usd": "not money"}\n'
        '{"id": "z1", "time": "2024-06-01", "type": "support_ticket", "actor": "larkspur"}\n',
        encoding="utf-8",
    )
    docs = _docs(HELIOS, log, lenient=True)
    doc = next(d for d in docs if d["finding"]["clause"] == "marketplace-revenue-share")
    assert doc["finding"]["verdict"] == "grey" and doc["decision"]["reason"] == "overdue"
    assert any("--lenient" in why for why in doc["decision"]["why"])
