"""Terminal summary, grouped by clause; colour only when writing to a terminal."""

from __future__ import annotations

from typing import Any

from ..findings import CheckResult
from ..models import VERDICT_ORDER

COLOURS = {"breach": "\x1b[31;1m", "grey": "\x1b[33;1m", "pending": "\x1b[36m", "ok": "\x1b[32m", "info": "\x1b[34m"}
RESET = "\x1b[0m"


def render(result: CheckResult, options: Any = None) -> str:
    colour = bool(getattr(options, "colour", False))
    clause_titles = {c.id: c.title for c in result.clauses}

    def paint(verdict: str, text: str) -> str:
        return f"{COLOURS[verdict]}{text}{RESET}" if colour else text

    lines = [
        f"contract {result.contract_id} ({result.contract_file})",
        f"events   {', '.join(result.event_sources)}  as of {result.as_of.isoformat()}",
        "",
    ]
    by_clause: dict[str, list[str]] = {}
    for f in result.findings:
        evidence = ", ".join(e.id for e in f.events)
        due = f"  due {f.due.date().isoformat()}" if f.due else ""
        if f.waiver is not None:
            due += f"  WAIVED by {f.waiver['approver']} until {f.waiver['expires']}"
        by_clause.setdefault(f.clause, []).append(
            f"  {paint(f.verdict, f'{f.verdict:<7}')} {f.reason:<28} [{evidence}]{due}  {f.id}\n"
            f"          {f.message}"
        )
    for clause, entries in by_clause.items():
        title = clause_titles.get(clause, "")
        lines.append(f"{clause}" + (f" — {title}" if title else ""))
        lines.extend(entries)
        lines.append("")
    if result.unexercised_clauses:
        lines.append("clauses no event exercised: " + ", ".join(result.unexercised_clauses))
    if result.uncovered:
        lines.append("uncovered events (no finding rests on them): " + ", ".join(e.id for e in result.uncovered))
    if result.out_of_term:
        lines.append("out-of-term events: " + ", ".join(e.id for e in result.out_of_term))
    if result.after_as_of:
        lines.append("events after the as-of time (not judged): " + ", ".join(e.id for e in result.after_as_of))
    for w in result.expired_waivers:
        lines.append(f"expired waiver ({w['file']}:{w['line']}) for {w['target']}, expired {w['expires']}")
    for w in result.stale_waivers:
        lines.append(f"stale waiver ({w['file']}:{w['line']}) for {w['target']}: matches no finding")
    if result.skipped:
        lines.append(f"skipped unreadable lines (--lenient): {len(result.skipped)}")
        lines.extend(f"  {s['file']}:{s['line']}: {s['error']}" for s in result.skipped)
    summary = result.summary()
    lines.append("")
    lines.append("summary: " + "  ".join(paint(v, f"{summary[v]} {v}") for v in VERDICT_ORDER))
    return "\n".join(lines) + "\n"
