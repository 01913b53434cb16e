"""Explain one finding: the whole chain from the clause's text to the verdict row that decided it.

`replay.check(..., trace=hook)` reports every judgment of every obligation (a
`verdicts.Judgment`: the obligation with its trigger, joined evidence, deadline and amount due;
the verdict row chosen; the names the row was judged with — `now`, `as_of`, `deadline`, `due`
and every measure; and the finding, or None when a non-final row kept the obligation open).
`run_traced` gathers them per finding; `explain` turns the final one into a document: clause
text and section, the rule template and obligation, the clause's parameters (with their
assumptions), every event the verdict could rest on with all its fields and where it was read,
the deadline arithmetic and the judgments made, the measures, and the verdict rows in order —
each row before the chosen one re-evaluated with the same condition machinery as
`checker.run.verdicts.judge`, showing which condition did not hold and the values it compared.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import CheckError, shorten
from ..findings import CheckResult, Finding
from ..language.calendars import Duration
from ..language.compiler import resolve_param
from ..language.contracts import LoadedContract
from ..language.expressions import MISSING, ExpressionError, Scope
from ..language.templates import PARAM_IN_PATH_RE, LoadedTemplate
from ..models import Event, VerdictRow
from ..moments import DAY, iso_text
from ..read.events import EventLog
from ..run import verdicts
from ..run.replay import check
from ..run.verdicts import Judgment, Obligation
from .ruledocs import render_condition, render_fact, render_join, render_measure

SCHEMA = "contract-check/explain/1"
MIN_PREFIX = 4
PARAM_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass
class Trail:
    """Every judgment of one obligation, in order; the last one gave the finding."""

    judgments: list[Judgment]

    @property
    def final(self) -> Judgment:
        return self.judgments[-1]

    @property
    def finding(self) -> Finding:
        finding = self.final.finding
        assert finding is not None
        return finding


def run_traced(
    contract: LoadedContract,
    templates: Mapping[str, LoadedTemplate],
    log: EventLog,
    as_of: dt.datetime | None = None,
    lenient: bool = False,
) -> tuple[CheckResult, dict[str, Trail]]:
    """Run the check and keep, for every finding id, the judgments that led to it."""
    open_trails: dict[tuple[str, int], list[Judgment]] = {}
    trails: dict[str, Trail] = {}

    def hook(judgment: Judgment) -> None:
        ob = judgment.obligation
        key = (ob.clause.clause.id, ob.number)
        history = open_trails.setdefault(key, [])
        history.append(judgment)
        if judgment.finding is not None:
            trails[judgment.finding.id] = Trail(open_trails.pop(key))

    result = check(contract, templates, log, as_of, lenient, trace=hook)
    return result, trails


def find_trail(result: CheckResult, trails: dict[str, Trail], wanted: str) -> Trail:
    """The judgment of finding `wanted` (its id, or a unique prefix of at least 4 characters)."""
    key = wanted.strip().lower()
    if key in trails:
        return trails[key]
    how = (
        "finding ids are the last column of `contract-check check --contract C --events LOG` "
        "(and `id` in its --format json); use the same --contract, --events and --as-of here, "
        "since a finding whose trigger falls after --as-of does not exist yet"
    )
    matches = sorted(fid for fid in trails if len(key) >= MIN_PREFIX and fid.startswith(key))
    if len(matches) == 1:
        return trails[matches[0]]
    if len(matches) > 1:
        raise CheckError(f"finding id prefix {shorten(wanted)} is ambiguous: {', '.join(matches)}")
    count = len(result.findings)
    raise CheckError(
        f"no finding has id {shorten(wanted)} in this check of {result.contract_id} "
        f"as of {result.as_of.isoformat()} ({count} finding{'s' if count != 1 else ''}); {how}"
    )


# --- rendering values -------------------------------------------------------------------------


def _time(epoch: int) -> str:
    try:
        return iso_text(epoch)
    except ValueError:
        return "after 9999-12-31"


def _money(value: Decimal) -> str:
    return f"{value.normalize():,f}" if value == value.to_integral() else f"{value:,}"


def _is_time(operand: Any) -> bool:
    """Whether an operand of the condition language denotes a moment (microseconds since the epoch)."""
    if isinstance(operand, str):
        return operand in ("now", "deadline", "as_of", "time") or operand.endswith(".time")
    if isinstance(operand, dict) and len(operand) == 1:
        name, args = next(iter(operand.items()))
        if name in ("plus", "minus") and isinstance(args, list) and len(args) == 2:
            left, right = _is_time(args[0]), _is_time(args[1])
            return left != right if name == "plus" else left and not right
    return False


def render_value(value: Any, moment: bool = False) -> str:
    """A value the judgment saw, for a reader: events by id and date, moments as ISO times."""
    if value is MISSING or value is None:
        return "(none)"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Event):
        event, item = value
        extra = f", {item}" if item is not None else ""
        return f"{event.id} ({event.type} of {event.time.date().isoformat()}{extra})"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(v) for v in value) + "]" if value else "(none)"
    if hasattr(value, "ob") and isinstance(value.ob, Obligation):
        return f"the obligation set off by {value.ob.trigger.id}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and moment:
        return _time(value)
    if isinstance(value, Decimal):
        return _money(value)
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Duration):
        return str(value)
    return value


def event_doc(event: Event, cited: bool | None = None, item: Any = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": event.id,
        "time": event.time.isoformat(),
        "type": event.type,
        "actor": event.actor,
        "fields": _jsonable(event.fields),
        "file": event.file,
        "line": event.line,
    }
    if item is not None:
        doc["item"] = _jsonable(item)
    if cited is not None:
        doc["cited"] = cited
    return doc


# --- the explanation --------------------------------------------------------------------------


def _evaluate_row(row: VerdictRow, scope: Scope) -> tuple[bool, list[dict[str, Any]]]:
    """Each condition of a row as judge() evaluates it: in order, stopping at the first that fails."""
    entries: list[dict[str, Any]] = []
    held = True
    for cond in row.when:
        entry: dict[str, Any] = {"condition": render_condition(cond)}
        if not held:
            entry["result"] = "not evaluated"
            entries.append(entry)
            continue
        try:
            ok = scope.test(cond)
        except ExpressionError as exc:
            ok = False
            entry["error"] = str(exc)
        if isinstance(cond, dict):
            target = next(iter(cond.values()))
            entry["value"] = render_value(scope.value(target), _is_time(target))
        else:
            lhs, _op, rhs = cond
            entry["left"] = render_value(scope.value(lhs, lhs=True), _is_time(lhs))
            entry["right"] = render_value(scope.value(rhs), _is_time(rhs))
        entry["result"] = "holds" if ok else "does not hold"
        held = held and ok
        entries.append(entry)
    return held, entries


def _parameters(ob: Obligation, contract: LoadedContract) -> list[dict[str, Any]]:
    compiled = ob.clause
    clause = compiled.clause
    defs = contract.contract.definitions
    out: list[dict[str, Any]] = []
    for name, spec in compiled.template.parameters.items():
        value = compiled.params.get(name)
        entry: dict[str, Any] = {"name": name, "type": spec.type, "doc": spec.doc, "value": _jsonable(value)}
        if name in compiled.display:
            entry["display"] = compiled.display[name]
        given = clause.parameters.get(name)
        if given is None:
            entry["source"] = "template default"
        elif given.definition is not None:
            entry["source"] = f"definition {given.definition}"
            definition = defs.get(given.definition)
            if definition is not None:
                if definition.text:
                    entry["definition_text"] = " ".join(definition.text.split())
                if definition.assumption:
                    entry["assumption"] = " ".join(definition.assumption.split())
        else:
            entry["source"] = "clause"
        if given is not None and given.assumption:
            entry["assumption"] = " ".join(given.assumption.split())
        out.append(entry)
    return out


def _with_params(text: str, params: dict[str, Any]) -> str:
    """`$payments` → `marketplace_payment` in a rendered fact: what this clause actually filters on."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            return match.group(0)
        given = params[name]
        return ", ".join(map(str, given)) if isinstance(given, (list, tuple)) else render_value(given)

    return PARAM_RE.sub(value, text)


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _param_of(value: Any) -> str | None:
    return value[1:] if isinstance(value, str) and value.startswith("$") else None


