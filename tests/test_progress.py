"""The replay reports its progress (the CLI shows it as a bar on a terminal for big logs)."""

from __future__ import annotations

import pytest

import checker.run.replay
from checker.api import load
from checker.read.events import read_events
from checker.run.progress import replay_progress
from checker.run.replay import check
from tests.conftest import EXAMPLE_CONTRACT, EXAMPLE_EVENTS


def test_progress_counts_every_replayed_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checker.run.replay, "PROGRESS_STEP", 1)
    contract, templates = load(EXAMPLE_CONTRACT)
    seen: list[tuple[int, int]] = []
    result = check(contract, templates, read_events([str(EXAMPLE_EVENTS)]), progress=lambda d, t: seen.append((d, t)))
    replayed = len(result.events) - len(result.out_of_term) - len(result.after_as_of)
    assert [d for d, _ in seen] == list(range(1, replayed + 1))
    assert {t for _, t in seen} == {replayed}


def test_the_progress_bar_runs_to_completion() -> None:
    with replay_progress(100, jobs=1) as advance:
        for done in range(10, 101, 10):
            advance(done, 100)
