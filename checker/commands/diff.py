"""`contract-check diff OLD NEW --events LOG`: clause diff and verdict changes on the same event log.

With `--against REV FILE...` (the pre-commit hook) each FILE is compared with its version at the
git revision; a proposal new since then is compared with the contract it amends.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import orjson

from ..clausediff import ContractDiff, TermChange, VerdictChange, jsonable
from ..errors import CheckError
from ..findings import Finding
from ..models import VERDICT_ORDER
from . import write_report
from .check import FAIL_LEVELS

FORMATS = ("text", "json", "md")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "diff", help="what an amendment changes: the clauses, and the verdicts on the same event log")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE",
                        help="OLD NEW (contracts or proposals); with --against, the changed files")
    parser.add_argument("--events", required=True, action="append",
                        help="event log (.jsonl, .json, .csv, or - for JSON lines on stdin); repeat to read several")
    parser.add_argument("--against", metavar="REV",
                        help="compare each FILE with its version at this git revision (e.g. HEAD)")
    parser.add_argument("--as-of", help="date deadlines are judged at (default: latest event; 'today' uses the clock)")
    parser.add_argument("--rules", type=Path, help="rule-template directory (default: the bundled rules/)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", type=Path, help="write the report here instead of standard output")
    parser.add_argument("--fail-on", choices=list(FAIL_LEVELS), default="breach",
                        help="exit 1 when the new terms bring a finding at or above this verdict that the old "
                             "terms did not have (default: breach)")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..clausediff import diff_contracts
    from ..contracts import LoadedContract
    from ..events import read_events
    from ..proposals import WORKING_TREE, Source, load_document
    from ..replay import check
    from ..templates import load_templates
    from .check import parse_as_of

    files: list[Path] = args.files
    if args.against is None and len(files) != 2:
        raise CheckError(f"diff takes OLD NEW (two files), got {len(files)}; use --against REV to diff files with git")
    as_of = None if args.as_of is None else parse_as_of(args.as_of)
    templates = load_templates(args.rules)
    log = read_events(args.events)
    pairs: list[tuple[LoadedContract | None, str, LoadedContract, str]] = []
    if args.against is None:
        old_doc, new_doc = (load_document(f, templates) for f in files)
        pairs.append((old_doc.loaded, old_doc.path, new_doc.loaded, new_doc.path))
    else:
        committed = Source(args.against)
        for file in dict.fromkeys(files):
            new_doc = load_document(file, templates)
            old: LoadedContract | None = None
            old_label = "(none)"
            if committed.exists(file):
                old_doc = load_document(file, templates, committed)
                old, old_label = old_doc.loaded, old_doc.path
            elif new_doc.base is not None:
                base = Path(new_doc.base)
                old_doc = load_document(base, templates, committed if committed.exists(base) else WORKING_TREE)
                old, old_label = old_doc.loaded, old_doc.path
            pairs.append((old, old_label, new_doc.loaded, new_doc.path))
    diffs = []
    for old, old_label, new, new_label in pairs:
        old_result = None if old is None else check(old, templates, log, as_of)
        new_result = check(new, templates, log, as_of)
        diffs.append(diff_contracts(old, new, templates, old_result, new_result, old_label, new_label))
    if args.format == "json":
        report = orjson.dumps({"schema": "contract-check/diff/1", "fail_on": args.fail_on,
                               "diffs": [d.to_json() for d in diffs]}, option=orjson.OPT_INDENT_2).decode() + "\n"
    elif args.format == "md":
        report = "\n".join(render_md(d, args.fail_on) for d in diffs)
    else:
        report = "\n".join(render_text(d, args.fail_on) for d in diffs)
    write_report(report, args.output)
    return 1 if any(d.introduces(FAIL_LEVELS[args.fail_on]) for d in diffs) else 0


# --- rendering ----------------------------------------------------------------------------------


def value_text(value: Any, limit: int = 80) -> str:
    plain = jsonable(value)
    if isinstance(plain, list):
        text = "[" + ", ".join(value_text(v, limit) for v in plain) + "]"
    elif isinstance(plain, dict):
        text = "{" + ", ".join(f"{k}: {value_text(v, limit)}" for k, v in plain.items()) + "}"
    elif plain is None:
        text = "(none)"
    else:
        text = str(plain)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def term_text(t: TermChange) -> str:
    where = {"contract": "contract", "party": "party", "definition": "definition"}.get(t.what)
    subject = f"{where} {t.name}" if where else (f"clause {t.name}" if t.what == "clause" and t.name == t.clause
                                                  else f"{t.clause} {'parameter ' if t.what == 'parameter' else ''}{t.name}")
    if t.what == "clause" and t.name == t.clause:
        return f"{t.change:<8} {subject} ({value_text(t.old if t.change == 'removed' else t.new)})"
    if t.change == "added":
        return f"{t.change:<8} {subject}: {value_text(t.new)}"
    if t.change == "removed":
        return f"{t.change:<8} {subject} (was {value_text(t.old)})"
    if t.name == "text":
        return f"{t.change:<8} {subject} (see --format json for the old and new text)"
    return f"{t.change:<8} {subject}: {value_text(t.old)} → {value_text(t.new)}"


def _verdict(f: Finding | None) -> str:
    return "(none)" if f is None else f"{f.verdict} {f.reason}"


def _events(c: VerdictChange) -> str:
    ids: list[str] = []
    for f in (c.new, c.old):
        for e in f.events if f is not None else []:
            if e.id not in ids:
                ids.append(e.id)
    return ", ".join(ids)


def _verdict_counts(d: ContractDiff) -> str:
    s = d.summary()
    return ", ".join(f"{v} {s['old'][v]} → {s['new'][v]}" for v in VERDICT_ORDER)


def render_text(d: ContractDiff, fail_on: str) -> str:
    old_id = d.old.contract_id if d.old is not None else "(no committed version)"
    lines = [
        f"{old_id} ({d.old_label}) → {d.new.contract_id} ({d.new_label})",
        f"events {', '.join(d.new.event_sources)}  as of {d.new.as_of.isoformat()}",
        "",
        "terms",
    ]
    lines.extend(f"  {term_text(t)}" for t in d.terms)
    if not d.terms:
        lines.append("  no change")
    lines += ["", "verdicts on the same events"]
    introduced = {id(c) for c in d.introduces(FAIL_LEVELS[fail_on])}
    for c in d.verdicts:
        f = c.finding
        if c.change == "changed":
            what = f"{_verdict(c.old)} → {_verdict(c.new)}"
        else:
            what = _verdict(f)
        flag = f"  (new {c.new.verdict})" if id(c) in introduced and c.new is not None else ""
        lines.append(f"  {c.change:<11} {f.clause:<22} {what}  [{_events(c)}]  {f.id}{flag}")
        if c.old is not None and c.change != "appeared":
            lines.append(f"  {'':<11} was: {c.old.message}")
        if c.new is not None:
            lines.append(f"  {'':<11} now: {c.new.message}")
    if not d.verdicts:
        lines.append("  no change")
    moved = d.term_events()
    if moved["now_out_of_term"]:
        lines.append("events now out of term: " + ", ".join(moved["now_out_of_term"]))
    if moved["now_in_term"]:
        lines.append("events now in term: " + ", ".join(moved["now_in_term"]))
    s = d.summary()
    lines += [
        "",
        f"summary: {s['appeared']} appeared, {s['disappeared']} disappeared, {s['changed']} changed, {s['unchanged']} unchanged",
        f"verdicts: {_verdict_counts(d)}",
    ]
    if introduced:
        lines.append(f"{len(introduced)} new finding(s) at or above --fail-on {fail_on}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_md(d: ContractDiff, fail_on: str) -> str:
    old_id = d.old.contract_id if d.old is not None else "(no committed version)"
    out = [
        f"## `{old_id}` → `{d.new.contract_id}`",
        "",
        f"Old: `{d.old_label}` · New: `{d.new_label}` · Events: {', '.join(f'`{s}`' for s in d.new.event_sources)}"
        f" · As of {d.new.as_of.isoformat()}",
        "",
        "### Terms",
        "",
    ]
    if d.terms:
        out += ["| change | clause | what | old | new |", "|---|---|---|---|---|"]
        for t in d.terms:
            out.append(f"| {t.change} | {_cell(t.clause or '')} | {t.what} `{_cell(t.name)}` | "
                       f"{_cell(value_text(t.old))} | {_cell(value_text(t.new))} |")
    else:
        out.append("No change.")
    out += ["", "### Verdicts on the same events", ""]
    introduced = {id(c) for c in d.introduces(FAIL_LEVELS[fail_on])}
    if d.verdicts:
        out += ["| change | clause | old | new | events | finding |", "|---|---|---|---|---|---|"]
        for c in d.verdicts:
            flag = " **new**" if id(c) in introduced else ""
            out.append(f"| {c.change}{flag} | `{c.finding.clause}` | {_verdict(c.old)} | {_verdict(c.new)} | "
                       f"{_events(c)} | `{c.finding.id}` |")
    else:
        out.append("No change.")
    s = d.summary()
    out += [
        "",
        f"{s['appeared']} appeared, {s['disappeared']} disappeared, {s['changed']} changed, {s['unchanged']} unchanged."
        f" Verdicts: {_verdict_counts(d)}.",
        "",
    ]
    return "\n".join(out)
