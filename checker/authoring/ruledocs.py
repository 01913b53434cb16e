"""Documentation of the rule templates (and term policies), generated from the YAML itself.

`render_condition` and friends turn the template condition language into readable text; the
`explain` command uses them too, so a verdict row reads the same in docs/rules.md and in an
explanation. `generate(fmt)` gives the whole catalogue as plain text or Markdown
(`python -m checker --no-config rules --format md > docs/rules.md`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CheckError
from ..language.templates import LoadedTemplate, RuleLayers, bundled_rules_dir, is_bundled, load_templates
from ..models import FactSpec, MeasureSpec, ObligationSpec, RuleTemplate
from ..read.yamlload import load_yaml, plain
from .lint.policies import default_policy_dirs

REGENERATE = "python -m checker --no-config rules --format md > docs/rules.md"
OPERATORS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "in": "in", "not in": "not in"}
FORMATS = ("text", "md")


# --- the condition language, rendered ---------------------------------------------------------


def render_operand(value: Any) -> str:
    """`{plus: [deadline, {days: $window_days}]}` → `deadline + $window_days days`."""
    if isinstance(value, dict) and len(value) == 1:
        name, args = next(iter(value.items()))
        if name == "days":
            return f"{render_operand(args)} days"
        if name in ("plus", "minus") and isinstance(args, list) and len(args) == 2:
            sign = "+" if name == "plus" else "−"
            return f"{render_operand(args[0])} {sign} {render_operand(args[1])}"
        signs = {"times": "×", "divide": "÷", "add": "+", "sub": "−"}
        if name in signs and isinstance(args, list) and len(args) == 2:
            return f"({render_operand(args[0])} {signs[name]} {render_operand(args[1])})"
        if name == "percent" and isinstance(args, list) and len(args) == 2:
            return f"{render_operand(args[0])} % of {render_operand(args[1])}"
        if isinstance(args, list):
            return f"{name}(" + ", ".join(render_operand(a) for a in args) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(render_operand(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def render_condition(cond: Any) -> str:
    """One condition: `[paid, '>=', due]` → `paid ≥ due`; `{exists: prior}` → `prior exists`."""
    if isinstance(cond, dict) and len(cond) == 1:
        test, target = next(iter(cond.items()))
        if test == "exists":
            return f"{target} exists"
        if test == "missing":
            return f"no {target}"
        if test == "nonempty":
            return f"{target} is not empty"
    if isinstance(cond, list) and len(cond) == 3:
        lhs, op, rhs = cond
        return f"{render_operand(lhs)} {OPERATORS.get(str(op), str(op))} {render_operand(rhs)}"
    return render_operand(cond)


def render_conditions(conds: list[Any], empty: str = "always") -> str:
    return " and ".join(render_condition(c) for c in conds) if conds else empty


def render_measure(measure: MeasureSpec) -> str:
    """`{sum: payment, of: amount_usd, where: [...]}` → `sum of amount_usd over payment where …`."""
    if measure.minus is not None:
        left, right = measure.minus
        return f"{render_operand(left)} − {render_operand(right)}"
    if measure.compute is not None:
        return render_operand(measure.compute)
    if measure.sum is not None:
        text = f"sum of {measure.of} over {measure.sum}"
    elif measure.count is not None:
        text = f"count of {measure.count}"
    elif measure.min is not None or measure.max is not None:
        which = "min" if measure.min is not None else "max"
        text = f"{which} of {measure.of} over {measure.min or measure.max}"
    elif measure.first is not None:
        text = f"first {measure.first}"
    elif measure.last is not None:
        text = f"last {measure.last}"
    else:
        text = f"all {measure.all}"
    if measure.where:
        text += " where " + render_conditions(measure.where)
    return text


def render_types(types: str | list[str]) -> str:
    return types if isinstance(types, str) else ", ".join(types)


def render_fact(fact: FactSpec) -> str:
    if fact.types is not None:
        parts = [f"events of type {render_types(fact.types)}"]
    elif fact.calendar is not None:
        parts = [f"one per {fact.calendar.every} period, at its {fact.calendar.at}"]
    else:
        parts = [f"the contract date(s) {', '.join(fact.dates or [])}"]
    if fact.where:
        parts.append("where " + render_conditions(fact.where))
    if fact.each:
        parts.append(f"one fact per item of `{fact.each}`")
    for part in fact.attributes if isinstance(fact.attributes, list) else [fact.attributes]:
        if isinstance(part, str):
            parts.append(f"attributes: the fields listed by {part}")
        elif part:
            parts.append("attributes " + ", ".join(f"{k} ← {v}" for k, v in part.items()))
    parts.append("shared by every obligation" if fact.broadcast else f"correlated by {fact.partition}")
    return "; ".join(parts)


def render_join(conds: list[Any]) -> str:
    return render_conditions(conds, empty="every such fact (no join condition)")


def render_deadline(ob: ObligationSpec) -> str:
    if ob.deadline_days is None:
        return "none: judged at the as-of time"
    if ob.deadline_days == 0:
        return "0 days: judged at the trigger's own time"
    return f"trigger time + {ob.deadline_days} days (judged then, or at the as-of time if earlier)"


# --- policies (rules/policies/*.yaml, read as plain YAML) ---------------------------------------


@dataclass(frozen=True)
class PolicyDoc:
    id: str
    title: str
    severity: str
    doc: str
    messages: tuple[str, ...]
    file: str
    bundled: bool = True


def _policy(entry: Any, file: Path) -> PolicyDoc:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise CheckError("a policy must be a mapping with an 'id'", file)
    messages: list[str] = []
    if isinstance(entry.get("message"), str):
        messages.append(entry["message"])
    for check in entry.get("checks") or []:
        if isinstance(check, dict) and isinstance(check.get("message"), str) and check["message"] not in messages:
            messages.append(check["message"])
    bundled = file.resolve().parent.parent == bundled_rules_dir()
    return PolicyDoc(
        id=entry["id"],
        title=_one_line(str(entry.get("title", ""))),
        severity=str(entry.get("severity", "")),
        doc=_one_line(str(entry.get("doc", ""))),
        messages=tuple(_one_line(m) for m in messages),
        file=f"policies/{file.name}" if bundled else str(file),
        bundled=bundled,
    )


def layered_policies(folders: Sequence[Path]) -> list[PolicyDoc]:
    """The policies of each folder in turn, a later folder's replacing an earlier one's by id."""
    found: dict[str, PolicyDoc] = {}
    for folder in folders:
        for policy in _policies_in(folder):
            found[policy.id] = policy
    return sorted(found.values(), key=lambda p: p.id)


def _policies_in(folder: Path) -> list[PolicyDoc]:
    """The term policies of a folder, read as plain YAML (none when it does not exist).

    A file holds one policy, a list of them, or `policies: [...]`; of each we show its id, title,
    severity, doc and the messages it can report (its own `message`, and each check's).
    """
    if not folder.is_dir():
        return []
    found: list[PolicyDoc] = []
    for file in sorted(folder.glob("*.yaml")):
        data = plain(load_yaml(file))
        entries: list[Any]
        if isinstance(data, dict) and isinstance(data.get("policies"), list):
            entries = data["policies"]
        elif isinstance(data, list):
            entries = data
        else:
            entries = [data]
        found.extend(_policy(entry, file) for entry in entries)
    return sorted(found, key=lambda p: p.id)


# --- the catalogue ------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"`` {text} ``"


def _params_md(t: RuleTemplate) -> list[str]:
    if not t.parameters:
        return []
    out = ["| parameter | type | documentation |", "|---|---|---|"]
    for name, spec in t.parameters.items():
        doc = _cell(spec.doc) + (f" (default: {_code(render_operand(spec.default))})" if spec.default is not None else "")
        out.append(f"| `{name}` | {spec.type} | {doc} |")
    return out + [""]


def _obligation_md(t: RuleTemplate, ob: ObligationSpec) -> list[str]:
    out = [f"### Obligation `{ob.name}`", ""]
    openers = [ob.opened_by] if isinstance(ob.opened_by, str) else ob.opened_by
    for opener in openers:
        out.append(f"- opened by `{opener}`" + (f", one per `{ob.instance}`" if ob.instance else "")
                   + f": {_code(_cell(render_fact(t.facts[opener])))}")
    out.append(f"- deadline: {_code(render_deadline(ob))}")
    if ob.amount_due is not None:
        due = ob.amount_due
        cap = f", at most what remains of the cumulative cap {due.cumulative_cap}" if due.cumulative_cap else ""
        out.append(f"- amount due: {_code(f'{due.percent} % of {due.of}{cap}')}")
    for role, conds in ob.evidence.items():
        out.append(f"- evidence `{role}`: {_code(_cell(render_fact(t.facts[role])))}, joined when {_code(render_join(conds))}")
    for name, measure in ob.measures.items():
        out.append(f"- measure `{name}` = {_code(render_measure(measure))}")
    out += ["", "| # | verdict | reason | final | when | message |", "|---|---|---|---|---|---|"]
    for i, row in enumerate(ob.verdicts, 1):
        when = render_conditions(row.when, empty="otherwise" if i == len(ob.verdicts) else "always")
        effect = ""
        if row.effect is not None:
            effect = f" Ends {_code(render_operand(row.effect.end_clauses))} from then on."
        final = "yes" if row.final else "no"
        message = _code(_cell(row.message))
        out.append(f"| {i} | {row.verdict} | `{row.reason}` | {final} | {_code(_cell(when))} | {message}{effect} |")
    return out + [""]


def render_md(templates: Mapping[str, LoadedTemplate], policies: list[PolicyDoc]) -> str:
    out = [
        "# Rule templates",
        "",
        f"<!-- Generated from rules/*.yaml by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "Each template is one reusable obligation pattern; a contract clause names a template and fills",
        "its parameters. Verdict rows are tried in order and the first whose conditions all hold gives",
        "the verdict. A row marked *final: no* that holds at the deadline is judged again at the as-of",
        "time. `$name` is a clause parameter; `obligation.x` an attribute of the triggering event;",
        "`now` the judgment time; `deadline` the trigger time plus the period; `due` the amount due.",
        "",
    ]
    for tid in sorted(templates):
        out.append(f"- [`{tid}`](#{tid}) — {templates[tid].template.title}")
    if policies:
        out.append("- [Term policies](#term-policies)")
    out.append("")
    for tid in sorted(templates):
        t = templates[tid].template
        out += [f"## {tid}", "", f"**{t.title}** (`{_template_origin(templates[tid])}`)", "", _one_line(t.summary), ""]
        out += _params_md(t)
        if t.kind == "scope" and t.scope is not None:
            out += ["An event is in scope when " + _code(render_conditions(t.scope.within)) + ".", ""]
        for ob in t.obligations:
            out += _obligation_md(t, ob)
    if policies:
        out += ["## Term policies", "",
                "Policies that `contract-check lint` applies to contract and proposal files (`rules/policies/`).", ""]
        for p in policies:
            title = f" — {p.title}" if p.title else ""
            out += [f"### `{p.id}`{title}", "", f"Severity: {p.severity or '(none)'} (`{_policy_origin(p)}`)", ""]
            if p.doc:
                out += [p.doc, ""]
            if p.messages:
                out += ["Reports:", ""] + [f"- {_code(m)}" for m in p.messages] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def _wrap(text: str, indent: str, width: int = 100, first: str | None = None) -> list[str]:
    """`text` wrapped at `width`, its first line starting with `first` (default: `indent`)."""
    import textwrap

    lead = indent if first is None else first
    return textwrap.wrap(_one_line(text), width=width, initial_indent=lead, subsequent_indent=indent) or [lead]


def _template_origin(loaded: LoadedTemplate) -> str:
    return f"rules/{loaded.file.name}" if is_bundled(loaded) else str(loaded.file)


def _policy_origin(policy: PolicyDoc) -> str:
    return f"rules/{policy.file}" if policy.bundled else policy.file


def render_text(templates: Mapping[str, LoadedTemplate], policies: list[PolicyDoc]) -> str:
    out: list[str] = []
    for tid in sorted(templates):
        t = templates[tid].template
        origin = "bundled" if is_bundled(templates[tid]) else f"from {templates[tid].file}"
        out += [f"{tid} — {t.title}  ({origin})", *_wrap(t.summary, "  "), ""]
        if t.parameters:
            out.append("  parameters:")
            width = max(len(n) for n in t.parameters)
            for name, spec in t.parameters.items():
                lead = f"    {name.ljust(width)}  {spec.type:<11}  "
                out += _wrap(spec.doc, " " * len(lead), first=lead)
            out.append("")
        if t.kind == "scope" and t.scope is not None:
            out += [f"  in scope when {render_conditions(t.scope.within)}", ""]
        for ob in t.obligations:
            out.append(f"  obligation {ob.name}: opened by {ob.opened_by}; deadline {render_deadline(ob)}")
            for name, measure in ob.measures.items():
                out += _wrap(f"measure {name} = {render_measure(measure)}", "    ")
            for i, row in enumerate(ob.verdicts, 1):
                when = render_conditions(row.when, empty="otherwise" if i == len(ob.verdicts) else "always")
                flag = "" if row.final else "  (not final)"
                out.append(f"    {i:>2}. {row.verdict:<7} {row.reason}{flag}")
                out += _wrap(f"when {when}", "          ")
                out += _wrap(f"“{row.message}”", "          ")
            out.append("")
    if policies:
        out.append("term policies (contract-check lint):")
        for p in policies:
            title = f" — {p.title}" if p.title else ""
            origin = "" if p.bundled else f"  (from {p.file})"
            out.append(f"  {p.id} ({p.severity}){title}{origin}")
            if p.doc:
                out += _wrap(p.doc, "    ")
            for message in p.messages:
                out += _wrap(f"reports “{message}”", "      ", first="    ")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def generate(fmt: str = "md", rules_dir: RuleLayers = None, policy_dirs: Sequence[Path] = ()) -> str:
    """The rule catalogue in `fmt` ('text' or 'md'): the bundled templates and policies, then
    each folder of `rules_dir` (and its policies/) and of `policy_dirs` over them."""
    layers = [rules_dir] if isinstance(rules_dir, Path) else list(rules_dir or ())
    templates = load_templates(layers)
    policies = layered_policies(default_policy_dirs(layers, policy_dirs))
    if fmt == "md":
        return render_md(templates, policies)
    if fmt == "text":
        return render_text(templates, policies)
    raise CheckError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
