"""`contract-check diff OLD NEW --events LOG`: clause diff and verdict changes on the same event log.

With `--against REV FILE...` (the pre-commit hook) each FILE is compared with its version at the
git revision; a proposal new since then is compared with the contract it amends.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from ..authoring.clausediff import ContractDiff, Held, Period, TermChange, jsonable
from ..errors import CheckError
from ..findings import FAIL_LEVELS, Finding
from ..models import VERDICT_ORDER
from ..report.escape import human
from . import settings, write_report
from .check import add_rules_option

FORMATS = ("text", "json", "md")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "diff", help="what an amendment changes: the clauses, and the verdicts on the same event log")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE",
                        help="OLD NEW (contracts or proposals); with --against, the changed files")
    parser.add_argument("--events", action="append",
                        help="event log (.jsonl, .json, .csv, .parquet, a database URL, or - for JSON lines on stdin); "
                             "repeat to read several (default in a workspace: the logs of the contract amended)")
    parser.add_argument("--against", metavar="REV",
                        help="compare each FILE with its version at this git revision (e.g. HEAD)")
    parser.add_argument("--as-of", help="date deadlines are judged at (default: latest event; 'today' uses the clock)")
    add_rules_option(parser)
    parser.add_argument("--skip-non-contracts", action="store_true",
                        help="with --against: skip YAML files that hold neither a `contract` nor a `proposal` "
                             "mapping (the pre-commit hook passes every changed YAML file)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", type=Path, help="write the report here instead of standard output")
    parser.add_argument("--fail-on", choices=list(FAIL_LEVELS),
                        help="exit 1 when the new terms bring a finding at or above this verdict that the old "
                             "terms did not have (default: the config's `fail-on`, else breach)")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..authoring.clausediff import Judged, Terms, diff_contracts, judge_terms, terms_of
    from ..language.proposals import WORKING_TREE, Source, load_document
    from ..language.templates import load_templates
    from ..read.events import read_events
    from .check import parse_as_of

    files: list[Path] = args.files
    if args.against is None and len(files) != 2:
        raise CheckError(f"diff takes OLD NEW (two files), got {len(files)}; use --against REV to diff files with git")
    fail_on = settings.fail_on(args, "breach")
    if args.against is not None and args.skip_non_contracts:
        from ..language.proposals import is_contract_document

        files = [f for f in files if is_contract_document(f)]
        if not files:
            print("contract-check: no contract or proposal among the files: nothing to diff")
            return 0
    as_of_text = settings.as_of_text(args)
    as_of = None if as_of_text is None else parse_as_of(as_of_text)
    templates = load_templates(settings.rule_layers(args))
    log = read_events(_event_logs(args, files, templates))
    pairs: list[tuple[Terms | None, Terms]] = []
    if args.against is None:
        old_doc, new_doc = (load_document(f, templates) for f in files)
        pairs.append((terms_of(old_doc), terms_of(new_doc)))
    else:
        committed = Source(args.against)
        for file in dict.fromkeys(files):
            new_doc = load_document(file, templates)
            old: Terms | None = None
            if committed.exists(file):
                old = terms_of(load_document(file, templates, committed))
            elif new_doc.base is not None:
                base = Path(new_doc.base)
                old = terms_of(load_document(base, templates, committed if committed.exists(base) else WORKING_TREE))
            pairs.append((old, terms_of(new_doc)))
    diffs = []
    for old, new in pairs:
        old_judged: Judged | None = None if old is None else judge_terms(old, templates, log, as_of)
        diffs.append(diff_contracts(old_judged, judge_terms(new, templates, log, as_of), templates))
    if args.format == "json":
        report = orjson.dumps({"schema": "contract-check/diff/1", "fail_on": fail_on,
                               "diffs": [d.to_json() for d in diffs]}, option=orjson.OPT_INDENT_2).decode() + "\n"
    elif args.format == "md":
        report = "\n".join(render_md(d, fail_on) for d in diffs)
    else:
        report = "\n".join(render_text(d, fail_on) for d in diffs)
    write_report(report, args.output)
    return 1 if any(d.introduces(FAIL_LEVELS[fail_on]) for d in diffs) else 0


# --- rendering ----------------------------------------------------------------------------------



def _event_logs(args: argparse.Namespace, files: list[Path], templates: Mapping[str, Any]) -> list[str]:
    """--events, else the workspace's logs of the contract the files are (or amend)."""
    from ..language.proposals import load_document

    if args.events or settings.workspace(args) is None:
        return settings.event_logs(args, None)
    doc = load_document(files[-1], templates, validate=False)
    contract = Path(doc.base) if doc.base is not None else files[-1]
    return settings.event_logs(args, contract)


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


