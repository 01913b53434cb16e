"""docs/coverage.md stays true: every clause category counsel looks for (CUAD, the list of the
"Contract language" and "Money and measures" issues) names a template, a bundled clause
(`file:line`) that uses it, and scenario cases that exist and pass."""

from __future__ import annotations

import re

import pytest

from checker.authoring.scenarios import Case, load_scenarios, run_case
from checker.read.yamlload import load_yaml
from tests.conftest import ROOT

COVERAGE = ROOT / "docs" / "coverage.md"
ROW_RE = re.compile(r"^\| (?P<category>[^|]+?) \| `(?P<template>[a-z0-9-]+)` \| `(?P<file>[^`:]+):(?P<line>\d+)` "
                    r"\| (?P<scenarios>[^|]+?) \|$")
SCENARIO_RE = re.compile(r"`([^`:]+)::([^`]+)`")
CATEGORIES = [
    "renewal term", "notice period to terminate renewal", "termination for convenience", "change of control",
    "anti-assignment", "rofr / rofo / rofn", "exclusivity", "non-compete", "no-solicit of customers",
    "no-solicit of employees", "non-disparagement", "most favoured nation", "price restrictions",
    "minimum commitment", "volume restriction", "revenue/profit sharing", "ip ownership assignment",
    "license grant scope", "non-transferable licence", "affiliate licence", "source-code escrow",
    "post-termination services", "audit rights", "liquidated damages", "warranty duration", "insurance",
    "effective and expiration dates", "sla credits",
]


def rows() -> list[dict[str, str]]:
    found = [m.groupdict() for line in COVERAGE.read_text(encoding="utf-8").splitlines() if (m := ROW_RE.match(line))]
    assert found, "docs/coverage.md has no table rows"
    return found


def test_every_category_has_a_row() -> None:
    named = {r["category"].strip().lower() for r in rows()}
    missing = [c for c in CATEGORIES if not any(c in n for n in named)]
    assert not missing, f"categories without a row in docs/coverage.md: {missing}"


@pytest.mark.parametrize("row", rows(), ids=lambda r: r["category"])
def test_the_clause_uses_the_template(row: dict[str, str]) -> None:
    path = ROOT / row["file"]
    assert path.is_file(), row["file"]
    lines = path.read_text(encoding="utf-8").splitlines()
    line = int(row["line"])
    assert re.match(r"^\s*- id: [a-z0-9-]+\s*$", lines[line - 1]), f"{row['file']}:{line} is not a clause: {lines[line - 1]!r}"
    clause_id = lines[line - 1].split("id:")[1].strip()
    tree = load_yaml(path)
    clause = next(c for c in tree["contract"]["clauses"] if c["id"] == clause_id)
    assert clause["template"] == row["template"], (clause_id, clause["template"])


def _cases() -> dict[tuple[str, str], Case]:
    cases = load_scenarios([ROOT / "tests" / "scenarios", ROOT / "tests" / "peers"])
    return {(str(c.file.relative_to(ROOT)), c.name): c for c in cases}


CASES = _cases()


@pytest.mark.parametrize("row", rows(), ids=lambda r: r["category"])
def test_the_named_scenarios_exist_and_pass(row: dict[str, str]) -> None:
    named = SCENARIO_RE.findall(row["scenarios"])
    assert named, f"{row['category']}: no scenario named"
    for file, name in named:
        case = CASES.get((file, name))
        assert case is not None, f"{row['category']}: no case {name!r} in {file}"
        result = run_case(case)
        assert result.passed, result.report()
