"""`contract-check lint FILE...`: contract and proposal files checked against the term policies."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import CheckError
from . import settings, write_report
from .check import add_rules_option

FAIL_LEVELS: dict[str, tuple[str, ...]] = {
    "error": ("error",),
    "warning": ("error", "warning"),
    "info": ("error", "warning", "info"),
    "never": (),
}


# Literal here so that building the parser imports nothing heavy (start-up time);
# tests/test_lint.py checks it matches checker/authoring/lint/render.py.
FORMATS = ("text", "json", "sarif")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "lint", help="check contract and proposal files against the term policies (rules/policies/)")
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="contract or proposal YAML file (default in a workspace: every YAML file under its "
                             "`contracts`)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", type=Path, help="write the report here instead of standard output")
    parser.add_argument("--fail-on", choices=list(FAIL_LEVELS),
                        help="exit 1 when a finding at or above this severity exists (default: the config's "
                             "`lint-fail-on`, else error)")
    add_rules_option(parser)
    parser.add_argument("--policies", type=Path, action="append",
                        help="a folder of your term policies, layered over the bundled ones (a policy with a "
                             "bundled id replaces it); repeat for several (default in a workspace: its `policies`)")
    parser.add_argument("--skip-non-contracts", action="store_true",
                        help="skip YAML files that hold neither a `contract` nor a `proposal` mapping (the "
                             "pre-commit hook passes every changed YAML file)")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..authoring.lint import LOADER_DOC, LOADER_POLICY, LOADER_TITLE, default_policy_dirs, lint_file, load_policies
    from ..authoring.lint.render import policy_rules, render_json, render_sarif, render_text
    from ..language.templates import load_templates

    rules = settings.rule_layers(args)
    templates = load_templates(rules)
    policies = load_policies(default_policy_dirs(rules, settings.policy_folders(args)))
    files: list[str] = []
    findings = []
    unreadable = 0
    for file in _files(args):
        try:
            findings.extend(lint_file(Path(file), templates, policies))
        except CheckError as exc:
            unreadable += 1
            print(f"contract-check: error: {exc}", file=sys.stderr)
        else:
            files.append(file)
    # A finding in a base contract is the same statement whichever proposal brought it: say it once.
    findings = sorted(set(findings), key=lambda f: f.sort_key())
    if args.format == "json":
        report = render_json(findings, files)
    elif args.format == "sarif":
        report = render_sarif(findings, files, policy_rules(policies, [(LOADER_POLICY, LOADER_TITLE, LOADER_DOC, "error")]))
    else:
        report = render_text(findings, files)
    write_report(report, args.output)
    if unreadable:
        return 2
    failing = FAIL_LEVELS[settings.fail_on(args, "error", "lint_fail_on")]
    return 1 if any(f.severity in failing for f in findings) else 0


def _files(args: argparse.Namespace) -> list[str]:
    """The files to lint: as given (minus non-contract YAML with --skip-non-contracts), else
    every YAML file under the workspace's contract paths."""
    from ..language.proposals import is_contract_document

    given: list[Path] = args.files
    if not given:
        ws = settings.workspace(args)
        if ws is None:
            raise CheckError("give the contract or proposal files to lint (or run inside a workspace: "
                             "see `contract-check init`)")
        given = []
        for path in ws.contracts:
            given.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")) if path.is_dir()
                         else [path])
        given = [p for p in given if is_contract_document(p)]
        if not given:
            raise CheckError("no contract or proposal files under the workspace's `contracts`", ws.file)
    elif args.skip_non_contracts:
        given = [p for p in given if is_contract_document(p)]
    return list(dict.fromkeys(str(f) for f in given))
