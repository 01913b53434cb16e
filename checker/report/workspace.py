"""One report for a whole workspace: an overview, then a section per contract, in every format.

Each contract's section is that contract's own report (the renderer of its format), so a
workspace report says exactly what the per-contract reports say; the overview counts the
verdicts of every contract and names the ones that fail the gate.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from typing import Any

import orjson

from ..findings import FAIL_LEVELS, CheckResult
from ..models import VERDICT_ORDER
from . import RenderOptions, render
from .escape import human

SCHEMA = "contract-check/workspace/1"


def totals(results: Sequence[CheckResult]) -> dict[str, int]:
    counts = {v: 0 for v in VERDICT_ORDER}
    for result in results:
        for verdict, n in result.summary().items():
            counts[verdict] += n
    return counts


def _failing(result: CheckResult, options: RenderOptions) -> bool:
    return bool(result.failing(FAIL_LEVELS.get(options.fail_on, FAIL_LEVELS["breach"]))) or bool(result.skipped)


def render_workspace(fmt: str, results: Sequence[CheckResult], options: RenderOptions) -> str:
    text: str = RENDERERS[fmt](results, options)
    return text


def _text(results: Sequence[CheckResult], options: RenderOptions) -> str:
    parts = [f"workspace: {len(results)} contract{'s' if len(results) != 1 else ''}", ""]
    for result in results:
        summary = result.summary()
        flag = "FAIL" if _failing(result, options) else "pass"
        counts = "  ".join(f"{summary[v]} {v}" for v in VERDICT_ORDER)
        parts.append(f"  {flag}  {human(result.contract_id)} ({human(result.contract_file)})  {counts}")
    parts.append("")
    for result in results:
        parts.append("=" * 78)
        parts.append(render("text", result, options).rstrip("\n"))
        parts.append("")
    total = totals(results)
    failing = sum(1 for r in results if _failing(r, options))
    contracts = f"{len(results)} contract{'s' if len(results) != 1 else ''}"
    parts.append(f"workspace summary: {contracts}, {failing} failing (--fail-on {options.fail_on})  "
                 + "  ".join(f"{total[v]} {v}" for v in VERDICT_ORDER))
    return "\n".join(parts) + "\n"


def _json(results: Sequence[CheckResult], options: RenderOptions) -> str:
    doc = {
        "schema": SCHEMA,
        "summary": totals(results),
        "fail_on": options.fail_on,
        "failing_contracts": [r.contract_id for r in results if _failing(r, options)],
        "contracts": [r.to_json() for r in results],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def _markdown(results: Sequence[CheckResult], options: RenderOptions) -> str:
    def cell(value: object) -> str:
        return human(value).replace("|", "\\|")

    lines = ["# Workspace compliance", "", "| Contract | File | " + " | ".join(VERDICT_ORDER) + " | Gate |",
             "|:--|:--|" + "--:|" * len(VERDICT_ORDER) + ":--|"]
    for result in results:
        summary = result.summary()
        lines.append(f"| {cell(result.contract_id)} | {cell(result.contract_file)} | "
                     + " | ".join(str(summary[v]) for v in VERDICT_ORDER)
                     + f" | {'fails' if _failing(result, options) else 'passes'} |")
    total = totals(results)
    lines.append("| **All** | | " + " | ".join(f"**{total[v]}**" for v in VERDICT_ORDER) + " | |")
    lines.append("")
    for result in results:
        lines.append(render("md", result, options).rstrip("\n"))
        lines.append("")
    return "\n".join(lines)


def _sarif(results: Sequence[CheckResult], options: RenderOptions) -> str:
    from .escape import json_safe
    from .sarif import document

    documents = [document(result) for result in results]
    runs = [run for each in documents for run in each["runs"]]
    doc = {**documents[0], "runs": runs} if documents else {"version": "2.1.0", "runs": []}
    return json_safe(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def _junit(results: Sequence[CheckResult], options: RenderOptions) -> str:
    from junitparser import JUnitXml

    root = JUnitXml("contract-check workspace")
    for result in results:
        for suite in JUnitXml.fromstring(render("junit", result, options)):
            # Two contracts may have clauses with the same id: the suite names say whose.
            suite.name = f"{result.contract_id}.{suite.name}"
            root.add_testsuite(suite)
    buffer = io.BytesIO()
    root.write(buffer, pretty=True)
    return buffer.getvalue().decode("utf-8")


_BODY_RE = re.compile(r"<body>\n(.*)</body>", re.DOTALL)
_HEAD_RE = re.compile(r"<head>\n(.*)</head>", re.DOTALL)
# Every id and fragment link our HTML template writes (values inside are escaped, so a quote
# from the data never appears raw in them).
_ID_RE = re.compile(r'(\sid="|\shref="#)([^"]*)"')


def _html(results: Sequence[CheckResult], options: RenderOptions) -> str:
    """The overview, then each contract's report in its own <section>, its ids prefixed."""
    head = ""
    sections = []
    for index, result in enumerate(results, 1):
        page = render("html", result, options)
        if not head:
            found = _HEAD_RE.search(page)
            head = found.group(1) if found else ""
        body = _BODY_RE.search(page)
        inner = body.group(1) if body else ""
        inner = _ID_RE.sub(lambda m, n=index: f'{m.group(1)}c{n}-{m.group(2)}"', inner)
        # One <main> per page: each contract's becomes a division of its section.
        inner = inner.replace("<main>", '<div class="main">').replace("</main>", "</div>")
        sections.append(f'<section class="contract" id="contract-{index}">\n{inner}</section>\n')
    head = re.sub(r"<title>.*?</title>", "<title>Compliance report — workspace</title>", head, flags=re.DOTALL)
    rows = []
    for index, result in enumerate(results, 1):
        summary = result.summary()
        cells = "".join(f'<td class="{v}">{summary[v]}</td>' for v in VERDICT_ORDER)
        gate = "fails" if _failing(result, options) else "passes"
        rows.append(f'<tr><th scope="row"><a href="#contract-{index}">{_esc(result.contract_id)}</a></th>'
                    f'<td class="path">{_esc(result.contract_file)}</td>{cells}<td>{gate}</td></tr>')
    total = totals(results)
    overview = (
        '<section id="workspace" aria-label="Contracts"><h2>Contracts</h2>\n'
        '<table class="workspace"><thead><tr><th>Contract</th><th>File</th>'
        + "".join(f"<th>{v}</th>" for v in VERDICT_ORDER) + "<th>Gate</th></tr></thead><tbody>\n"
        + "\n".join(rows) + "\n</tbody><tfoot><tr><th>All</th><td></td>"
        + "".join(f"<td>{total[v]}</td>" for v in VERDICT_ORDER) + "<td></td></tr></tfoot></table>"
        "</section>\n"
    )
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n{head}</head>\n<body>\n'
            '<header class="run"><h1>Compliance report <span class="cid">workspace</span></h1></header>\n'
            f'<main>\n{overview}' + "".join(sections) + "</main>\n</body>\n</html>\n")


def _esc(value: object) -> str:
    from markupsafe import escape

    return str(escape(human(value)))


RENDERERS: dict[str, Any] = {"text": _text, "json": _json, "md": _markdown, "sarif": _sarif, "junit": _junit,
                             "html": _html}
