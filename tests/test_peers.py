"""Every case of every scenario file under tests/peers is its own test (`file::case-name`).

The peer test suites written as data (tests/peers/accord: the Accord Project template library's
Cucumber cases, issue 10 part 8). Contracts there end in `.yml`, so only scenario files are
collected. Which peer cases are not yet expressible, and why, is in tests/peers/accord/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.authoring.scenarios import Case, load_scenarios, run_case

PEERS = Path(__file__).resolve().parent / "peers"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "peer_case" in metafunc.fixturenames:
        cases = load_scenarios([PEERS])
        metafunc.parametrize("peer_case", cases, ids=[f"{c.file.relative_to(PEERS)}::{c.name}" for c in cases])


def test_peer_case(peer_case: Case) -> None:
    result = run_case(peer_case)
    assert result.passed, "\n" + result.report()


def test_every_peer_contract_has_a_scenario_file() -> None:
    """A contract written for a peer template is exercised by at least one scenario file."""
    used = {case.contract_file.resolve() for case in load_scenarios([PEERS])}
    contracts = {p.resolve() for p in PEERS.rglob("contracts/*.yml")}
    assert contracts, "no peer contracts found"
    assert contracts <= used, f"contracts no scenario file names: {sorted(str(p) for p in contracts - used)}"
