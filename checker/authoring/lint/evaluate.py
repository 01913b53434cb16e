"""Policies evaluated by the engine: durable-rules selects subjects and performs the joins.

One engine session per policy (one ruleset), all facts in one session id. Each check compiles
to one rule that selects its subjects and one rule per join, whose pattern chains the subject
and the joins before it. Only equalities reach the engine (attribute values are interned
integers), so its loose typing cannot bite, and no pattern uses `$not` or alias comparisons
other than equality, which the engine mishandles; absence (`{missing: join}`) and numeric
comparisons are judged afterwards on the collected matches, in exact decimal arithmetic. A
catch-all rule per fact kind makes every asserted fact handled, and counts them: the run fails
with an internal error unless every fact was seen exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from string import Template
from typing import Any

from ...errors import InternalError
from ...language.compiler import Interner
from ...language.expressions import MISSING, ExpressionError, Scope
from ...language.proposals import Document
from ...run.engine import EngineSession
from .facts import KINDS, Fact, normalise
from .policies import SUBJECT, CheckSpec, PatternSpec, Policy, is_alias_ref


@dataclass(frozen=True)
class LintFinding:
    file: str
    line: int
    col: int
    severity: str
    policy: str
    message: str

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.col, self.policy, self.message)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.col, "severity": self.severity,
                "policy": self.policy, "message": self.message}


def _attr(name: str) -> str:
    return "a_" + name


class _PolicyRun:
    def __init__(self, policy: Policy, facts: list[Fact], intern: Interner) -> None:
        self.policy = policy
        self.facts = facts
        self.intern = intern
        self.params = policy.params()
        self.seen = 0
        self.subjects: dict[int, list[int]] = defaultdict(list)
        self.joined: dict[tuple[int, int, int], set[int]] = defaultdict(set)

    def code(self, value: Any) -> int:
        return self.intern(normalise(value))

    def terms(self, pattern: PatternSpec, engine_alias: dict[str, str]) -> dict[str, Any]:
        constants: list[dict[str, Any]] = [{"r": self.intern("kind:" + pattern.kind)}]
        joins: list[dict[str, Any]] = []
        for field, op, value in pattern.where:
            if is_alias_ref(value, engine_alias):
                root, attr = value.split(".", 1)
                joins.append({_attr(field): {engine_alias[root]: _attr(attr)}})
                continue
            if isinstance(value, str) and value.startswith("$"):
                value = self.params[value[1:]]
            test = {_attr(field): self.code(value)}
            constants.append(test if op == "==" else {"$neq": test})
        return {"$and": constants + joins}

    def ruleset(self) -> dict[str, Any]:
        rules: dict[str, Any] = {
            f"seen|{kind}": {"all": [{"f": {"r": self.intern("kind:" + kind)}}]} for kind in KINDS
        }
        for index, check in enumerate(self.policy.spec.checks):
            engine_alias = {SUBJECT: "s"}
            chain = [{"s": self.terms(check.subject, engine_alias)}]
            rules[f"{index}|0"] = {"all": list(chain)}
            for number, (name, join) in enumerate(check.joins.items(), start=1):
                alias = f"j{number}"
                chain.append({alias: self.terms(join, engine_alias)})
                engine_alias[name] = alias
                rules[f"{index}|{number}"] = {"all": list(chain)}
        return rules

    def on_action(self, rule: str, bindings: dict[str, Any]) -> None:
        if rule.startswith("seen|"):
            self.seen += 1
            return
        check, _, part = rule.partition("|")
        subject = bindings["s"]["n"]
        if part == "0":
            self.subjects[int(check)].append(subject)
        else:
            self.joined[(int(check), subject, int(part))].add(bindings[f"j{part}"]["n"])

    def run(self) -> None:
        session = EngineSession(self.ruleset(), self.on_action, 1)
        try:
            for number, fact in enumerate(self.facts):
                engine_fact: dict[str, Any] = {"r": self.intern("kind:" + fact.kind), "n": number}
                engine_fact.update({_attr(k): self.intern(v) for k, v in fact.attrs.items()})
                session.assert_fact(0, engine_fact)
            session.drain()
        finally:
            session.close()
        if self.seen != len(self.facts):
            raise InternalError(f"policy {self.policy.id}: {len(self.facts)} facts asserted, {self.seen} handled")
        for check, subjects in self.subjects.items():
            if len(set(subjects)) != len(subjects):
                raise InternalError(f"policy {self.policy.id}: a subject of check {check} was selected twice")

    def findings(self, doc: Document) -> list[LintFinding]:
        found: list[LintFinding] = []
        for index, check in enumerate(self.policy.spec.checks):
            for subject in sorted(self.subjects.get(index, [])):
                names: dict[str, Any] = {SUBJECT: self.facts[subject].attrs}
                for number, name in enumerate(check.joins, start=1):
                    matches = self.joined.get((index, subject, number))
                    names[name] = self.facts[min(matches)].attrs if matches else MISSING
                scope = Scope(self.params, names, _lookup)
                try:
                    holds = scope.all(check.when)
                except ExpressionError as exc:
                    raise self.policy.fail(("checks", index, "when"), str(exc)) from None
                if holds:
                    found.append(self.finding(doc, check, self.facts[subject], scope))
        return found

    def finding(self, doc: Document, check: CheckSpec, subject: Fact, scope: Scope) -> LintFinding:
        file, line, col = doc.locate((*subject.loc, *check.at))
        template = _Placeholders(self.policy.message(check))
        keys = {m.group("named") or m.group("braced") for m in template.pattern.finditer(template.template)} - {None}
        message = template.safe_substitute({key: show(scope.value(key if "." in key else "$" + key)) for key in keys})
        return LintFinding(file, line or 1, col or 1, self.policy.spec.severity, self.policy.id, message)


class _Placeholders(Template):
    idpattern = r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?"


def _lookup(value: Any, name: str) -> Any:
    return value.get(name, MISSING) if isinstance(value, dict) else MISSING


def show(value: Any) -> str:
    """A value as a finding's message shows it."""
    if value is MISSING or value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}" if value == value.to_integral() else f"{value.normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        if value and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value):
            return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value) + "}"
        return ", ".join(show(v) for v in value)
    return str(value)


def run_policies(policies: list[Policy], doc: Document, facts: list[Fact]) -> list[LintFinding]:
    intern = Interner()
    findings: list[LintFinding] = []
    for policy in policies:
        run = _PolicyRun(policy, facts, intern)
        run.run()
        findings.extend(run.findings(doc))
    return findings
