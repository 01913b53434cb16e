"""SARIF 2.1.0 log for code-scanning UIs: one rule per clause, one result per open finding.

Rules are the contract's clauses (id = clause id; the legal text as description and help).
A result is written for every breach (level error), grey zone (warning) and pending obligation
(note); kept obligations and information are counted in the run's properties. The primary
location is the clause in the contract file; related locations are the evidence events, each at
its line of the event log.

Texts meant for people (rule descriptions, messages, suppression justifications) are escaped
for humans (`escape.human`), so a line break or a control or bidirectional character from the
data shows as an escape in a code-scanning view. Identifiers, URIs and the properties bags keep
the exact values, for machines; in the file, a character that acts on a screen is written as a
JSON `\\uXXXX` escape (`escape.json_safe`), which keeps the value exact.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..findings import CheckResult, ClauseInfo, Finding, iso
from ..models import Event
from .escape import human, json_safe
from .html import STDIN_NAMES, Source, clause_infos, sources, when

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"breach": "error", "grey": "warning", "pending": "note"}
SEVERITY_LEVELS = {"high": "error", "medium": "warning", "low": "note"}
FINGERPRINT = "contractCheckFindingId/v1"


def uri(path: str) -> str:
    """A path as a SARIF URI reference: relative paths stay relative, absolute ones become file: URIs."""
    pure = PurePath(path)
    text = pure.as_posix()
    try:  # the file name's own bytes (a name that is not UTF-8 came in as surrogate escapes)
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    if pure.is_absolute():
        return "file://" + quote(raw)
    return quote(raw)


def _artifact(source: Source, role: str) -> dict[str, Any]:
    artifact: dict[str, Any] = {"location": {"uri": uri(source.path)}, "roles": [role]}
    if source.sha256:
        artifact["hashes"] = {"sha-256": source.sha256}
    return artifact


def _rule(clause: ClauseInfo) -> dict[str, Any]:
    heading = human(" — ".join(part for part in (clause.section, clause.title) if part) or clause.id)
    text = human(" ".join(clause.text.split())) or heading
    return {
        "id": clause.id,
        "name": human(clause.title or clause.id),
        "shortDescription": {"text": heading},
        "fullDescription": {"text": text},
        "help": {"text": text},
        "defaultConfiguration": {"level": SEVERITY_LEVELS.get(clause.severity, "warning")},
        "properties": {
            "template": clause.template,
            "severity": clause.severity,
            "section": clause.section,
            "tags": ["contract-clause", clause.template],
        },
    }


def _event_location(index: int, event: Event, trigger: bool, artifacts: dict[str, int]) -> dict[str, Any]:
    role = "trigger" if trigger else "evidence"
    location: dict[str, Any] = {
        "id": index,
        "message": {"text": f"{human(event.id)} ({role}): {human(event.type)} by {human(event.actor)}"
                            f" at {when(event.time)}"},
    }
    if event.file not in STDIN_NAMES:
        artifact: dict[str, Any] = {"uri": uri(event.file)}
        if event.file in artifacts:
            artifact["index"] = artifacts[event.file]
        location["physicalLocation"] = {"artifactLocation": artifact, "region": {"startLine": max(1, event.line)}}
    return location


def _suppression(waiver: dict[str, Any]) -> dict[str, Any]:
    """A waiver as a SARIF suppression: reviewed and accepted outside the analysed files."""
    return {
        "kind": "external",
        "status": "accepted",
        "justification": human(f"{waiver['justification']} (approved by {waiver['approver']},"
                               f" until {waiver['expires']})"),
        "location": {"physicalLocation": {"artifactLocation": {"uri": uri(str(waiver["file"]))},
                                          "region": {"startLine": max(1, int(waiver["line"]))}}},
        "properties": {"approver": waiver["approver"], "expires": waiver["expires"]},
    }


def _result(f: Finding, rule_index: int, clause: ClauseInfo, contract_uri: str,
            artifacts: dict[str, int]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": contract_uri, "index": 0}}
    if clause.line > 0:
        physical["region"] = {"startLine": clause.line}
    result: dict[str, Any] = {
        "ruleId": f.clause,
        "ruleIndex": rule_index,
        "level": LEVELS[f.verdict],
        "message": {"text": human(f.message)},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{"name": f.clause, "fullyQualifiedName": f"{clause.section} {f.clause}".strip()}],
        }],
        "relatedLocations": [_event_location(i, e, i == 0, artifacts) for i, e in enumerate(f.events)],
        "partialFingerprints": {FINGERPRINT: f.id},
        "properties": {
            "findingId": f.id,
            "verdict": f.verdict,
            "reason": f.reason,
            "severity": f.severity,
            "rule": f.rule,
            "events": [e.id for e in f.events],
            "time": iso(f.time),
            "due": iso(f.due),
        },
    }
    if f.waiver is not None:
        result["suppressions"] = [_suppression(f.waiver)]
    return result


def document(result: CheckResult) -> dict[str, Any]:
    contract, logs = sources(result)
    infos = clause_infos(result)
    rule_index = {c.id: i for i, c in enumerate(infos)}
    artifacts = [_artifact(contract, "analysisTarget")]
    artifact_index: dict[str, int] = {}
    for log in logs:
        if not log.is_stdin and log.path not in artifact_index and log.path != contract.path:
            artifact_index[log.path] = len(artifacts)
            artifacts.append(_artifact(log, "analysisTarget"))
    by_id = {c.id: c for c in infos}
    summary = result.summary()
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "contract-check",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": [_rule(c) for c in infos],
        }},
        "automationDetails": {"id": f"contract-check/{result.contract_id}/"},
        "artifacts": artifacts,
        "results": [
            _result(f, rule_index[f.clause], by_id[f.clause], uri(contract.path), artifact_index)
            for f in result.findings if f.verdict in LEVELS
        ],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "contractId": result.contract_id,
            "asOf": iso(result.as_of),
            "summary": summary,
            "uncoveredEvents": [e.id for e in result.uncovered],
            "outOfTermEvents": [e.id for e in result.out_of_term],
            "afterAsOfEvents": [e.id for e in result.after_as_of],
            "expiredWaivers": result.expired_waivers,
            "staleWaivers": result.stale_waivers,
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: CheckResult, options: Any = None) -> str:
    return json_safe(json.dumps(document(result), indent=2, ensure_ascii=False)) + "\n"
