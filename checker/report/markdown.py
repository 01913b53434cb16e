"""GitHub-flavoured Markdown report (templates/report.md.j2), for pull-request comments.

Every value taken from the data is escaped by the environment's finalize hook: first for humans
(`escape.human`: line breaks, control and bidirectional characters become visible escapes such
as `\n` or `\u202e`, so a value stays on its line and in its table cell), then for Markdown
(characters Markdown or GitHub would act on: emphasis, code spans, links, table pipes,
@mentions, #references, inline HTML are neutralised).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from ..findings import CheckResult
from ..models import VERDICT_ORDER
from .escape import human
from .html import VERDICT_LABELS, clause_infos, new_environment, reason_docs, run_header

# Above this many rows a section lists its first ROW_LIMIT findings and says how many more there
# are (a GitHub comment holds at most 65 536 characters); `--verbose` lists every finding.
ROW_LIMIT = 100
ID_LIMIT = 30

# Active anywhere in a line: escapes, code spans, emphasis, links and images (`[`), table cells,
# strikethrough, math, @mentions and #references. (Line-start syntax cannot occur: every value
# follows other text on its line.) `&`, `<`, `>` become entities: no inline HTML, no entities.
_ACTIVE = re.compile(r"([\\`*_\[\]|~#@$])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ENTITY_RE = re.compile(r"[&<>]")


def md_escape(value: Any) -> str:
    """A value as literal text in GitHub-flavoured Markdown, on one line, every character visible."""
    text = _ACTIVE.sub(r"\\\1", human(value))
    return _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(0)], text)


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    return Markup(md_escape("" if value is None else value))


@cache
def md_environment() -> jinja2.Environment:
    return new_environment(finalize=_finalize)


def render(result: CheckResult, options: Any = None) -> str:
    verbose = bool(getattr(options, "verbose", False))
    header = run_header(result)
    summary = result.summary()
    clauses = {c.id: c for c in clause_infos(result)}
    by_verdict = {v: [f for f in result.findings if f.verdict == v] for v in VERDICT_ORDER}
    listed = ("breach", "grey", "info") + (("pending", "ok") if verbose else ())
    limit = None if verbose else ROW_LIMIT
    shown = [f for v in VERDICT_ORDER if v in listed for f in by_verdict[v][:limit]]
    template = md_environment().get_template("report.md.j2")
    return template.render(
        header=header,
        summary=summary,
        total=sum(summary.values()),
        labels=VERDICT_LABELS,
        sections=[(v, by_verdict[v]) for v in VERDICT_ORDER if v in listed],
        unlisted=[(v, summary[v]) for v in VERDICT_ORDER if v not in listed and summary[v]],
        clauses=clauses,
        limit=limit,
        reasons=reason_docs(shown),  # the codes of the findings this report lists
        id_limit=ID_LIMIT,
        uncovered=result.uncovered,
        out_of_term=result.out_of_term,
        after_as_of=result.after_as_of,
        skipped=result.skipped,
        unexercised=result.unexercised_clauses,
        waived=Counter(f.verdict for f in result.findings if f.waiver is not None),
        waived_total=sum(1 for f in result.findings if f.waiver is not None),
        expired_waivers=result.expired_waivers,
        stale_waivers=result.stale_waivers,
    )