WRAP = 100
INLINE_WORDS = ("section", "title")  # short clause fields: their word diff on the change's own line


def marked(words: Sequence[tuple[str, str]]) -> str:
    """A word diff as text: deleted words `[-like this-]`, inserted ones `{+like this+}` (git's --word-diff)."""
    out = ""
    for index, (op, text) in enumerate(words):
        glued = op == "insert" and index > 0 and words[index - 1][0] == "delete"  # a replacement: [-old-]{+new+}
        run = text if op == "equal" else f"[-{text}-]" if op == "delete" else f"{{+{text}+}}"
        out += ("" if glued or not out else " ") + run
    return out


def _subject(t: TermChange) -> str:
    where = {"contract": "contract", "party": "party", "definition": "definition", "amendment": "amendment"}.get(t.what)
    if where:
        return f"{where} {t.name}"
    if t.what == "clause" and t.name == t.clause and t.change != "changed":
        return f"clause {t.name}"
    return f"{t.clause} {'parameter ' if t.what == 'parameter' else ''}{t.name}"


def term_text(t: TermChange) -> str:
    subject = _subject(t)
    if t.what == "clause" and t.name == t.clause and t.change != "changed":
        return f"{t.change:<8} {subject} ({value_text(t.old if t.change == 'removed' else t.new)})"
    if t.change == "added":
        return f"{t.change:<8} {subject}: {value_text(t.new)}"
    if t.change == "removed":
        return f"{t.change:<8} {subject} (was {value_text(t.old)})"
    words = t.words
    if words is not None and t.name in INLINE_WORDS:
        return f"{t.change:<8} {subject}: {marked(words)}"
    if words is not None:
        return f"{t.change:<8} {subject}, in full ([-deleted-]{{+inserted+}}):"
    return f"{t.change:<8} {subject}: {value_text(t.old)} → {value_text(t.new)}"


def term_lines(t: TermChange) -> list[str]:
    """A term change; a changed clause text follows on its own lines, in full, as a word diff."""
    lines = [f"  {term_text(t)}"]
    words = t.words
    if words is not None and t.name not in INLINE_WORDS:
        lines += textwrap.wrap(marked(words), WRAP, initial_indent=" " * 11, subsequent_indent=" " * 11,
                               break_long_words=False, break_on_hyphens=False)
    return lines


def _verdict(f: Finding | None) -> str:
    return "(none)" if f is None else f"{f.verdict} {f.reason}"


def _events(*findings: Finding | None) -> str:
    ids: list[str] = []
    for f in findings:
        for e in f.events if f is not None else []:
            if e.id not in ids:
                ids.append(e.id)
    return ", ".join(ids)


def _verdict_counts(d: ContractDiff) -> str:
    s = d.summary()
    return ", ".join(f"{v} {s['old'][v]} → {s['new'][v]}" for v in VERDICT_ORDER)


def amendment_text(d: ContractDiff) -> str | None:
    """When the amendment's terms apply, in one sentence (None when neither side is a proposal)."""
    a = d.amendment
    if a is None:
        return None
    if a.effective is None:
        return (f"{d.amended_by} states no effective date: its terms judge every event, as if they had always "
                "applied (a what-if; give it `effective:` so that earlier obligations keep the old terms)")
    if a.retroactive:
        return (f"{d.amended_by} takes effect on {a.effective} and is retroactive: its terms also judge the "
                f"obligations set off before that date (reason: {a.reason})")
    return (f"{d.amended_by} takes effect on {a.effective}: obligations set off before that date keep the old "
            f"terms ({a.before_label}); those set off on or after it are judged under the new terms")


def period_heading(d: ContractDiff, period: Period | None) -> str:
    a = d.amendment
    if period is None or a is None:
        return "verdicts on the same events"
    if period == "before":
        return f"verdicts before the amendment (obligations set off before {a.effective})"
    return f"verdicts from the amendment (obligations set off on or after {a.effective})"


def _held_note(h: Held) -> str:
    if h.new_terms is None:
        return "the new terms would set off no obligation here"
    return f"the new terms would give {_verdict(h.new_terms)}: {h.new_terms.message}"


