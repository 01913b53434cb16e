"""The replay's shortcuts change nothing: evidence held back from the engine until its key is
in use, obligations parked outside the engine until the as-of time, measures that skip
candidates (checker/run/clauserun.py, checker/run/measures.py). Each judgment sees the same evidence,
in the same order, with and without them; and the engine behaves as the shortcuts assume."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import durable_rules_engine as dre
import pytest

from checker.api import load
from checker.read.events import EventLog, build_event, read_events
from checker.report import RenderOptions, render
from checker.run import clauserun, measures
from checker.run.replay import check
from checker.run.verdicts import Judgment
from tests.conftest import EXAMPLE_CONTRACT
from tests.oracle.generator import generate_log, generate_mixed_log, generate_subsecond_log

ROOT = Path(__file__).resolve().parent.parent
BENCH_CONTRACT = ROOT / "contracts" / "openai-microsoft-2019.yaml"


def test_engine_joins_a_new_obligation_in_reverse_order_of_assertion() -> None:
    """What `ClauseRun.unpark` relies on: a newly asserted fact joins the facts already there
    in the reverse order of their assertion, per rule, whatever was retracted in between."""
    rules = {
        "o|x": {"all": [{"o": {"r": 1}}, {"x": {"$and": [{"r": 2}, {"k": {"o": "k"}}, {"$lte": {"t": {"o": "t"}}}]}}]},
        "o|y": {"all": [{"o": {"r": 1}}, {"y": {"$and": [{"r": 3}, {"k": {"o": "k"}}]}}]},
    }
    rng = random.Random(7)

    def drain(handle: Any) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        while started := dre.start_action(handle):
            message = started[1]
            while message:
                for rule, bindings in json.loads(message).items():
                    out.append((rule, bindings["x" if "x" in bindings else "y"]["n"]))
                message = dre.complete_and_start_action(handle, started[2])
        return out

    for trial in range(40):
        handle = dre.create_ruleset(f"order-{trial}", json.dumps(rules))
        present: list[dict[str, Any]] = []
        next_id = 1
        for n in range(60):
            if present and rng.random() < 0.3:
                gone = present.pop(rng.randrange(len(present)))
                drain(handle)
                dre.retract_fact(handle, json.dumps(gone))
                continue
            next_id += rng.randrange(1, 1000)
            fact = {"r": rng.choice((2, 3)), "k": rng.randrange(1, 4), "t": rng.randrange(10),
                    "sid": str(rng.randrange(2)), "id": next_id, "n": n}
            dre.assert_fact(handle, json.dumps(fact))
            present.append(fact)
        drain(handle)
        dre.assert_fact(handle, json.dumps({"r": 1, "k": 1, "t": 5, "sid": "0", "id": 10**7, "n": -1}))
        joined = drain(handle)
        for rule, role, extra in (("o|x", 2, lambda f: f["t"] <= 5), ("o|y", 3, lambda f: True)):
            expected = [f["n"] for f in reversed(present) if f["r"] == role and f["k"] == 1 and f["sid"] == "0" and extra(f)]
            assert [n for r, n in joined if r == rule] == expected
        dre.delete_ruleset(handle)


def _judgments(contract_file: Path, events: list[Any], shortcuts: bool, monkeypatch: pytest.MonkeyPatch,
               as_of: Any = None) -> tuple[str, list[Any]]:
    """The JSON report and every judgment (evidence in its order) with or without the shortcuts."""
    monkeypatch.setattr(clauserun, "GATED", shortcuts)
    monkeypatch.setattr(clauserun, "PARKING", shortcuts)
    monkeypatch.setattr(measures, "FAST", shortcuts)
    contract, templates = load(contract_file)
    seen: list[Any] = []

    def trace(j: Judgment) -> None:
        evidence = {role: [(e.seq, repr(item)) for e, item in sorted(cands, key=lambda c: (c[0].time, c[0].seq))]
                    for role, cands in j.obligation.evidence.items()}
        seen.append((j.obligation.number, j.now, j.row.reason, sorted(evidence.items()),
                     {k: repr(v) for k, v in j.names.items() if not k.startswith("obligation")}))

    log = EventLog(events=list(events), sources=["g.jsonl"])
    traced = check(contract, templates, log, as_of, trace=trace)
    plain = check(contract, templates, EventLog(events=list(events), sources=["g.jsonl"]), as_of)
    report = render("json", plain, RenderOptions())
    assert render("json", traced, RenderOptions()) == report
    return report, seen


@pytest.mark.parametrize("make", [generate_log, generate_mixed_log, generate_subsecond_log])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_shortcuts_change_no_judgment_on_the_example(make: Any, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    log = make(seed, size=80)
    events = [build_event(dict(e), "g.jsonl", i + 1, i) for i, e in enumerate(log)]
    with_shortcuts = _judgments(EXAMPLE_CONTRACT, events, True, monkeypatch)
    without = _judgments(EXAMPLE_CONTRACT, events, False, monkeypatch)
    assert with_shortcuts == without


def _bench_generate() -> Any:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("shape", ["mixed", "late-evidence"])
def test_shortcuts_change_no_judgment_on_the_benchmark_shapes(shape: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "events.jsonl"
    _bench_generate().generate(4000, path, seed=3, shape=shape)
    events = read_events([str(path)]).events
    with_shortcuts = _judgments(BENCH_CONTRACT, events, True, monkeypatch)
    without = _judgments(BENCH_CONTRACT, events, False, monkeypatch)
    assert with_shortcuts[0] == without[0]
    assert with_shortcuts[1] == without[1]
    numbers = [j[0] for j in with_shortcuts[1]]
    assert len(set(numbers)) < len(numbers)  # some obligations waited for the as-of time