def _row_number(rows: list[VerdictRow], row: VerdictRow) -> int:
    return next(i for i, r in enumerate(rows) if r is row) + 1


def _timing(trail: Trail, rows: list[VerdictRow]) -> dict[str, Any]:
    j = trail.final
    ob = j.obligation
    spec = ob.compiled.spec
    now, as_of = j.now, int(j.names["as_of"])
    trigger = ob.trigger
    doc: dict[str, Any] = {"trigger_time": trigger.time.isoformat(), "judged_at": _time(now), "as_of": _time(as_of)}
    lines: list[str] = []
    if ob.deadline is None:
        doc.update(deadline_days=None, deadline_parameter=None, due=None)
        lines.append(f"No deadline: the obligation is judged at the as-of time, {_time(as_of)}.")
    else:
        days = (ob.deadline - trigger.epoch) // DAY
        param = _param_of(spec.deadline_days)
        doc.update(deadline_days=days, deadline_parameter=param, due=_time(ob.deadline))
        source = f" ({param})" if param else ""
        given = ob.clause.clause.parameters.get(param) if param else None
        if given is not None and given.assumption:
            source = f" ({param}, an assumption: {' '.join(given.assumption.split())})"
        if days == 0:
            lines.append(f"Deadline 0 days{source}: judged at the trigger's own time, {trigger.time.isoformat()} "
                         "(after every event of that time).")
        else:
            day = _time(ob.deadline)[:10]
            lines.append(f"{trigger.time.isoformat()} + {days} days{source}: due by the end of {day} "
                         f"({_time(ob.deadline)}; the trigger's day does not count).")
        if now < ob.deadline:
            lines.append(f"Judged at the as-of time {_time(as_of)}, before the deadline.")
        elif now == ob.deadline:
            later = f" (the as-of time {_time(as_of)} is later)" if as_of > now else ""
            lines.append(f"Judged at the deadline{later}: row {_row_number(rows, j.row)} holds and is final.")
    for earlier in trail.judgments[:-1]:
        lines.append(
            f"Judged at {_time(earlier.now)}: row {_row_number(rows, earlier.row)} "
            f"({earlier.row.verdict} {earlier.row.reason}) held, which is not final, so the obligation stayed open."
        )
    if len(trail.judgments) > 1:
        lines.append(f"Judged again at the as-of time {_time(now)}: row {_row_number(rows, j.row)} gives the verdict.")
    doc["judgments"] = [
        {"at": _time(x.now), "row": _row_number(rows, x.row), "verdict": x.row.verdict, "reason": x.row.reason,
         "final": x.finding is not None}
        for x in trail.judgments
    ]
    doc["lines"] = lines
    return doc


