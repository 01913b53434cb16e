"""durable-rules traps the driver guards against, reproduced on the bare engine and then shown
harmless through `checker.run.engine.EngineSession`."""

from __future__ import annotations

import json
from typing import Any

import durable_rules_engine as dre

from checker.run.engine import EngineSession

JOIN = {"j": {"all": [{"o": {"r": 1}}, {"x": {"$and": [{"r": 2}, {"k": {"o": "k"}}]}}]}}


def test_bare_engine_drops_a_queued_join_when_an_unrelated_fact_is_retracted() -> None:
    """Found while retracting superseded offers: the join (o1, x1) is queued, an unrelated fact
    of the same session that took part in an earlier join is retracted, and the queued action is
    gone without any error. (If a durable-rules release fixes this, this test says so.)"""
    handle = dre.create_ruleset("trap-retract-bare", json.dumps(JOIN))

    def drain() -> list[str]:
        out: list[str] = []
        while started := dre.start_action(handle):
            message = started[1]
            while message:
                out.append(message)
                message = dre.complete_and_start_action(handle, started[2])
        return out

    def fact(fid: int, role: int, key: int) -> str:
        return json.dumps({"sid": "0", "id": fid, "r": role, "k": key})

    dre.assert_fact(handle, fact(1, 2, 8))
    dre.assert_fact(handle, fact(2, 1, 8))
    assert len(drain()) == 1
    dre.retract_fact(handle, fact(2, 1, 8))
    dre.assert_fact(handle, fact(3, 2, 7))
    dre.assert_fact(handle, fact(4, 1, 7))  # the join (4, 3) is now queued
    dre.assert_fact(handle, fact(5, 2, 8))
    dre.retract_fact(handle, fact(1, 2, 8))  # unrelated to the queued join
    assert drain() == []
    dre.delete_ruleset(handle)


def test_the_driver_runs_queued_actions_before_any_retraction() -> None:
    fired: list[tuple[int, int]] = []

    def on_action(rule: str, bindings: dict[str, Any]) -> None:
        fired.append((bindings["o"]["id"], bindings["x"]["id"]))

    session = EngineSession(JOIN, on_action, partitions=1)
    old = session.assert_fact(0, {"r": 2, "k": 8})
    done = session.assert_fact(0, {"r": 1, "k": 8})
    session.drain()
    session.retract_fact(done)
    x1 = session.assert_fact(0, {"r": 2, "k": 7})
    o1 = session.assert_fact(0, {"r": 1, "k": 7})
    session.assert_fact(0, {"r": 2, "k": 8})
    session.retract_fact(old)
    session.drain()
    assert fired == [(done["id"], old["id"]), (o1["id"], x1["id"])]
    session.close()
