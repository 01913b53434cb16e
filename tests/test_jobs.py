"""`--jobs N` replays independent clauses in N processes and must change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from checker.api import load
from checker.read.events import EventLog, build_event
from checker.report import RenderOptions, render
from checker.run.replay import check
from tests.conftest import EXAMPLE_CONTRACT
from tests.oracle.generator import generate_log

CONTRACT, TEMPLATES = load(EXAMPLE_CONTRACT)


def as_json(log: list[dict[str, Any]], jobs: int) -> str:
    events = [build_event(dict(e), "g.jsonl", i + 1, i) for i, e in enumerate(log)]
    return render("json", check(CONTRACT, TEMPLATES, EventLog(events=events, sources=["g.jsonl"]), jobs=jobs), RenderOptions())


@pytest.mark.parametrize("seed", [1, 2, 3, 5, 8, 13])
def test_parallel_replay_gives_byte_identical_findings(seed: int) -> None:
    log = generate_log(seed, size=60)
    assert as_json(log, 1) == as_json(log, 2) == as_json(log, 3)
