"""`contract-check explain`: the full chain of one finding, from clause text to verdict row."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import write_report


def add_parser(sub: Any) -> argparse.ArgumentParser:
    from .check import add_inputs

    parser: argparse.ArgumentParser = sub.add_parser(
        "explain", help="explain one finding: clause, parameters, evidence, deadline, measures, verdict rows",
        description="Explain how one finding's verdict was reached. FINDING_ID is the id `check` prints "
                    "(or a unique prefix of at least 4 characters); give the same --contract, --events "
                    "and --as-of as the check that printed it.")
    parser.add_argument("finding_id", metavar="FINDING_ID", help="the finding's id, as printed by `check`")
    add_inputs(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--output", type=Path, help="write the explanation here instead of standard output")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..api import load
    from ..authoring.explain import explain, find_trail, render, run_traced
    from ..read.events import read_events
    from . import settings
    from .check import parse_as_of

    as_of_text = settings.as_of_text(args)
    as_of = None if as_of_text is None else parse_as_of(as_of_text)
    contract_file = _one_contract(args)
    contract, templates = load(contract_file, settings.rule_layers(args))
    log = read_events(settings.event_logs(args, contract_file), lenient=args.lenient)
    result, trails = run_traced(contract, templates, log, as_of, args.lenient)
    trail = find_trail(result, trails, args.finding_id)
    text = render(explain(trail, result, contract, templates), args.format)
    write_report(text, args.output)
    return 0


def _one_contract(args: argparse.Namespace) -> Path:
    """--contract, or the workspace's contract when it holds exactly one."""
    from ..errors import CheckError
    from . import settings

    contracts = settings.contracts(args)
    if len(contracts) != 1:
        raise CheckError(f"the workspace holds {len(contracts)} contracts: say which with --contract")
    return contracts[0]
