"""`contract-check test`: run scenario files (named event cases and the findings they must give)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import CheckError
from . import settings
from .check import add_rules_option

DEFAULT_PATH = Path("tests/scenarios")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "test", help="run scenario files: event cases and the findings each must (or must not) produce",
        description="Run scenario files. Exit 0 when every case passes, 1 when a case fails, 2 on bad input.")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="scenario files or directories searched for *.yaml (default: the config's "
                             f"`scenarios`, else {DEFAULT_PATH})")
    parser.add_argument("-k", dest="keyword", metavar="EXPR",
                        help="run only the cases whose 'file::name' contains EXPR")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_rules_option(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..authoring.scenarios import SCHEMA, load_scenarios, row_coverage, run_case

    ws = settings.workspace(args)
    paths: list[Path] = args.paths or (list(ws.scenarios) if ws is not None and ws.scenarios else [DEFAULT_PATH])
    cases = load_scenarios(paths, settings.rule_layers(args))
    if args.keyword is not None:
        cases = [c for c in cases if args.keyword in c.id]
        if not cases:
            raise CheckError(f"-k {args.keyword!r}: no case's 'file::name' contains it")
    results = [run_case(case) for case in cases]
    failed = [r for r in results if not r.passed]
    coverage = row_coverage(results)
    uncovered = [c for c in coverage if not c.covered]
    if args.format == "json":
        doc = {
            "schema": SCHEMA,
            "summary": {"total": len(results), "passed": len(results) - len(failed), "failed": len(failed)},
            "cases": [r.to_json() for r in results],
            "coverage": {"rows": len(coverage), "covered": len(coverage) - len(uncovered),
                         "uncovered": [c.to_json() for c in uncovered]},
        }
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        out: list[str] = []
        for result in results:
            out.append(f"{'PASS' if result.passed else 'FAIL'} {result.case.id}")
        for result in failed:
            out.append("")
            out.append(result.report())
        out.append("")
        out.append(f"verdict-row coverage: {len(coverage) - len(uncovered)}/{len(coverage)} rows of the templates used")
        out.extend(f"  not covered: {c.template} / {c.obligation} row {c.row + 1} ({c.verdict} {c.reason})"
                   for c in uncovered)
        out.append("")
        out.append(f"{len(results) - len(failed)} passed, {len(failed)} failed, {len(results)} case(s)")
        sys.stdout.write("\n".join(out) + "\n")
    return 1 if failed else 0
