"""Term policies (rules/policies/*.yaml): loaded and validated like rule templates, never executed.

A policy file holds `policies:`, each with an id, a severity, a title, its documentation and one
or more checks. A check names the `subject` facts it is about (a fact kind and equality filters
the engine applies), `joins` to other facts (equality with constants or with attributes of the
subject and earlier joins, which the engine performs), `when` conditions in the condition
language of rule templates (judged on the subject and the first fact of each join, in exact
arithmetic), and the message of the finding. A subject for which every `when` condition holds
is a finding, placed at the subject's line (or at `at:` below it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ...errors import CheckError
from ...language.expressions import REF_RE, ExpressionError, check_condition
from ...language.templates import PLACEHOLDER_RE, bundled_rules_dir, load_document
from ...models import KEBAB, Strict
from ...read.yamlload import position
from .facts import KINDS, normalise

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: tuple[str, ...] = ("error", "warning", "info")
NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
SUBJECT = "subject"
FILTER_OPERATORS = ("==", "!=")


class PatternSpec(Strict):
    kind: str
    where: list[list[Any]] = Field(default_factory=list)


class CheckSpec(Strict):
    subject: PatternSpec
    joins: dict[str, PatternSpec] = Field(default_factory=dict)
    when: list[Any] = Field(default_factory=list)
    at: list[str | int] = Field(default_factory=list)
    message: str | None = None


class PolicySpec(Strict):
    id: str = Field(pattern=KEBAB)
    title: str
    severity: Severity
    doc: str
    message: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    checks: list[CheckSpec] = Field(min_length=1)


class PolicyFile(Strict):
    policies: list[PolicySpec] = Field(min_length=1)


@dataclass(frozen=True)
class Policy:
    spec: PolicySpec
    file: Path
    tree: Any
    index: int

    @property
    def id(self) -> str:
        return self.spec.id

    def params(self) -> dict[str, Any]:
        return {name: normalise(value) for name, value in self.spec.parameters.items()}

    def where(self, loc: tuple[int | str, ...]) -> tuple[int | None, int | None]:
        return position(self.tree, ("policies", self.index, *loc))

    def fail(self, loc: tuple[int | str, ...], message: str) -> CheckError:
        line, col = self.where(loc)
        return CheckError(f"policy {self.id!r}: {message}", self.file, line, col)

    def message(self, check: CheckSpec) -> str:
        text = check.message or self.spec.message
        assert text is not None  # checked at load
        return text


def default_policy_dirs(rules_dir: Path | Sequence[Path] | None, extra: Sequence[Path] = ()) -> list[Path]:
    """The bundled policies, then policies/ inside each rule-template folder in use that has
    one, then `extra` (a workspace's or --policies folders): later folders override by id."""
    layers = [rules_dir] if isinstance(rules_dir, Path) else list(rules_dir or ())
    dirs = [bundled_rules_dir() / "policies"]
    dirs += [layer / "policies" for layer in layers if (layer / "policies").is_dir()]
    dirs += list(extra)
    # The same folder named twice (`--rules rules` in this repository) is read once, where it
    # first comes, under the name it was given.
    unique: dict[Path, Path] = {}
    for folder in dirs:
        unique.setdefault(folder.resolve() if folder.exists() else folder, folder)
    return list(unique.values())


def load_policies(directories: list[Path]) -> list[Policy]:
    """Policies of every folder; a later folder's policy replaces an earlier one with its id
    (a team's version of a bundled policy); within one folder, ids are unique."""
    found: dict[str, Policy] = {}
    for directory in directories:
        if not directory.is_dir():
            raise CheckError("policy directory not found", directory)
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise CheckError("no policy files (*.yaml) in this directory", directory)
        here: dict[str, Policy] = {}
        for file in files:
            for policy in load_policy_file(file):
                if policy.id in here:
                    line, col = policy.where(("id",))
                    raise CheckError(f"policy id {policy.id!r} is also defined in {here[policy.id].file}", file, line, col)
                here[policy.id] = policy
        found.update(here)
    return list(found.values())


def load_policy_file(file: Path) -> list[Policy]:
    spec, tree = load_document(file, PolicyFile, "policies", "a policy file must be a YAML mapping with a 'policies' list")
    policies = [Policy(p, file, tree, i) for i, p in enumerate(spec.policies)]
    for policy in policies:
        _check_policy(policy)
    return policies


def _check_policy(policy: Policy) -> None:
    params = set(policy.spec.parameters)
    for name in params:
        if not NAME_RE.match(name):
            raise policy.fail(("parameters", name), f"parameter name {name!r} must be snake_case")
    for index, check in enumerate(policy.spec.checks):
        base: tuple[int | str, ...] = ("checks", index)
        aliases: dict[str, str] = {}
        _check_pattern(policy, (*base, "subject"), check.subject, aliases, params)
        aliases[SUBJECT] = check.subject.kind
        for name, join in check.joins.items():
            loc = (*base, "joins", name)
            if not NAME_RE.match(name) or name in aliases or name in params:
                raise policy.fail(
                    loc, f"join name {name!r} must be snake_case and differ from 'subject', other joins and parameters")
            _check_pattern(policy, loc, join, aliases, params)
            aliases[name] = join.kind
        for i, cond in enumerate(check.when):
            loc = (*base, "when", i)
            try:
                check_condition(cond, set(aliases), params, "when")
            except ExpressionError as exc:
                raise policy.fail(loc, str(exc)) from None
            _check_attributes(policy, loc, cond, aliases)
        message = check.message or policy.spec.message
        if not message:
            raise policy.fail(base, "a check needs a message (its own or the policy's)")
        for placeholder in PLACEHOLDER_RE.findall(message):
            root, _, attr = placeholder.partition(".")
            if root in params and not attr:
                continue
            if root not in aliases or not attr or attr not in KINDS[aliases[root]]:
                raise policy.fail(
                    (*base, "message") if check.message else ("message",),
                    f"unknown placeholder ${{{placeholder}}}: use ${{subject.attribute}}, ${{join.attribute}} or ${{parameter}}",
                )


def _check_pattern(
    policy: Policy, loc: tuple[int | str, ...], pattern: PatternSpec, aliases: dict[str, str], params: set[str]
) -> None:
    if pattern.kind not in KINDS:
        raise policy.fail((*loc, "kind"), f"unknown fact kind {pattern.kind!r}; known: {', '.join(KINDS)}")
    attrs = KINDS[pattern.kind]
    for i, cond in enumerate(pattern.where):
        at = (*loc, "where", i)
        if not (isinstance(cond, list) and len(cond) == 3):
            raise policy.fail(at, f"a filter is [attribute, operator, value], got {cond!r}")
        field, op, value = cond
        if field not in attrs:
            raise policy.fail(at, f"{pattern.kind} facts have no attribute {field!r}; known: {', '.join(attrs)}")
        if op not in FILTER_OPERATORS:
            raise policy.fail(at, f"the engine filters with == or != only, got {op!r} (compare numbers in `when`)")
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] not in params:
                raise policy.fail(at, f"unknown parameter {value!r}")
        elif is_alias_ref(value, aliases):
            root, attr = value.split(".", 1)
            if attr not in KINDS[aliases[root]]:
                raise policy.fail(at, f"{root} ({aliases[root]}) has no attribute {attr!r}")
            if op != "==":
                raise policy.fail(at, "a join compares attributes with == only")
        elif isinstance(value, (dict, list)):
            raise policy.fail(at, f"a filter value is a constant, a $parameter or alias.attribute, got {value!r}")


def is_alias_ref(value: Any, aliases: dict[str, str]) -> bool:
    return isinstance(value, str) and "." in value and bool(REF_RE.match(value)) and value.split(".", 1)[0] in aliases


def _check_attributes(policy: Policy, loc: tuple[int | str, ...], cond: Any, aliases: dict[str, str]) -> None:
    operands = list(cond.values()) if isinstance(cond, dict) else list(cond)
    for operand in operands:
        if is_alias_ref(operand, aliases):
            root, attr = operand.split(".", 1)
            known = KINDS[aliases[root]]
            if attr not in known:
                raise policy.fail(loc, f"{root} ({aliases[root]}) has no attribute {attr!r}; known: {', '.join(known)}")