def _amount_due(ob: Obligation) -> dict[str, Any] | None:
    spec = ob.compiled.spec.amount_due
    if spec is None or ob.due is None:
        return None
    params = ob.clause.params
    field = PARAM_IN_PATH_RE.sub(lambda m: str(params[m.group(1)]), spec.of)
    percent = resolve_param(spec.percent, params)
    base = ob.trigger.fields.get(field)
    doc: dict[str, Any] = {"field": field, "base": _jsonable(base), "percent": _jsonable(percent), "due": str(ob.due)}
    lines: list[str] = []
    if isinstance(base, Decimal):
        share = base * Decimal(percent) / Decimal(100)
        lines.append(f"{_money(Decimal(percent))} % of {field} {_money(base)} = {_money(share)}.")
        if share != ob.due:
            cap_raw = spec.cumulative_cap
            cap = resolve_param(cap_raw, params)
            lines.append(f"Capped: only {_money(ob.due)} remained of the cumulative cap {render_value(cap)} "
                         "after the amounts due on earlier reports.")
    lines.append(f"Amount due: {_money(ob.due)}.")
    doc["lines"] = lines
    return doc


def explain(
    trail: Trail, result: CheckResult, contract: LoadedContract, templates: Mapping[str, LoadedTemplate],
) -> dict[str, Any]:
    """The explanation document of one finding (JSON-ready; `render_text` prints it)."""
    j = trail.final
    f, ob, row, names = trail.finding, j.obligation, j.row, j.names
    compiled = ob.clause
    clause = compiled.clause
    template = compiled.template
    loaded = templates[template.id]
    spec = ob.compiled.spec
    ob_index = next(i for i, o in enumerate(template.obligations) if o.name == spec.name)
    rows = list(spec.verdicts)
    chosen = next(i for i, r in enumerate(rows) if r is row)
    params = compiled.params
    cited = {e.seq for e in f.events}

    evidence: list[dict[str, Any]] = []
    for role, conds in spec.evidence.items():
        fact = template.facts[role]
        types = compiled.roles[role].synthetic_types if fact.types is None else (
            fact.types if not isinstance(fact.types, str) else params[fact.types[1:]])
        candidates = sorted(ob.evidence.get(role, []), key=lambda c: (c[0].time, c[0].seq))
        evidence.append({
            "role": role,
            "types": list(types),
            "fact": _with_params(render_fact(fact), params),
            "join": render_join(conds),
            "events": [event_doc(e, e.seq in cited, item) for e, item in candidates],
        })

    measures: list[dict[str, Any]] = []
    for name, measure in spec.measures.items():
        value = names.get(name, MISSING)
        entry: dict[str, Any] = {
            "name": name,
            "definition": PARAM_IN_PATH_RE.sub(lambda m: str(params[m.group(1)]), render_measure(measure)),
            "value": render_value(value),
        }
        if isinstance(value, tuple) and value and isinstance(value[0], Event):
            entry["events"] = [value[0].id]
        elif isinstance(value, list):
            entry["events"] = [c[0].id for c in value if isinstance(c, tuple)]
        elif f"{name}__events" in names:
            entry["events"] = [c[0].id for c in names[f"{name}__events"]]
        measures.append(entry)

    scope = verdicts.make_scope(ob, names)
    row_docs: list[dict[str, Any]] = []
    consistent = True
    for i, r in enumerate(rows):
        line, _ = loaded.where(("obligations", ob_index, "verdicts", i))
        doc: dict[str, Any] = {
            "row": i + 1, "line": line, "verdict": r.verdict, "reason": r.reason, "final": r.final,
            "when": [render_condition(c) for c in r.when],
        }
        if i > chosen:
            doc["result"] = "not reached"
        else:
            held, conditions = _evaluate_row(r, scope)
            doc["conditions"] = conditions
            doc["result"] = "chosen" if i == chosen else ("holds" if held else "does not hold")
            if held != (i == chosen):
                consistent = False
        if r.effect is not None:
            doc["effect"] = {"end_clauses": _jsonable(params.get(_param_of(r.effect.end_clauses) or "", r.effect.end_clauses))}
        row_docs.append(doc)

    reasons: list[str] = []
    if chosen:
        span = "row 1" if chosen == 1 else f"rows 1–{chosen}"
        reasons.append(f"{span} did not hold; row {chosen + 1} is the first whose conditions all hold.")
    else:
        reasons.append("row 1 holds: it is the first row.")
    if not row.when:
        reasons[-1] += " It has no conditions: it is the table's last resort."
    if f.verdict != row.verdict or f.reason != row.reason:
        reasons.append(
            f"The row gives {row.verdict} {row.reason}; the reported verdict is {f.verdict} {f.reason} "
            "because an unreadable line skipped under --lenient could be its evidence."
        )
    if not consistent:
        reasons.append("warning: re-evaluating the rows does not reproduce the recorded choice; please report this.")

    effect_doc = None
    if row.effect is not None:
        ends = params.get(_param_of(row.effect.end_clauses) or "", row.effect.end_clauses)
        effect_doc = {
            "end_clauses": _jsonable(ends),
            "from": _time(int(names["now"])),
            "text": f"From {_time(int(names['now']))} on, {', '.join(_jsonable(ends))} set off no new obligations.",
        }

    values = {
        k: (_time(v) if k in ("now", "as_of", "deadline") and isinstance(v, int) else _jsonable(v))
        for k, v in f.values.items()
    }
    return {
        "schema": SCHEMA,
        "finding": {**f.to_json(), "instance": f.instance, "obligation": f.obligation},
        "contract": {"id": result.contract_id, "file": result.contract_file},
        "events_read": list(result.event_sources),
        "as_of": result.as_of.isoformat(),
        "clause": {
            "id": clause.id, "section": clause.section, "title": clause.title,
            "text": " ".join(clause.text.split()), "severity": clause.severity,
            "file": str(contract.file), "line": contract.clause_line(compiled.index),
        },
        "template": {
            "id": template.id, "title": template.title, "file": _shown_path(loaded.file),
            "summary": " ".join(template.summary.split()), "obligation": spec.name,
            "opened_by": spec.opened_by if isinstance(spec.opened_by, str) else ", ".join(spec.opened_by),
            "instance": spec.instance,
        },
        "parameters": _parameters(ob, contract),
        "trigger": event_doc(ob.trigger, None, ob.item),
        "evidence": evidence,
        "timing": _timing(trail, rows),
        "amount_due": _amount_due(ob),
        "measures": measures,
        "values": values,
        "rows": row_docs,
        "decision": {"row": chosen + 1, "verdict": row.verdict, "reason": row.reason, "final": row.final,
                     "why": reasons},
        "effect": effect_doc,
    }


