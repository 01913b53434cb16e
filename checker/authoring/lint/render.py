"""Lint findings as text (one `file:line:col: [severity] policy: message` line each), JSON or SARIF 2.1.0.

Text lines and SARIF message texts are for people: every value in them is escaped with
`checker.report.escape.human`, so a line break or a control or bidirectional character from a
contract shows as an escape and cannot forge a line. JSON keeps the exact values.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson

from ...report.escape import human, json_safe
from .evaluate import LintFinding
from .policies import SEVERITY_ORDER, Policy

FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _count(findings: list[LintFinding]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {s: counts.get(s, 0) for s in SEVERITY_ORDER}


def render_text(findings: list[LintFinding], files: list[str]) -> str:
    lines = [human(f"{f.file}:{f.line}:{f.col}: [{f.severity}] {f.policy}: {f.message}") for f in findings]
    counts = _count(findings)
    tally = ", ".join(f"{n} {s}{'' if n == 1 else 's'}" for s, n in counts.items() if s != "info" or n)
    lines.append(f"{tally} in {len(files)} file{'' if len(files) == 1 else 's'}")
    return "\n".join(lines) + "\n"


def render_json(findings: list[LintFinding], files: list[str]) -> str:
    doc = {
        "schema": "contract-check/lint/1",
        "files": files,
        "summary": _count(findings),
        "findings": [f.to_json() for f in findings],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def render_sarif(findings: list[LintFinding], files: list[str], rules: list[tuple[str, str, str, str]]) -> str:
    """SARIF 2.1.0: one run, a rule per policy (id, title, doc, severity), a result per finding."""
    index = {rule[0]: i for i, rule in enumerate(rules)}
    doc: dict[str, Any] = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "contract-check",
                "rules": [
                    {"id": rid, "name": rid, "shortDescription": {"text": human(title)},
                     "fullDescription": {"text": human(doc_text)},
                     "defaultConfiguration": {"level": SARIF_LEVEL[severity]}}
                    for rid, title, doc_text, severity in rules
                ],
            }},
            "artifacts": [{"location": {"uri": file}} for file in files],
            "results": [
                {
                    "ruleId": f.policy,
                    "ruleIndex": index[f.policy],
                    "level": SARIF_LEVEL[f.severity],
                    "message": {"text": human(f.message)},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": f.file},
                        "region": {"startLine": f.line, "startColumn": f.col},
                    }}],
                }
                for f in findings
            ],
        }],
    }
    return json_safe(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()) + "\n"


def policy_rules(policies: list[Policy], extra: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    return [(p.id, p.spec.title, " ".join(p.spec.doc.split()), p.spec.severity) for p in policies] + extra
