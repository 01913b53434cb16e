"""`contract-check lint FILE...`: contract and proposal files checked against the term policies."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import CheckError
from . import write_report

FAIL_LEVELS: dict[str, tuple[str, ...]] = {
    "error": ("error",),
    "warning": ("error", "warning"),
    "info": ("error", "warning", "info"),
    "never": (),
}


# Literal here so that building the parser imports nothing heavy (start-up time);
# tests/test_lint.py checks it matches checker/lint/render.py.
FORMATS = ("text", "json", "sarif")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "lint", help="check contract and proposal files against the term policies (rules/policies/)")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="contract or proposal YAML file")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", type=Path, help="write the report here instead of standard output")
    parser.add_argument("--fail-on", choices=list(FAIL_LEVELS), default="error",
                        help="exit 1 when a finding at or above this severity exists (default: error)")
    parser.add_argument("--rules", type=Path, help="rule-template directory (default: the bundled rules/)")
    parser.add_argument("--policies", type=Path, action="append",
                        help="policy directory, repeat for several (default: policies/ in the rule-template directory)")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..lint import LOADER_DOC, LOADER_POLICY, LOADER_TITLE, default_policy_dirs, lint_file, load_policies
    from ..lint.render import policy_rules, render_json, render_sarif, render_text
    from ..templates import load_templates

    templates = load_templates(args.rules)
    policies = load_policies(args.policies or default_policy_dirs(args.rules))
    files: list[str] = []
    findings = []
    unreadable = 0
    for file in dict.fromkeys(str(f) for f in args.files):
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
    failing = FAIL_LEVELS[args.fail_on]
    return 1 if any(f.severity in failing for f in findings) else 0