def render_text(d: ContractDiff, fail_on: str) -> str:
    old_id = d.old.contract_id if d.old is not None else "(no committed version)"
    lines = [
        f"{old_id} ({d.old_label}) → {d.new.contract_id} ({d.new_label})",
        f"events {', '.join(d.new.event_sources)}  as of {d.new.as_of.isoformat()}",
    ]
    when = amendment_text(d)
    if when is not None:
        lines.append(when)
    lines += ["", "terms"]
    for t in d.terms:
        lines += term_lines(t)
    if not d.terms:
        lines.append("  no change")
    introduced = {id(c) for c in d.introduces(FAIL_LEVELS[fail_on])}
    for period, changes in d.periods():
        lines += ["", period_heading(d, period)]
        for c in changes:
            f = c.finding
            what = f"{_verdict(c.old)} → {_verdict(c.new)}" if c.change == "changed" else _verdict(f)
            flag = f"  (new {c.new.verdict})" if id(c) in introduced and c.new is not None else ""
            lines.append(f"  {c.change:<11} {f.clause:<22} {what}  [{_events(c.new, c.old)}]  {f.id}{flag}")
            if c.old is not None and c.change != "appeared":
                lines.append(f"  {'':<11} was: {c.old.message}")
            if c.new is not None:
                lines.append(f"  {'':<11} now: {c.new.message}")
        if not changes:
            lines.append("  no change")
        if period == "before" and d.held:
            lines.append("  the old terms hold for these obligations, which the new terms would judge otherwise:")
            for h in d.held:
                f = h.any
                kept = _verdict(h.finding) if h.finding is not None else "(no obligation)"
                lines.append(f"  {'kept':<11} {f.clause:<22} {kept}  [{_events(h.finding, h.new_terms)}]  {f.id}")
                lines.append(f"  {'':<11} {_held_note(h)}")
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
    # Each line goes through the one escape: text from the contracts and the log shows as written.
    return "\n".join(human(line) for line in lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_MD_SPECIAL = re.compile(r"([\\`*_~\[\]<>|#])")


def _md(text: str) -> str:
    """Text from a contract as Markdown that shows it literally."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def marked_md(words: Sequence[tuple[str, str]]) -> str:
    """A word diff in Markdown: deleted words struck through, inserted ones in bold."""
    return " ".join(_md(text) if op == "equal" else (f"~~{_md(text)}~~" if op == "delete" else f"**{_md(text)}**")
                    for op, text in words)


def render_md(d: ContractDiff, fail_on: str) -> str:
    old_id = d.old.contract_id if d.old is not None else "(no committed version)"
    out = [
        f"## `{old_id}` → `{d.new.contract_id}`",
        "",
        f"Old: `{d.old_label}` · New: `{d.new_label}` · Events: {', '.join(f'`{s}`' for s in d.new.event_sources)}"
        f" · As of {d.new.as_of.isoformat()}",
        "",
    ]
    when = amendment_text(d)
    if when is not None:
        out += [_md(when), ""]
    out += ["### Terms", ""]
    if d.terms:
        out += ["| change | clause | what | old | new |", "|---|---|---|---|---|"]
        for t in d.terms:
            out.append(f"| {t.change} | {_cell(t.clause or '')} | {t.what} `{_cell(t.name)}` | "
                       f"{_cell(value_text(t.old))} | {_cell(value_text(t.new))} |")
        texts = [t for t in d.terms if t.words is not None]
        if texts:
            out += ["", "Changed clause text, in full (~~deleted~~ **inserted**):", ""]
            out += [f"- {_md(_subject(t))}: {marked_md(t.words or [])}" for t in texts]
    else:
        out.append("No change.")
    introduced = {id(c) for c in d.introduces(FAIL_LEVELS[fail_on])}
    for period, changes in d.periods():
        heading = period_heading(d, period)
        out += ["", f"### {heading[0].upper()}{heading[1:]}", ""]
        if changes:
            out += ["| change | clause | old | new | events | finding |", "|---|---|---|---|---|---|"]
            for c in changes:
                flag = " **new**" if id(c) in introduced else ""
                out.append(f"| {c.change}{flag} | `{c.finding.clause}` | {_verdict(c.old)} | {_verdict(c.new)} | "
                           f"{_events(c.new, c.old)} | `{c.finding.id}` |")
        else:
            out.append("No change.")
        if period == "before" and d.held:
            out += ["", "The old terms hold for these obligations, which the new terms would judge otherwise:", "",
                    "| clause | kept | under the new terms | events | finding |", "|---|---|---|---|---|"]
            for h in d.held:
                kept = _verdict(h.finding) if h.finding is not None else "(no obligation)"
                out.append(f"| `{h.any.clause}` | {kept} | {_verdict(h.new_terms)} | "
                           f"{_events(h.finding, h.new_terms)} | `{h.any.id}` |")
    s = d.summary()
    out += [
        "",
        f"{s['appeared']} appeared, {s['disappeared']} disappeared, {s['changed']} changed, {s['unchanged']} unchanged."
        f" Verdicts: {_verdict_counts(d)}.",
        "",
    ]
    return "\n".join(human(line) for line in out)
