"""The bounded fuzz run (tests/fuzz): hostile inputs get a report that reconciles or a clear refusal.

A fixed seed and a fixed budget: up to EXAMPLES generated cases (contracts, rule templates, event
logs, waivers and YAML built from the bundled examples, then mutated), stopping new cases after
WALL_SECONDS so the file stays under a minute on a 2-core machine. Every run must exit 0/1 with a
JSON report whose summary, findings and event accounting reconcile with the input, or exit 2 with
`contract-check: error: FILE:LINE: ...`; never a traceback, exit 3, or a run over BUDGET. A
failure lists one input per failure class (argv, mutations, what went wrong) and writes every
failing input to test-artifacts/fuzz-findings/. Longer runs: `python -m tests.fuzz --minutes N`.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.conftest import ROOT
from tests.fuzz.driver import Budget, Outcome, check_case, save_failure
from tests.fuzz.strategies import Case, cases

SEED = 20261201
EXAMPLES = 150
WALL_SECONDS = 40.0
MIN_CASES = 20
# Per run: the bundled example takes ~0.1 s, so 8 s is a wide margin even on a loaded machine.
BUDGET = Budget(seconds=8.0, memory_mb=500.0, grace_seconds=2.0)
ARTIFACTS = ROOT / "test-artifacts" / "fuzz-findings"


def _describe(case: Case, outcome: Outcome, count: int) -> str:
    problem = outcome.problems[0]
    lines = [f"{problem.kind}  ({count} input(s))",
             f"  $ {case.shell()} --format {problem.run}",
             *(f"    {note}" for note in case.notes[:8]),
             "  " + problem.detail.strip().replace("\n", "\n  ")[-1200:]]
    return "\n".join(lines)


def test_hostile_inputs_get_a_reconciling_report_or_a_clear_refusal() -> None:
    failures: list[tuple[Case, Outcome]] = []
    ran = 0
    stop = time.monotonic() + WALL_SECONDS

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=cases())
    def explore(case: Case) -> None:
        nonlocal ran
        if time.monotonic() > stop:
            return
        ran += 1
        outcome = check_case(case, BUDGET, stop_at=stop)
        if outcome.problems:
            failures.append((case, outcome))

    explore()
    assert ran >= MIN_CASES, f"only {ran} cases ran in {WALL_SECONDS:g} s: the machine is too slow for a meaningful run"
    if not failures:
        return
    classes: dict[str, list[tuple[Case, Outcome]]] = {}
    for case, outcome in failures:
        save_failure(case, outcome, ARTIFACTS, seed=SEED)
        for kind in dict.fromkeys(p.kind for p in outcome.problems):
            classes.setdefault(kind, []).append((case, outcome))
    report = [f"{len(failures)} of {ran} fuzzed inputs broke the property ({len(classes)} failure classes; "
              f"every input written to {ARTIFACTS}):"]
    for kind, found in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        case, outcome = found[0]
        first = next(p for p in outcome.problems if p.kind == kind)
        report.append(_describe(case, Outcome([first, *outcome.problems], outcome.runs), len(found)))
    raise AssertionError("\n\n".join(report))
