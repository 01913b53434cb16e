"""The engine against an independent plain-Python reference evaluator, on generated logs.

A disagreement prints the smallest log (found by greedy shrinking) that still shows it.
"""

from __future__ import annotations

import os
from typing import Any

import orjson
import pytest

from checker.api import load
from checker.read.events import EventLog, build_event
from checker.run.replay import check
from tests.conftest import EXAMPLE_CONTRACT
from tests.oracle.generator import generate_log, shrink
from tests.oracle.reference import evaluate

LOGS = int(os.environ.get("DIFFERENTIAL_LOGS", "1000"))
BATCHES = 10

CONTRACT, TEMPLATES = load(EXAMPLE_CONTRACT)


def engine_view(log: list[dict[str, Any]]) -> dict[str, Any]:
    events = [build_event(dict(e), "generated.jsonl", i + 1, i) for i, e in enumerate(log)]
    result = check(CONTRACT, TEMPLATES, EventLog(events=events, sources=["generated.jsonl"]))
    return {
        "findings": sorted((f.id, f.clause, f.verdict, f.reason, tuple(e.id for e in f.events)) for f in result.findings),
        "uncovered": [e.id for e in result.uncovered],
        "out_of_term": [e.id for e in result.out_of_term],
        "after_as_of": [e.id for e in result.after_as_of],
    }


def reference_view(log: list[dict[str, Any]]) -> dict[str, Any]:
    ref = evaluate(log)
    return {
        "findings": sorted((f.id, f.clause, f.verdict, f.reason, tuple(f.events)) for f in ref.findings),
        "uncovered": list(ref.uncovered_events),
        "out_of_term": list(ref.out_of_term_events),
        "after_as_of": list(ref.after_as_of_events),
    }


def disagrees(log: list[dict[str, Any]]) -> bool:
    return engine_view(log) != reference_view(log)


def explain(seed: int, log: list[dict[str, Any]]) -> str:
    minimal = shrink(log, disagrees)
    lines = b"\n".join(orjson.dumps(e, default=str) for e in minimal).decode()
    engine, ref = engine_view(minimal), reference_view(minimal)
    diff = [f"  {k}: engine={engine[k]!r}\n  {' ' * len(k)}  reference={ref[k]!r}" for k in engine if engine[k] != ref[k]]
    return f"seed {seed}: engine and reference disagree; minimal log:\n{lines}\n" + "\n".join(diff)


@pytest.mark.parametrize("batch", range(BATCHES))
def test_engine_agrees_with_reference(batch: int) -> None:
    per_batch = LOGS // BATCHES
    for seed in range(batch * per_batch, (batch + 1) * per_batch):
        log = generate_log(seed, size=12 + seed % 40)
        if disagrees(log):
            pytest.fail(explain(seed, log))