# --- output -------------------------------------------------------------------------------------


def render_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _wrap(text: str, indent: str, width: int = 100, first: str | None = None) -> list[str]:
    """`text` wrapped at `width`, its first line starting with `first` (default: `indent`)."""
    import textwrap

    lead = indent if first is None else first
    return textwrap.wrap(" ".join(text.split()), width=width, initial_indent=lead, subsequent_indent=indent) or [lead]


def _event_lines(ev: dict[str, Any], indent: str) -> list[str]:
    mark = ""
    if ev.get("cited") is not None:
        mark = "  [cited]" if ev["cited"] else "  [joined, not cited]"
    item = f"  item {ev['item']}" if "item" in ev else ""
    out = [f"{indent}{ev['id']}  {ev['time']}  {ev['type']} by {ev['actor']}{item}  ({ev['file']}:{ev['line']}){mark}"]
    for key, value in ev["fields"].items():
        shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        out += _wrap(f"{key}: {shown}", indent + "    ")
    return out


def render_text(doc: dict[str, Any]) -> str:
    f = doc["finding"]
    c = doc["clause"]
    t = doc["template"]
    out: list[str] = []
    instance = f" [{f['instance']}]" if f["instance"] else ""
    out.append(f"finding {f['id']}: {f['verdict']} {f['reason']}{instance}  (severity {f['severity']})")
    out += _wrap(f["message"], "  ")
    out.append(f"  contract {doc['contract']['id']}, events {', '.join(doc['events_read'])}, as of {doc['as_of']}")
    out.append("")
    out.append(f"clause {c['id']} — {c['section']}  ({c['file']}:{c['line']})")
    if c["title"]:
        out.append(f"  {c['title']}")
    out += _wrap(c["text"], "  ")
    out.append("")
    out.append(f"rule template {t['id']} — {t['title']}  ({t['file']})")
    out.append(f"  obligation {t['obligation']}, opened by {t['opened_by']}"
               + (f", one per {t['instance']}" if t["instance"] else ""))
    out.append("")
    out.append("parameters")
    width = max((len(p["name"]) for p in doc["parameters"]), default=0)
    for p in doc["parameters"]:
        value = p["value"]
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if "display" in p:
            shown += f" ({p['display']})"
        source = "" if p["source"] == "clause" else f"  [{p['source']}]"
        out.append(f"  {p['name'].ljust(width)} = {shown}{source}")
        if "assumption" in p:
            out += _wrap(f"assumption: {p['assumption']}", "  " + " " * width + "     ")
    out.append("")
    out.append("trigger")
    out += _event_lines(doc["trigger"], "  ")
    out.append("")
    out.append("evidence")
    if not doc["evidence"]:
        out.append("  (this obligation joins no evidence)")
    for ev in doc["evidence"]:
        out.append(f"  {ev['role']}: {ev['fact']}")
        out += _wrap(f"joined when {ev['join']}", "    ")
        if not ev["events"]:
            out.append("    (none joined)")
        for item in ev["events"]:
            out += _event_lines(item, "    ")
    out.append("")
    out.append("deadline")
    out += [line for text in doc["timing"]["lines"] for line in _wrap(text, "  ")]
    if doc["amount_due"] is not None:
        out.append("")
        out.append("amount due")
        out += [line for text in doc["amount_due"]["lines"] for line in _wrap(text, "  ")]
    if doc["measures"]:
        out.append("")
        out.append("measures")
        width = max(len(m["name"]) for m in doc["measures"])
        for m in doc["measures"]:
            out.append(f"  {m['name'].ljust(width)} = {m['value']}")
            out += _wrap(m["definition"], "  " + " " * width + "   ")
    out.append("")
    out.append("why this verdict")
    for r in doc["rows"]:
        flag = "" if r["final"] else ", not final"
        head = f"  row {r['row']:>2}  {r['verdict']} {r['reason']}{flag}  (line {r['line']}): "
        if r["result"] == "not reached":
            out.append(head + "not reached")
            continue
        out.append(head + ("CHOSEN" if r["result"] == "chosen" else r["result"]))
        if not r["conditions"]:
            out.append("        no conditions: always holds")
        for cond in r["conditions"]:
            if cond["result"] == "not evaluated":
                out.append(f"        {cond['condition']}: not evaluated (an earlier condition failed)")
                continue
            if "value" in cond:
                seen = f"{cond['value']}"
            else:
                seen = f"{cond['left']} vs {cond['right']}"
            err = f" ({cond['error']})" if "error" in cond else ""
            out += _wrap(f"{cond['condition']}: {seen} → {cond['result']}{err}", " " * 10, first=" " * 8)
    out.append("")
    for text in doc["decision"]["why"]:
        out += _wrap(text, "  ")
    arrow = f"  → {doc['decision']['verdict']} {doc['decision']['reason']}"
    if (f["verdict"], f["reason"]) != (doc["decision"]["verdict"], doc["decision"]["reason"]):
        arrow += f" (reported as {f['verdict']} {f['reason']}: --lenient)"
    out.append(arrow)
    if doc["effect"] is not None:
        out += _wrap(doc["effect"]["text"], "  ")
    return "\n".join(out) + "\n"


def render(doc: dict[str, Any], fmt: str) -> str:
    return render_json(doc) if fmt == "json" else render_text(doc)


__all__ = ["SCHEMA", "Trail", "explain", "find_trail", "render", "run_traced"]
