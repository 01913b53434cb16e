"""JUnit XML for CI test reports, written with junitparser: a test suite per clause, a test case
per finding.

A breach is a failure. A grey zone is a failure when `--fail-on` is `grey` or `pending` (the
run then exits 1 on it), and otherwise a passed case whose system-out says it needs legal
review. A pending obligation is a failure only under `--fail-on pending`, for the same reason;
kept obligations and information pass. A waived finding (`--waivers`) never fails, as it does
not fail the exit code; its case says who waived it and until when. Every case carries its verdict, reason, finding id and
due date as properties, and its explanation and evidence in system-out.

Every text from the data is escaped for humans (`escape.human`) before it is put in the XML:
a line break or a control or bidirectional character in an id, a name or a message shows as an
escape in the CI's test view; the only line breaks in a case's text are the renderer's own.
"""

from __future__ import annotations

import io
import re
from typing import Any

from junitparser import Failure, JUnitXml, Properties, Property, TestCase, TestSuite

from ..findings import CheckResult, Finding, iso
from .escape import human
from .html import clause_infos, generated_at, key_fields, when

FAILING = {
    "breach": ("breach",),
    "grey": ("breach", "grey"),
    "pending": ("breach", "grey", "pending"),
    "never": ("breach",),
}
# Characters XML 1.0 cannot carry, even escaped (`human` has escaped all but the last two).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """One line of text from the data, escaped for humans, that XML 1.0 can carry."""
    return _NOT_XML.sub("\ufffd", human(value))


def _lines(*lines: str) -> str:
    """Lines already escaped with `human`, joined by the renderer's own line breaks."""
    return "\n".join(_NOT_XML.sub("\ufffd", line) for line in lines)


def _evidence(f: Finding) -> list[str]:
    lines = []
    for i, e in enumerate(f.events):
        fields = "; ".join(f"{k}: {v}" for k, v in key_fields(e))
        role = "trigger" if i == 0 else "evidence"
        lines.append(f"  {human(e.id)} ({role}) {when(e.time)} {human(e.type)} by {human(e.actor)}"
                     + (f" — {fields}" if fields else "") + f"  [{human(e.file)}:{e.line}]")
    return lines


def _case(f: Finding, classname: str, failing: tuple[str, ...]) -> TestCase:
    trigger = f.events[0].id if f.events else ""
    name = " ".join(part for part in (trigger, f.instance) if part) + f" [{f.id}]"
    case = TestCase(xml_text(name), xml_text(classname), 0.0)
    due = when(f.due) if f.due else "none"
    detail = _lines(f"{human(f.verdict)} {human(f.reason)} (severity {human(f.severity)}, due {due})",
                    human(f.message), "events:", *_evidence(f))
    props = Properties()  # type: ignore[no-untyped-call]
    for key, value in (("verdict", f.verdict), ("reason", f.reason), ("finding_id", f.id),
                       ("severity", f.severity), ("time", iso(f.time) or ""), ("due", iso(f.due) or "")):
        props.add_property(Property(key, xml_text(value)))
    if f.waiver is not None:
        props.add_property(Property("waived", xml_text(f"{f.waiver['approver']} until {f.waiver['expires']}")))
        detail = _lines(f"waived by {human(f.waiver['approver'])} until {human(f.waiver['expires'])}: "
                        f"{human(f.waiver['justification'])} ({human(f.waiver['file'])}:{human(f.waiver['line'])});"
                        " not a failure", detail)
    case.append(props)  # type: ignore[no-untyped-call]
    if f.verdict in failing and f.waiver is None:
        failure = Failure(xml_text(f.message), xml_text(f"{f.verdict}:{f.reason}"))
        failure.text = detail
        case.result = [failure]
        return case
    if f.verdict == "grey" and f.waiver is None:
        detail = "grey zone: needs legal review (not a failure unless --fail-on is grey or pending)\n" + detail
    case.system_out = detail
    return case


def render(result: CheckResult, options: Any = None) -> str:
    fail_on = str(getattr(options, "fail_on", "breach"))
    failing = FAILING.get(fail_on, FAILING["breach"])
    stamp = generated_at().strftime("%Y-%m-%dT%H:%M:%S")
    by_clause: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_clause.setdefault(f.clause, []).append(f)
    root = JUnitXml(xml_text(f"contract-check {result.contract_id}"))
    for clause in clause_infos(result):
        suite = TestSuite(xml_text(clause.id))
        suite.timestamp = stamp
        for key, value in (("section", clause.section), ("title", clause.title), ("template", clause.template),
                           ("severity", clause.severity), ("contract", result.contract_file),
                           ("contract_line", str(clause.line)), ("as_of", iso(result.as_of) or ""),
                           ("fail_on", fail_on), ("exercised", "yes" if clause.id in by_clause else "no")):
            suite.add_property(key, xml_text(value))
        suite.add_testcases([_case(f, f"{result.contract_id}.{clause.id}", failing)
                             for f in by_clause.get(clause.id, [])])
        root.add_testsuite(suite)
    buffer = io.BytesIO()
    root.write(buffer, pretty=True)
    return buffer.getvalue().decode("utf-8")

