"""The engine against the reference evaluator on sub-second and mixed-type logs (SPEC §10).

Times keep their precision (compared to the microsecond, N days = N × 86400 s exactly, equal
instants keep file order) and values keep their JSON type (``"34"`` ≠ ``34``, ``true`` ≠ ``1``,
``1`` = ``1.0``; each distinct typed item of a list is its own instance).  The reference
(``tests/oracle/reference.py``) states these rules in plain Python; the generator
(``tests/oracle/generator.py``) writes logs that probe them: every deadline, window and term edge
approached by a fraction of a second, offsets such as ``+05:30`` and ``-00:00:00.5``; numbers,
strings that spell numbers and booleans in list items and correlation fields.

Each log is written as JSON lines (numbers spelt exactly as generated) and read by the engine's
own reader, so the engine sees what a user's file gives it.  A refusal or an internal error of
either side counts as a disagreement.  On failure the test prints how many logs of the batch
disagree and the smallest log (greedily shrunk) that still shows a disagreement.

``DIFFERENTIAL_TYPED_LOGS`` (default 300) sets the number of logs per shape.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.api import load
from checker.read.events import read_events
from checker.run.replay import check
from tests.conftest import EXAMPLE_CONTRACT
from tests.oracle.generator import (
    from_json_line,
    generate_mixed_log,
    generate_subsecond_log,
    shrink,
    to_json_line,
)
from tests.oracle.reference import evaluate

Event = dict[str, Any]
View = dict[str, Any]

LOGS = int(os.environ.get("DIFFERENTIAL_TYPED_LOGS", "300"))
BATCHES = 5
SHRINK_TRIES = 3000
# shape → (generator, first seed): seeds differ from test_differential.py's, fixed for each shape.
SHAPES: dict[str, tuple[Callable[[int, int], list[Event]], int]] = {
    "subsecond": (generate_subsecond_log, 100_000),
    "mixed": (generate_mixed_log, 200_000),
}

CONTRACT, TEMPLATES = load(EXAMPLE_CONTRACT)


def as_jsonl(log: list[Event]) -> str:
    return "".join(to_json_line(e) + "\n" for e in log)


def engine_view(text: str, workdir: Path) -> View:
    path = workdir / "generated.jsonl"
    path.write_text(text, encoding="utf-8")
    try:
        result = check(CONTRACT, TEMPLATES, read_events([str(path)]))
    except Exception as exc:  # a refusal or an internal error is a disagreement to show, not a crash
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "findings": sorted((f.id, f.clause, f.verdict, f.reason, tuple(e.id for e in f.events)) for f in result.findings),
        "uncovered": [e.id for e in result.uncovered],
        "out_of_term": [e.id for e in result.out_of_term],
        "after_as_of": [e.id for e in result.after_as_of],
    }


def reference_view(text: str) -> View:
    log = [from_json_line(line) for line in text.splitlines()]
    try:
        ref = evaluate(log)
    except Exception as exc:  # shown like the engine's, so the minimal log says which side refused
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "findings": sorted(
            (f.id, f.clause, f.verdict, f.reason, tuple(f.events)) for f in ref.findings
        ),
        "uncovered": list(ref.uncovered_events),
        "out_of_term": list(ref.out_of_term_events),
        "after_as_of": list(ref.after_as_of_events),
    }


def differences(log: list[Event], workdir: Path) -> list[str]:
    """What differs between engine and reference on ``log`` (empty when they agree)."""
    text = as_jsonl(log)
    engine, ref = engine_view(text, workdir), reference_view(text)
    keys = sorted(set(engine) | set(ref))
    return [
        f"  {k}: engine={engine.get(k, '—')!r}\n  {' ' * len(k)}  reference={ref.get(k, '—')!r}"
        for k in keys
        if engine.get(k) != ref.get(k)
    ]


def explain(shape: str, failures: list[tuple[int, list[Event]]], total: int, workdir: Path) -> str:
    seed, log = min(failures, key=lambda f: (len(f[1]), f[0]))
    minimal = shrink(log, lambda candidate: bool(differences(candidate, workdir)), max_tries=SHRINK_TRIES)
    seeds = ", ".join(str(s) for s, _ in failures[:10]) + (" …" if len(failures) > 10 else "")
    return (
        f"{shape}: engine and reference disagree on {len(failures)} of {total} logs (seeds {seeds}).\n"
        f"Smallest, from seed {seed} ({len(log)} events), shrunk to {len(minimal)} events:\n"
        + as_jsonl(minimal)
        + "\n".join(differences(minimal, workdir))
    )


@pytest.mark.parametrize("batch", range(BATCHES))
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_engine_agrees_with_reference(shape: str, batch: int, tmp_path: Path) -> None:
    generate, first_seed = SHAPES[shape]
    per_batch = LOGS // BATCHES
    seeds = range(first_seed + batch * per_batch, first_seed + (batch + 1) * per_batch)
    failures = []
    for seed in seeds:
        log = generate(seed, 12 + seed % 40)
        if differences(log, tmp_path):
            failures.append((seed, log))
    if failures:
        pytest.fail(explain(shape, failures, len(seeds), tmp_path), pytrace=False)
