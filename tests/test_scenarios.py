"""Every case of every scenario file under tests/scenarios is its own test (`file::case-name`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.authoring.scenarios import Case, load_scenarios, run_case

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        cases = load_scenarios([SCENARIOS])
        metafunc.parametrize("case", cases, ids=[f"{c.file.relative_to(SCENARIOS)}::{c.name}" for c in cases])


def test_scenario(case: Case) -> None:
    result = run_case(case)
    assert result.passed, "\n" + result.report()


def test_every_template_has_a_scenario_file() -> None:
    rules = Path(__file__).resolve().parent.parent / "rules"
    used = {"scoped-disclosure", "percentage-payment", "right-of-first-refusal", "prior-approval",
            "milestone-termination", "contract-term"}
    assert used <= {p.stem for p in rules.glob("*.yaml")}
    assert used <= {p.stem for p in SCENARIOS.glob("*.yaml")}
