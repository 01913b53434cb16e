"""Rule templates (rules/*.yaml): loaded, validated against their own schema, never executed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import CheckError, shorten
from .expressions import ENGINE_OPERATORS, REF_RE, ExpressionError, check_condition, check_operand
from .models import KEBAB, SNAKE, ObligationSpec, RuleTemplate
from .yamlload import load_yaml, plain, position

PLACEHOLDER_RE = re.compile(r"\$\{([^}]*)\}")
PATH_RE = re.compile(r"^(item|[a-z_][a-z0-9_]*|ref->[a-z_][a-z0-9_]*)$")
PARAM_IN_PATH_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
BUILTIN_PARAMS = {"clause"}
VERDICT_NAMES = {"now", "deadline", "due", "as_of", "obligation"}
MESSAGE_BUILTINS = {
    "trigger_type", "trigger_date", "trigger_id", "deadline_date", "now_date", "due", "clause",
    "obligation", "instance",
}
FACT_BUILTINS = {"time", "id"}


@dataclass(frozen=True)
class LoadedTemplate:
    template: RuleTemplate
    file: Path
    tree: Any

    def where(self, loc: tuple[int | str, ...]) -> tuple[int | None, int | None]:
        return position(self.tree, loc)


PATTERN_NAMES = {
    KEBAB: "kebab-case (lower-case words joined by '-')",
    SNAKE: "snake_case (lower-case words joined by '_')",
}


def validation_error(
    file: Path, tree: Any, exc: ValidationError, what: str, prefix: tuple[int | str, ...] = ()
) -> CheckError:
    """The first pydantic error, placed at its YAML line and column, with the offending value."""
    err = exc.errors()[0]
    loc = prefix + tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    line, col = position(tree, loc)
    path = ".".join(str(p) for p in loc) or what
    msg = err["msg"]
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        msg = f"unknown field {str(loc[-1])!r}"
    elif err["type"] == "missing":
        msg = f"missing required field {str(loc[-1])!r}"
    else:
        if err["type"] == "string_pattern_mismatch":
            pattern = (err.get("ctx") or {}).get("pattern")
            if pattern in PATTERN_NAMES:
                msg = f"must be {PATTERN_NAMES[pattern]}"
        if not isinstance(value, (dict, list)):
            msg += f", got {shorten(plain(value))}"
    return CheckError(f"{path}: {msg}", file, line, col)


Model = TypeVar("Model", bound=BaseModel)


def load_document(file: Path, model: type[Model], what: str, shape: str) -> tuple[Model, Any]:
    """A YAML mapping validated by a pydantic model, errors placed at their line and column."""
    tree = load_yaml(file)
    if not isinstance(tree, dict):
        raise CheckError(shape, file, 1, 1)
    try:
        return model.model_validate(plain(tree)), tree
    except ValidationError as exc:
        raise validation_error(file, tree, exc, what) from None


def load_template(file: Path) -> LoadedTemplate:
    template, tree = load_document(file, RuleTemplate, "template", "a rule template must be a YAML mapping")
    loaded = LoadedTemplate(template, file, tree)
    _check_semantics(loaded)
    return loaded


def _fail(loaded: LoadedTemplate, loc: tuple[int | str, ...], message: str) -> CheckError:
    line, col = loaded.where(loc)
    return CheckError(message, loaded.file, line, col)


def _check_path(loaded: LoadedTemplate, loc: tuple[int | str, ...], path: str, params: set[str]) -> None:
    for name in PARAM_IN_PATH_RE.findall(path):
        if name not in params:
            raise _fail(loaded, loc, f"unknown parameter {name!r} in path {path!r}")
    resolved = PARAM_IN_PATH_RE.sub("x", path)
    if not PATH_RE.match(resolved):
        raise _fail(loaded, loc, f"bad field path {path!r}: use a field name, 'item' or 'ref->field'")


def _check_semantics(loaded: LoadedTemplate) -> None:
    t = loaded.template
    params = set(t.parameters) | BUILTIN_PARAMS
    if t.kind == "scope":
        if t.scope is None:
            raise _fail(loaded, (), "a scope template needs a 'scope' section")
        for i, cond in enumerate(t.scope.within):
            try:
                _check_alias(cond, {"time"}, "scope.within")
                check_condition(cond, set(), params, "scope.within", lhs_roots={"time"})
            except ExpressionError as exc:
                raise _fail(loaded, ("scope", "within", i), str(exc)) from None
        return
    if not t.obligations:
        raise _fail(loaded, (), "an obligation template needs at least one obligation")
    for role, fact in t.facts.items():
        base = ("facts", role)
        if isinstance(fact.types, str) and (not fact.types.startswith("$") or fact.types[1:] not in params):
            raise _fail(loaded, (*base, "types"),
                        f"types must be a list of event types or a $parameter, got {shorten(fact.types)}")
        for i, cond in enumerate(fact.where):
            if not (isinstance(cond, list) and len(cond) == 3 and isinstance(cond[0], str)):
                raise _fail(loaded, (*base, "where", i), f"a filter is [field, operator, value], got {cond!r}")
            if cond[1] not in ("==", "!=", "in", "not in"):
                raise _fail(loaded, (*base, "where", i), f"unknown filter operator {cond[1]!r}")
            try:
                check_operand(cond[2], set(), params, f"facts.{role}.where")
            except ExpressionError as exc:
                raise _fail(loaded, (*base, "where", i), str(exc)) from None
        for name, path in fact.attributes.items():
            if name in FACT_BUILTINS:
                raise _fail(loaded, (*base, "attributes", name), f"attribute name {name!r} is reserved")
            _check_path(loaded, (*base, "attributes", name), path, params)
        if fact.partition is not None and not fact.partition.startswith("$"):
            _check_path(loaded, (*base, "partition"), fact.partition, params)
        if fact.keep == "latest" and (fact.broadcast or fact.partition is None):
            raise _fail(loaded, (*base, "keep"), "keep: latest needs a partition: the latest fact is kept per correlation key")
        if fact.partition is None and not fact.broadcast:
            raise _fail(loaded, base, "a fact needs a partition (its correlation key) or broadcast: true")
    names = [o.name for o in t.obligations]
    if len(set(names)) != len(names):
        raise _fail(loaded, ("obligations",), "two obligations share a name")
    for index, ob in enumerate(t.obligations):
        _check_obligation(loaded, ("obligations", index), ob, params)


def _check_obligation(
    loaded: LoadedTemplate, base: tuple[int | str, ...], ob: ObligationSpec, params: set[str]
) -> None:
    t = loaded.template
    if ob.opened_by not in t.facts:
        raise _fail(loaded, (*base, "opened_by"), f"unknown fact role {ob.opened_by!r}")
    opened = t.facts[ob.opened_by]
    ob_attrs = set(opened.attributes) | FACT_BUILTINS
    if ob.instance is not None and ob.instance not in opened.attributes:
        raise _fail(loaded, (*base, "instance"), f"instance {ob.instance!r} is not an attribute of {ob.opened_by!r}")
    if isinstance(ob.deadline_days, str) and ob.deadline_days[1:] not in params:
        raise _fail(loaded, (*base, "deadline_days"), f"unknown parameter {ob.deadline_days!r}")
    for role, conds in ob.evidence.items():
        if role not in t.facts:
            raise _fail(loaded, (*base, "evidence", role), f"unknown fact role {role!r}")
        attrs = set(t.facts[role].attributes) | FACT_BUILTINS
        for i, cond in enumerate(conds):
            loc = (*base, "evidence", role, i)
            if not (isinstance(cond, list) and len(cond) == 3):
                raise _fail(loaded, loc, f"a join condition is [attribute, operator, value], got {cond!r}")
            lhs, op, rhs = cond
            if op not in ENGINE_OPERATORS:
                raise _fail(loaded, loc, f"operator {shorten(op)} cannot be used in an engine join; "
                                         f"known: {', '.join(ENGINE_OPERATORS)}")
            if lhs not in attrs:
                raise _fail(loaded, loc, f"unknown attribute {lhs!r} of {role!r}; known: {', '.join(sorted(attrs))}")
            if op not in ("==", "!=") and lhs != "time":
                # The engine sees attribute values as typed codes, which only compare for equality.
                raise _fail(loaded, loc, f"{shorten(op)} in an engine join can only compare time; "
                                         f"compare {lhs!r} in a measure's `where` instead")
            if isinstance(rhs, str) and rhs.startswith("obligation."):
                if rhs.split(".", 1)[1] not in ob_attrs:
                    raise _fail(loaded, loc, f"unknown obligation attribute in {shorten(rhs)}; "
                                             f"known: {', '.join(sorted(ob_attrs))}")
            else:
                try:
                    check_operand(rhs, {"obligation"}, params, "evidence")
                except ExpressionError as exc:
                    raise _fail(loaded, loc, str(exc)) from None
    roots = VERDICT_NAMES | set()
    for name, measure in ob.measures.items():
        loc = (*base, "measures", name)
        kinds = [k for k in ("first", "last", "all", "sum") if getattr(measure, k) is not None]
        if measure.minus is not None:
            if kinds:
                raise _fail(loaded, loc, "a measure is one of first, last, all, sum or minus")
            for operand in measure.minus:
                try:
                    check_operand(operand, roots, params, f"measures.{name}")
                except ExpressionError as exc:
                    raise _fail(loaded, loc, str(exc)) from None
        else:
            if len(kinds) != 1:
                raise _fail(loaded, loc, "a measure is one of first, last, all, sum or minus")
            role = getattr(measure, kinds[0])
            if role not in ob.evidence:
                raise _fail(loaded, loc, f"{role!r} is not evidence of obligation {ob.name!r}")
            if kinds[0] == "sum" and not measure.of:
                raise _fail(loaded, loc, "a sum needs 'of': the money field to add up")
            for i, cond in enumerate(measure.where):
                try:
                    _check_alias(cond, roots, f"measures.{name}")
                    check_condition(cond, roots, params, f"measures.{name}", lhs_any_field=True)
                except ExpressionError as exc:
                    raise _fail(loaded, (*loc, "where", i), str(exc)) from None
        roots = roots | {name}
    allowed_placeholders = params | set(opened.attributes) | set(ob.measures) | MESSAGE_BUILTINS
    for i, row in enumerate(ob.verdicts):
        loc = (*base, "verdicts", i)
        for j, cond in enumerate(row.when):
            try:
                _check_alias(cond, roots, "when")
                check_condition(cond, roots, params, "when")
            except ExpressionError as exc:
                raise _fail(loaded, (*loc, "when", j), str(exc)) from None
        for name in row.evidence:
            if name not in ob.measures:
                raise _fail(loaded, (*loc, "evidence"), f"unknown measure {name!r}")
        for placeholder in PLACEHOLDER_RE.findall(row.message):
            if placeholder.split(".", 1)[0] not in allowed_placeholders:
                raise _fail(loaded, (*loc, "message"), f"unknown placeholder ${{{placeholder}}} in message")
        if row.effect is not None:
            target = row.effect.end_clauses
            if isinstance(target, str) and target[1:] not in params:
                raise _fail(loaded, (*loc, "effect"), f"unknown parameter {target!r}")
    if ob.verdicts[-1].when:
        raise _fail(loaded, (*base, "verdicts", len(ob.verdicts) - 1, "when"),
                    "the last verdict row must have `when: []` so every obligation gets a verdict")


def _check_alias(cond: Any, roots: set[str], where: str) -> None:
    """A dotted left side must start with a known alias (the engine would never match it)."""
    if isinstance(cond, list) and len(cond) == 3 and isinstance(cond[0], str):
        lhs = cond[0]
        root = lhs.split(".", 1)[0]
        if "." in lhs and REF_RE.match(lhs) and root not in roots:
            raise ExpressionError(f"{where}: unknown alias {root!r} in {lhs!r}; known: {', '.join(sorted(roots))}")


def bundled_rules_dir() -> Path:
    """rules/ beside the package (source checkout) or inside it (installed wheel)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled" / "rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise CheckError("the bundled rules/ directory is missing from this installation")


def load_templates(directory: Path | None = None) -> dict[str, LoadedTemplate]:
    folder = directory or bundled_rules_dir()
    found: dict[str, LoadedTemplate] = {}
    for file in sorted(folder.glob("*.yaml")):
        loaded = load_template(file)
        tid = loaded.template.id
        if tid in found:
            raise CheckError(f"template id {tid!r} is also defined in {found[tid].file}", file, 1, 1)
        if file.stem != tid:
            raise _fail(loaded, ("id",), f"template id {tid!r} must match the file name {file.stem!r}")
        found[tid] = loaded
    return found
