"""Terminal summary, grouped by clause; colour only when writing to a terminal.

Every value from the data goes through `escape.human` (as `h` below), so a CR, LF, ESC or
bidirectional control in an id, a name or a message shows as an escape and cannot overprint or
invent a line: the only line breaks and colour codes in the output are the renderer's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..findings import CheckResult
from ..models import VERDICT_ORDER
from .escape import human as h
from .html import reason_docs

COLOURS = {"breach": "\x1b[31;1m", "grey": "\x1b[33;1m", "pending": "\x1b[36m", "ok": "\x1b[32m", "info": "\x1b[34m"}
RESET = "\x1b[0m"


def _joined(values: Iterable[object]) -> str:
    return ", ".join(h(v) for v in values)


def render(result: CheckResult, options: Any = None) -> str:
    colour = bool(getattr(options, "colour", False))
    clause_titles = {c.id: c.title for c in result.clauses}

    def paint(verdict: str, text: str) -> str:
        return f"{COLOURS[verdict]}{text}{RESET}" if colour else text

    lines = [
        f"contract {h(result.contract_id)} ({h(result.contract_file)})",
        f"events   {_joined(result.event_sources)}  as of {result.as_of.isoformat()}",
        "",
    ]
    by_clause: dict[str, list[str]] = {}
    for f in result.findings:
        evidence = _joined(e.id for e in f.events)
        due = f"  due {f.due.date().isoformat()}" if f.due else ""
        if f.waiver is not None:
            due += f"  WAIVED by {h(f.waiver['approver'])} until {h(f.waiver['expires'])}"
        by_clause.setdefault(f.clause, []).append(
            f"  {paint(f.verdict, f'{h(f.verdict):<7}')} {h(f.reason):<28} [{evidence}]{due}  {h(f.id)}\n"
            f"          {h(f.message)}"
        )
    for clause, entries in by_clause.items():
        title = clause_titles.get(clause, "")
        lines.append(h(clause) + (f" — {h(title)}" if title else ""))
        lines.extend(entries)
        lines.append("")
    if result.unexercised_clauses:
        lines.append("clauses no event exercised: " + _joined(result.unexercised_clauses))
    if result.uncovered:
        lines.append("uncovered events (no finding rests on them): " + _joined(e.id for e in result.uncovered))
    if result.out_of_term:
        lines.append("out-of-term events: " + _joined(e.id for e in result.out_of_term))
    if result.after_as_of:
        lines.append("events after the as-of time (not judged): " + _joined(e.id for e in result.after_as_of))
    for w in result.expired_waivers:
        lines.append(f"expired waiver ({h(w['file'])}:{h(w['line'])}) for {h(w['target'])}, expired {h(w['expires'])}")
    for w in result.stale_waivers:
        lines.append(f"stale waiver ({h(w['file'])}:{h(w['line'])}) for {h(w['target'])}: matches no finding")
    if result.skipped:
        lines.append(f"skipped unreadable lines (--lenient): {len(result.skipped)}")
        lines.extend(f"  {h(s['file'])}:{h(s['line'])}: {h(s['error'])}" for s in result.skipped)
    reasons = reason_docs(result.findings)
    if reasons:
        # Before the summary, which stays the last line (scripts read it with `tail -1`).
        lines.append("")
        lines.append("reasons (a code's template documentation, or an example from this run):")
        for r in reasons:
            for n in r.notes:
                lines.append(f"  {h(r.reason)} ({'/'.join(h(v) for v in r.verdicts)}, {_joined(n.templates)}): "
                             f"{'e.g. ' if n.example else ''}{h(n.text)}")
    summary = result.summary()
    waived = sum(1 for f in result.findings if f.waiver is not None)
    extra = [f"{waived} waived"] if waived else []
    if result.skipped:
        extra.append(f"{len(result.skipped)} unreadable line{'s' if len(result.skipped) != 1 else ''} skipped")
    lines.append("")
    lines.append("summary: " + "  ".join(paint(v, f"{summary[v]} {v}") for v in VERDICT_ORDER)
                 + (f"  ({', '.join(extra)})" if extra else ""))
    return "\n".join(lines) + "\n"
