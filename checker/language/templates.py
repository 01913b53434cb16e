"""Rule templates (rules/*.yaml): loaded, validated against their own schema, never executed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import CheckError, shorten
from ..models import KEBAB, SNAKE, FactSpec, ObligationSpec, RuleTemplate
from ..read.yamlload import load_yaml, plain, position
from .expressions import ENGINE_OPERATORS, REF_RE, ExpressionError, check_condition, check_operand

PLACEHOLDER_RE = re.compile(r"\$\{([^}]*)\}")
PATH_RE = re.compile(r"^(item|[a-z_][a-z0-9_]*|ref->[a-z_][a-z0-9_]*)$")
PARAM_IN_PATH_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
BUILTIN_PARAMS = {"clause"}
VERDICT_NAMES = {"now", "deadline", "due", "as_of", "obligation"}
MESSAGE_BUILTINS = {
    "trigger_type", "trigger_date", "trigger_id", "trigger_actor", "deadline_date", "now_date", "due", "clause",
    "obligation", "instance", "currency",
}
FACT_BUILTINS = {"time", "id"}
CONTRACT_DATES = ("effective", "expires")
MEASURE_KINDS = ("first", "last", "all", "sum", "count", "min", "max")
# Fields of the synthetic trigger events made from contract dates and calendar periods.
SYNTHETIC_FIELDS = {"date", "period", "period_start", "period_end", "ends_at", "what", "amount", "label", "clause"}


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
        sources = [k for k in ("types", "dates", "calendar", "schedule") if getattr(fact, k) is not None]
        if len(sources) != 1:
            raise _fail(loaded, base, "a fact names exactly one source: types (events of the log), dates (of the "
                                      "contract), calendar (one per period) or schedule (one per dated row)")
        if fact.schedule is not None and (not fact.schedule.startswith("$") or fact.schedule[1:] not in params):
            raise _fail(loaded, (*base, "schedule"), f"schedule must be a $parameter, got {shorten(fact.schedule)}")
        if isinstance(fact.types, str) and (not fact.types.startswith("$") or fact.types[1:] not in params):
            raise _fail(loaded, (*base, "types"),
                        f"types must be a list of event types or a $parameter, got {shorten(fact.types)}")
        if isinstance(fact.dates, str):
            if not fact.dates.startswith("$") or fact.dates[1:] not in params:
                raise _fail(loaded, (*base, "dates"), f"dates are a list or a $parameter, got {shorten(fact.dates)}")
        for i, date in enumerate(fact.dates if isinstance(fact.dates, list) else []):
            if date not in CONTRACT_DATES and not (date.startswith("$") and date[1:] in params):
                raise _fail(loaded, (*base, "dates", i), f"a date is effective, expires or a $parameter, got {shorten(date)}")
        if fact.calendar is not None and fact.calendar.every.startswith("$") and fact.calendar.every[1:] not in params:
            raise _fail(loaded, (*base, "calendar", "every"), f"unknown parameter {fact.calendar.every!r}")
        for i, cond in enumerate(fact.where):
            if isinstance(cond, list) and len(cond) == 3 and isinstance(cond[0], str) and "{" in cond[0]:
                _check_path(loaded, (*base, "where", i), cond[0], params)  # a field named by a parameter
                cond = ["x", *cond[1:]]
            try:
                check_condition(cond, set(), params, f"facts.{role}.where", lhs_any_field=True)
            except ExpressionError as exc:
                raise _fail(loaded, (*base, "where", i), str(exc)) from None
        for part in fact.attributes if isinstance(fact.attributes, list) else [fact.attributes]:
            if isinstance(part, str):
                if not part.startswith("$") or part[1:] not in params:
                    raise _fail(loaded, (*base, "attributes"), "attributes are a mapping or a $parameter listing field names")
                continue
            for name, path in part.items():
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
    openers = [ob.opened_by] if isinstance(ob.opened_by, str) else ob.opened_by
    for opener in openers:
        if opener not in t.facts:
            raise _fail(loaded, (*base, "opened_by"), f"unknown fact role {opener!r}")
    names_of = [_attribute_names(t.facts[o]) for o in openers]
    opened_attrs = None if any(n is None for n in names_of) else set.intersection(*[n for n in names_of if n is not None])
    ob_attrs = None if opened_attrs is None else opened_attrs | FACT_BUILTINS
    if ob.instance is not None and opened_attrs is not None and ob.instance not in opened_attrs:
        raise _fail(loaded, (*base, "instance"), f"instance {ob.instance!r} is not an attribute of {ob.opened_by!r}")
    if ob.amount_due is not None:
        _check_path(loaded, (*base, "amount_due", "of"), ob.amount_due.of, params)
    if ob.amount_due is not None and len(openers) > 1:
        raise _fail(loaded, (*base, "amount_due"), "an amount due needs one opening role")
    if isinstance(ob.deadline_days, str) and ob.deadline_days[1:] not in params:
        raise _fail(loaded, (*base, "deadline_days"), f"unknown parameter {ob.deadline_days!r}")
    if ob.deadline is not None:
        d = ob.deadline
        if ob.deadline_days is not None:
            raise _fail(loaded, (*base, "deadline"), "write either deadline or deadline_days, not both")
        anchors = [a for a in (d.at, d.after, d.before) if a is not None]
        if len(anchors) > 1 or (d.at is not None and d.within is not None) or (d.at is None and d.within is None):
            raise _fail(loaded, (*base, "deadline"), "a deadline is `within` a duration (optionally `after` or `before` "
                                                     "a time field of the trigger), or `at` a time field of the trigger")
        if isinstance(d.within, str) and d.within.startswith("$") and d.within[1:] not in params:
            raise _fail(loaded, (*base, "deadline", "within"), f"unknown parameter {d.within!r}")
    for role, conds in ob.evidence.items():
        if role not in t.facts:
            raise _fail(loaded, (*base, "evidence", role), f"unknown fact role {role!r}")
        role_attrs = _attribute_names(t.facts[role])
        attrs = None if role_attrs is None else role_attrs | FACT_BUILTINS
        for i, cond in enumerate(conds):
            loc = (*base, "evidence", role, i)
            if isinstance(cond, str) and cond.startswith("$") and cond[1:] in params:
                continue  # fields the clause lists: each joined with the obligation's own
            if not (isinstance(cond, list) and len(cond) == 3):
                raise _fail(loaded, loc, f"a join condition is [attribute, operator, value], got {cond!r}")
            lhs, op, rhs = cond
            if not isinstance(lhs, str) or not isinstance(op, str):
                raise _fail(loaded, loc, f"a join condition is [attribute, operator, value], got {shorten(cond)}")
            if op not in ENGINE_OPERATORS:
                raise _fail(loaded, loc, f"operator {shorten(op)} cannot be used in an engine join; "
                                         f"known: {', '.join(ENGINE_OPERATORS)}")
            if attrs is not None and lhs not in attrs:
                raise _fail(loaded, loc, f"unknown attribute {lhs!r} of {role!r}; known: {', '.join(sorted(attrs))}")
            if op not in ("==", "!=") and lhs != "time":
                # The engine sees attribute values as typed codes, which only compare for equality.
                raise _fail(loaded, loc, f"{shorten(op)} in an engine join can only compare time; "
                                         f"compare {lhs!r} in a measure's `where` instead")
            if not (isinstance(rhs, dict) or (isinstance(rhs, str) and rhs.startswith("obligation."))):
                # A constant belongs in the fact's `where` filter: the engine takes no fact that
                # matches none of its rules, so a join on a constant would refuse the fact.
                raise _fail(loaded, loc, f"a join compares with obligation.<attribute> (or time arithmetic); "
                                         f"filter {lhs!r} against {shorten(rhs)} in the fact's `where` instead")
            if isinstance(rhs, str) and rhs.startswith("obligation."):
                if ob_attrs is not None and rhs.split(".", 1)[1] not in ob_attrs:
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
        kinds = [k for k in MEASURE_KINDS if getattr(measure, k) is not None]
        if measure.minus is not None or measure.compute is not None:
            if kinds or (measure.minus is not None and measure.compute is not None):
                raise _fail(loaded, loc, f"a measure is one of {', '.join(MEASURE_KINDS)}, minus or compute")
            for operand in measure.minus if measure.minus is not None else [measure.compute]:
                try:
                    check_operand(operand, roots, params, f"measures.{name}")
                except ExpressionError as exc:
                    raise _fail(loaded, loc, str(exc)) from None
        else:
            if len(kinds) != 1:
                raise _fail(loaded, loc, f"a measure is one of {', '.join(MEASURE_KINDS)}, minus or compute")
            role = getattr(measure, kinds[0])
            if role not in ob.evidence:
                raise _fail(loaded, loc, f"{role!r} is not evidence of obligation {ob.name!r}")
            if kinds[0] in ("sum", "min", "max") and not measure.of:
                raise _fail(loaded, loc, f"a {kinds[0]} needs 'of': the numeric field it reads")
            if measure.of:
                _check_path(loaded, (*loc, "of"), measure.of, params)
            for i, cond in enumerate(measure.where):
                try:
                    _check_alias(cond, roots, f"measures.{name}")
                    check_condition(cond, roots, params, f"measures.{name}", lhs_any_field=True)
                except ExpressionError as exc:
                    raise _fail(loaded, (*loc, "where", i), str(exc)) from None
        roots = roots | {name}
    allowed_placeholders = params | (opened_attrs or set()) | set(ob.measures) | MESSAGE_BUILTINS | SYNTHETIC_FIELDS
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


def _attribute_names(fact: FactSpec) -> set[str] | None:
    """The attribute names of a fact role; None when the clause lists them (a $parameter)."""
    parts = fact.attributes if isinstance(fact.attributes, list) else [fact.attributes]
    if any(isinstance(part, str) for part in parts):
        return None
    names = {name for part in parts if isinstance(part, dict) for name in part}
    if fact.types is None:
        names |= SYNTHETIC_FIELDS
    return names


def _check_alias(cond: Any, roots: set[str], where: str) -> None:
    """A dotted left side must start with a known alias (the engine would never match it)."""
    if isinstance(cond, list) and len(cond) == 3 and isinstance(cond[0], str):
        lhs = cond[0]
        root = lhs.split(".", 1)[0]
        if "." in lhs and REF_RE.match(lhs) and root not in roots:
            raise ExpressionError(f"{where}: unknown alias {root!r} in {lhs!r}; known: {', '.join(sorted(roots))}")


def bundled_rules_dir() -> Path:
    """rules/ beside the package (source checkout) or inside it (installed wheel)."""
    here = Path(__file__).resolve().parent.parent  # the checker package
    for candidate in (here / "_bundled" / "rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise CheckError("the bundled rules/ directory is missing from this installation")


RuleLayers = Sequence[Path] | Path | None


def load_templates(layers: RuleLayers = None) -> Templates:
    """The bundled templates, then each folder of `layers` over them: a template whose id is
    already known replaces it (a team's own version), a new id adds one. The id of a template
    is its file name; a template is read and checked when first used (reading all of them on
    every run would double the start-up time of a check that uses three)."""
    bundled = bundled_rules_dir()
    files = _files_of(bundled)
    folders = [layers] if isinstance(layers, Path) else list(layers or ())
    for folder in dict.fromkeys(folders):
        if not folder.is_dir():
            raise CheckError("rule-template folder not found", folder)
        if folder.resolve() == bundled.resolve():
            continue
        files.update(_files_of(folder))
    return Templates(files)


def _files_of(folder: Path) -> dict[str, Path]:
    return {file.stem: file for file in sorted(folder.glob("*.yaml"))}


class Templates(Mapping[str, LoadedTemplate]):
    """Template id → the loaded template, read from its file on first access."""

    def __init__(self, files: dict[str, Path]) -> None:
        self._files = dict(sorted(files.items()))
        self._loaded: dict[str, LoadedTemplate] = {}

    def __getitem__(self, tid: str) -> LoadedTemplate:
        if tid not in self._loaded:
            file = self._files[tid]  # KeyError for an unknown id, as a dict
            loaded = load_template(file)
            if loaded.template.id != file.stem:
                raise _fail(loaded, ("id",), f"template id {loaded.template.id!r} must match the file name {file.stem!r}")
            self._loaded[tid] = loaded
        return self._loaded[tid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, tid: object) -> bool:
        return tid in self._files


def is_bundled(loaded: LoadedTemplate) -> bool:
    return loaded.file.resolve().parent == bundled_rules_dir().resolve()
