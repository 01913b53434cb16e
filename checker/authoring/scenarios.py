"""Scenario files: named cases of events and the findings each case must (or must not) produce.

A scenario file (YAML) names a contract and lists cases. Each case gives its events inline (same
schema and validation as an event log, SPEC §5) or as `events_file`, an optional `as_of`, and
what the check must find:

- `expect`: every entry must match a finding of its own (all keys given must match). Keys:
  `clause`, `trigger` (id of the first event), `instance` (the IP kind, for scoped-disclosure),
  `verdict`, `reason`, `events` (the exact list: trigger first, then evidence in time order);
- `absent`: no finding may match any entry;
- `only: true`: findings not matched by an `expect` entry fail the case;
- `uncovered_events`, `out_of_term_events`, `after_as_of_events`: the exact set of event ids;
- `error`: the check must refuse the input with a message containing this text.

`load_scenarios` reads files (or directories of `*.yaml`) into `Case`s; `run_case` runs one and
returns a `CaseResult` whose `lines` put what was expected and what was found side by side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

from ..api import load
from ..errors import CheckError, shorten
from ..findings import CheckResult, Finding
from ..language.contracts import LoadedContract
from ..language.templates import LoadedTemplate, load_document
from ..language.triggers import names_contract_trigger
from ..models import KEBAB, Verdict
from ..read.events import EventLog, build_event, parse_time, read_events
from ..read.yamlload import position
from ..run.replay import check

SCHEMA = "contract-check/scenarios/1"
SUFFIX = ".yaml"
FLOAT_DIGITS = 15
MATCH_KEYS = ("clause", "trigger", "instance", "verdict", "reason", "events")
LIST_KEYS = ("uncovered_events", "out_of_term_events", "after_as_of_events")
_RESULT_LISTS = {"uncovered_events": "uncovered", "out_of_term_events": "out_of_term",
                 "after_as_of_events": "after_as_of"}

Loc = tuple[int | str, ...]
Fail = Callable[[Loc, str], CheckError]


# --- the file format (pydantic) ---------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Matcher(_Strict):
    """A pattern over findings: every key given must equal the finding's value."""

    clause: StrictStr | None = None
    trigger: StrictStr | None = None
    instance: StrictStr | None = None
    verdict: Verdict | None = None
    reason: StrictStr | None = Field(default=None, pattern=KEBAB)
    events: list[StrictStr] | None = None
    # Text the finding's message must contain (amounts as a hand computation gives them).
    message: StrictStr | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Matcher:
        if all(getattr(self, key) is None for key in MATCH_KEYS):
            raise ValueError(f"give at least one of {', '.join(MATCH_KEYS)}")
        return self

    def given(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in MATCH_KEYS if getattr(self, key) is not None}

    def matches(self, finding: Finding) -> bool:
        actual = finding_fields(finding)
        if self.message is not None and self.message not in finding.message:
            return False
        return all(actual[key] == value for key, value in self.given().items())

    def score(self, finding: Finding) -> int:
        """How alike a finding is (to place a missing expectation next to its nearest finding)."""
        weights = {"clause": 8, "trigger": 8, "instance": 4, "verdict": 2, "reason": 2, "events": 1}
        actual = finding_fields(finding)
        return sum(weights[key] for key, value in self.given().items() if actual[key] == value)

    def render(self) -> str:
        given = self.given()
        parts = [str(given.get(key, "*")) if key != "events" else _ids(given.get("events")) for key in MATCH_KEYS]
        return " ".join(parts)


class _CaseSpec(_Strict):
    name: StrictStr = Field(pattern=KEBAB)
    description: StrictStr | None = None
    as_of: Any = None
    events: list[Any] | None = None
    events_file: StrictStr | None = None
    expect: list[Matcher] = Field(default_factory=list)
    absent: list[Matcher] = Field(default_factory=list)
    only: StrictBool = False
    uncovered_events: list[StrictStr] | None = None
    out_of_term_events: list[StrictStr] | None = None
    after_as_of_events: list[StrictStr] | None = None
    error: StrictStr | None = None


class _ScenarioFile(_Strict):
    contract: StrictStr
    description: StrictStr | None = None
    cases: list[_CaseSpec] = Field(min_length=1)


# --- loaded cases -----------------------------------------------------------------------


@dataclass
class Case:
    """One scenario case, its events already validated."""

    file: Path
    name: str
    line: int
    description: str
    contract_file: Path
    as_of: dt.datetime | None
    log: EventLog
    expect: list[Matcher] = field(default_factory=list)
    absent: list[Matcher] = field(default_factory=list)
    only: bool = False
    lists: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    rules: tuple[Path, ...] = ()  # template folders over the bundled ones (a workspace's)

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def finding_fields(finding: Finding) -> dict[str, Any]:
    return {
        "clause": finding.clause,
        "trigger": finding.events[0].id if finding.events else None,
        "instance": finding.instance,
        "verdict": finding.verdict,
        "reason": finding.reason,
        "events": [e.id for e in finding.events],
    }


def render_finding(finding: Finding) -> str:
    f = finding_fields(finding)
    parts = [f["clause"], str(f["trigger"]), f["instance"] or "-", f["verdict"], f["reason"], _ids(f["events"])]
    return " ".join(parts)


def _ids(ids: Sequence[str] | None) -> str:
    return "*" if ids is None else "[" + ", ".join(ids) + "]"


_CONTRACTS: dict[tuple[Path, int, tuple[Path, ...]], tuple[LoadedContract, Mapping[str, LoadedTemplate]]] = {}


def load_contract(path: Path, rules: tuple[Path, ...] = ()) -> tuple[LoadedContract, Mapping[str, LoadedTemplate]]:
    """The contract and its rule templates (bundled, then `rules` over them), loaded once per file version."""
    try:
        key = (path.resolve(), path.stat().st_mtime_ns, rules)
    except OSError:
        key = (path.resolve(), 0, rules)
    if key not in _CONTRACTS:
        _CONTRACTS[key] = load(path, rules)
    return _CONTRACTS[key]


def discover(paths: Iterable[Path]) -> list[Path]:
    """Scenario files: each file as given, each directory's `*.yaml` files recursively (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file())
            if not found:
                raise CheckError(f"no scenario files (*{SUFFIX}) in this directory", path)
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise CheckError("no such file or directory", path)
    unique: list[Path] = []
    for f in files:
        if f not in unique:
            unique.append(f)
    return unique


def load_scenarios(paths: Iterable[Path | str], rules: Iterable[Path] = ()) -> list[Case]:
    """Every case of the given scenario files (directories are searched for `*.yaml`), checked
    with the bundled templates and `rules` (folders) over them."""
    cases: list[Case] = []
    layers = tuple(rules)
    for file in discover(Path(p) for p in paths):
        cases.extend(load_scenario_file(file, layers))
    return cases


def load_scenario_file(path: Path, rules: tuple[Path, ...] = ()) -> list[Case]:
    spec, tree = load_document(path, _ScenarioFile, "scenario",
                               "a scenario file must be a YAML mapping with 'contract' and 'cases'")

    def fail(loc: Loc, message: str) -> CheckError:
        line, col = position(tree, loc)
        return CheckError(message, path, line, col)

    contract_file = path.parent / spec.contract
    if not contract_file.is_file():
        raise fail(("contract",), f"contract file not found: {contract_file}")
    contract, _ = load_contract(contract_file, rules)
    clause_ids = {c.id for c in contract.contract.clauses}

    cases: list[Case] = []
    names: dict[str, int] = {}
    for index, case_spec in enumerate(spec.cases):
        base: Loc = ("cases", index)
        line, _ = position(tree, base)
        if case_spec.name in names:
            first = names[case_spec.name]
            raise fail((*base, "name"), f"case name {case_spec.name!r} is used twice (first at line {first})")
        names[case_spec.name] = line or 1
        log = _case_events(path, tree, base, case_spec, fail)
        known = {e.id for e in log.events}
        as_of = _as_of(case_spec.as_of, fail, (*base, "as_of"))
        _check_references(case_spec, base, known, clause_ids, fail)
        lists = {key: list(getattr(case_spec, key)) for key in LIST_KEYS if getattr(case_spec, key) is not None}
        if case_spec.error is not None and (case_spec.expect or case_spec.absent or case_spec.only or lists):
            raise fail((*base, "error"), "a case that expects the input to be refused cannot also expect findings")
        cases.append(Case(
            file=path, name=case_spec.name, line=line or 1, description=" ".join((case_spec.description or "").split()),
            contract_file=contract_file, as_of=as_of, log=log, expect=list(case_spec.expect),
            absent=list(case_spec.absent), only=case_spec.only, lists=lists, error=case_spec.error, rules=rules,
        ))
    return cases


def _case_events(path: Path, tree: Any, base: Loc, spec: _CaseSpec, fail: Fail) -> EventLog:
    if (spec.events is None) == (spec.events_file is None):
        raise fail(base, f"case {spec.name!r}: give either 'events' (a list) or 'events_file' (a path), not both")
    if spec.events_file is not None:
        events_path = path.parent / spec.events_file
        if not events_path.is_file():
            raise fail((*base, "events_file"), f"events file not found: {events_path}")
        return read_events([str(events_path)])
    log = EventLog(sources=[str(path)])
    seen: dict[str, int] = {}
    raw_events = tree["cases"][base[1]]["events"]
    for number, raw in enumerate(raw_events):
        loc: Loc = (*base, "events", number)
        line, col = position(tree, loc)
        keys = [str(k) for k in raw] if isinstance(raw, dict) else []
        try:
            record = _json_like(raw, loc, fail)
            event = build_event(record, str(path), line or 1, len(log.events))
        except ValueError as exc:
            message = str(exc)
            blamed = _blame(message, keys)
            if blamed is not None:
                raise fail((*loc, blamed), message) from None
            raise CheckError(message, path, line, col) from None
        if event.id in seen:
            raise fail((*loc, "id"), f"duplicate event id {shorten(event.id)} (first at line {seen[event.id]})")
        seen[event.id] = line or 1
        log.events.append(event)
    return log


def _blame(message: str, keys: list[str]) -> str | None:
    """The field of an event an error message is about, to point at its line and column."""
    for key in keys:
        if f"'{key}'" in message or message.startswith((f"invalid {key} ", f"{key} ")):
            return key
    return None


def _json_like(node: Any, loc: Loc, fail: Fail) -> Any:
    """A YAML value as the JSON reader would have produced it (dates as ISO text, floats exact)."""
    if isinstance(node, dict):
        return {str(k): _json_like(v, (*loc, k), fail) for k, v in node.items()}
    if isinstance(node, list):
        return [_json_like(v, (*loc, i), fail) for i, v in enumerate(node)]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        amount = Decimal(repr(float(node)))
        if not amount.is_finite():
            raise fail(loc, f"{node!r} is not a number JSON allows")
        if len(amount.as_tuple().digits) > FLOAT_DIGITS:
            raise fail(loc, f"{node!r} has more digits than a YAML number keeps exactly; quote it (\"...\")")
        return amount
    if isinstance(node, dt.datetime):
        return node.isoformat()
    if isinstance(node, dt.date):
        return node.isoformat()
    if isinstance(node, str):
        return str(node)
    raise fail(loc, f"unsupported YAML value {shorten(node)}")


def _as_of(raw: Any, fail: Fail, loc: Loc) -> dt.datetime | None:
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        text = raw.isoformat()
    elif isinstance(raw, dt.date):
        text = raw.isoformat()
    elif isinstance(raw, str):
        text = raw
    else:
        raise fail(loc, f"as_of must be a date or a datetime with offset, got {shorten(raw)}")
    try:
        return parse_time(text)
    except ValueError as exc:
        raise fail(loc, f"as_of: {str(exc).replace(chr(39) + 'time' + chr(39), 'as_of')}") from None


def _check_references(spec: _CaseSpec, base: Loc, known: set[str], clause_ids: set[str], fail: Fail) -> None:
    """Ids and clauses a case names must exist: a typo would otherwise fail (or pass) silently."""
    for group in ("expect", "absent"):
        for index, matcher in enumerate(getattr(spec, group)):
            loc: Loc = (*base, group, index)
            if matcher.clause is not None and matcher.clause not in clause_ids:
                raise fail((*loc, "clause"),
                           f"unknown clause {matcher.clause!r}; the contract has {', '.join(sorted(clause_ids))}")
            trigger = matcher.trigger
            if trigger is not None and trigger not in known and not names_contract_trigger(trigger, clause_ids):
                raise fail((*loc, "trigger"), f"trigger {matcher.trigger!r} names no event of this case")
            for position_, event_id in enumerate(matcher.events or []):
                if event_id not in known and not names_contract_trigger(event_id, clause_ids):
                    raise fail((*loc, "events", position_), f"{event_id!r} names no event of this case")
    for key in LIST_KEYS:
        for index, event_id in enumerate(getattr(spec, key) or []):
            if event_id not in known:
                raise fail((*base, key, index), f"{event_id!r} names no event of this case")


# --- running a case -----------------------------------------------------------------------


@dataclass
class ListCheck:
    name: str
    expected: list[str]
    actual: list[str]

    @property
    def ok(self) -> bool:
        return sorted(set(self.expected)) == sorted(set(self.actual))


@dataclass
class CaseResult:
    case: Case
    passed: bool
    findings: list[Finding] = field(default_factory=list)
    matched: list[tuple[Matcher, Finding]] = field(default_factory=list)
    missing: list[tuple[Matcher, Finding | None]] = field(default_factory=list)
    unexpected: list[Finding] = field(default_factory=list)
    forbidden: list[tuple[Matcher, Finding]] = field(default_factory=list)
    lists: list[ListCheck] = field(default_factory=list)
    refused: str | None = None
    lines: list[str] = field(default_factory=list)

    def report(self) -> str:
        """Header, description and the side-by-side lines: what a failing test shows."""
        head = f"{'PASS' if self.passed else 'FAIL'} {self.case.id}  ({self.case.where})"
        out = [head]
        if self.case.description:
            out.append(f"  {self.case.description}")
        if not self.passed:
            out.append("  (= as expected, ! does not hold, + found but not expected)")
        out.extend("  " + line for line in self.lines)
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "file": str(self.case.file),
            "name": self.case.name,
            "line": self.case.line,
            "description": self.case.description,
            "passed": self.passed,
            "missing": [{"expected": m.given(), "nearest": None if f is None else finding_fields(f)}
                        for m, f in self.missing],
            "unexpected": [finding_fields(f) for f in self.unexpected],
            "forbidden": [{"absent": m.given(), "found": finding_fields(f)} for m, f in self.forbidden],
            "lists": [{"name": c.name, "expected": c.expected, "actual": c.actual, "ok": c.ok} for c in self.lists],
            "error": None if self.case.error is None else {"expected": self.case.error, "actual": self.refused},
            "findings": [finding_fields(f) for f in self.findings],
        }


def run_case(case: Case) -> CaseResult:
    """Check the case's events against its contract and compare the findings with the case."""
    contract, templates = load_contract(case.contract_file, case.rules)
    try:
        result = check(contract, templates, case.log, case.as_of)
    except CheckError as exc:
        if case.error is None:
            raise
        refused = str(exc)
        passed = case.error in refused
        row = _row("=" if passed else "!", f"refused with: {case.error!r}", f"refused: {refused}")
        return CaseResult(case=case, passed=passed, refused=refused, lines=_table([row]))
    if case.error is not None:
        row = _row("!", f"refused with: {case.error!r}", "accepted (no error)")
        listed = [_row(" ", "", render_finding(f)) for f in result.findings]
        return CaseResult(case=case, passed=False, findings=list(result.findings), lines=_table([row, *listed]))
    return _compare(case, result)


def _compare(case: Case, result: CheckResult) -> CaseResult:
    findings = list(result.findings)
    assignment = _match(case.expect, findings)
    matched = [(case.expect[i], findings[j]) for i, j in sorted(assignment.items())]
    used = set(assignment.values())
    nearest = {i: _nearest(m, findings, used) for i, m in enumerate(case.expect) if i not in assignment}
    missing = [(case.expect[i], near) for i, near in nearest.items()]
    # `only`: no finding the case's events set off may go unexpected. Findings of the contract's
    # own dates and periods (a monthly report duty) arise in every case; they count only when
    # the case names such a trigger.
    names_synthetic = any(m.trigger is not None and "@" in m.trigger for m in case.expect)
    unexpected = [f for j, f in enumerate(findings)
                  if j not in used and (names_synthetic or not f.events[0].type.startswith("@"))] if case.only else []
    forbidden = [(m, f) for m in case.absent for f in findings if m.matches(f)]
    lists = [ListCheck(key, expected, [e.id for e in getattr(result, _RESULT_LISTS[key])])
             for key, expected in case.lists.items()]
    passed = not missing and not unexpected and not forbidden and all(c.ok for c in lists)

    rows: list[tuple[str, str, str]] = []
    shown: set[int] = set()
    for i, matcher in enumerate(case.expect):
        if i in assignment:
            j = assignment[i]
            shown.add(j)
            rows.append(_row("=", matcher.render(), render_finding(findings[j])))
        else:
            near = nearest[i]
            if near is not None:
                shown.add(next(j for j, f in enumerate(findings) if f is near))
            rows.append(_row("!", matcher.render(), "(no such finding)" if near is None
                             else render_finding(near) + "   <- differs"))
    for j, finding in enumerate(findings):
        if j in shown:
            continue
        if case.only:
            rows.append(_row("+", "(not expected: only)", render_finding(finding)))
        else:
            rows.append(_row(" ", "(not listed)", render_finding(finding)))
    for matcher in case.absent:
        hits = [f for f in findings if matcher.matches(f)]
        if not hits:
            rows.append(_row("=", "absent: " + matcher.render(), "(none)"))
        for hit in hits:
            rows.append(_row("!", "absent: " + matcher.render(), render_finding(hit)))
    for check_ in lists:
        rows.append(_row("=" if check_.ok else "!", f"{check_.name}: {_ids(sorted(set(check_.expected)))}",
                         f"{check_.name}: {_ids(sorted(set(check_.actual)))}"))
    if not rows:
        rows.append(_row("=", "(nothing expected)", "(no findings)"))
    lines = _table(rows)
    return CaseResult(case=case, passed=passed, findings=findings, matched=matched, missing=missing,
                      unexpected=unexpected, forbidden=forbidden, lists=lists, lines=lines)


def _row(mark: str, left: str, right: str) -> tuple[str, str, str]:
    return (mark, left, right)


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    """Expected on the left, actual on the right; the mark says =: as expected, !: wrong, +: extra."""
    width = max([len("expected"), *(len(r[1]) for r in rows)])
    head = f"  {'expected'.ljust(width)} | actual"
    return [head, *(f"{mark} {left.ljust(width)} | {right}".rstrip() for mark, left, right in rows)]


def _match(expect: list[Matcher], findings: list[Finding]) -> dict[int, int]:
    """A maximum one-to-one assignment of expectations to findings (Kuhn's augmenting paths)."""
    candidates = [[j for j, f in enumerate(findings) if m.matches(f)] for m in expect]
    owner: dict[int, int] = {}

    def augment(i: int, visited: set[int]) -> bool:
        for j in candidates[i]:
            if j in visited:
                continue
            visited.add(j)
            if j not in owner or augment(owner[j], visited):
                owner[j] = i
                return True
        return False

    for i in range(len(expect)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _nearest(matcher: Matcher, findings: list[Finding], used: set[int]) -> Finding | None:
    """The finding most like an unmatched expectation: same clause and trigger at least, if given."""
    best: tuple[int, int] | None = None
    for j, finding in enumerate(findings):
        fields_ = finding_fields(finding)
        if any(key in matcher.given() and fields_[key] != matcher.given()[key] for key in ("clause", "trigger")):
            continue
        score = matcher.score(finding) * 2 + (0 if j in used else 1)
        if best is None or score > best[0]:
            best = (score, j)
    return None if best is None else findings[best[1]]


@dataclass(frozen=True)
class RowCoverage:
    """One verdict row of a rule template and whether any scenario's findings came from it."""

    template: str
    obligation: str
    row: int
    verdict: str
    reason: str
    covered: bool

    def to_json(self) -> dict[str, Any]:
        return {"template": self.template, "obligation": self.obligation, "row": self.row + 1,
                "verdict": self.verdict, "reason": self.reason, "covered": self.covered}


def row_coverage(results: Sequence[CaseResult]) -> list[RowCoverage]:
    """Verdict rows of every template the cases' contracts use, marked covered or not."""
    used: dict[str, LoadedTemplate] = {}
    for result in results:
        contract, templates = load_contract(result.case.contract_file, result.case.rules)
        for clause in contract.contract.clauses:
            used[clause.template] = templates[clause.template]
    hit = {(f.rule, f.obligation, f.row) for r in results for f in r.findings}
    rows: list[RowCoverage] = []
    for tid in sorted(used):
        for ob in used[tid].template.obligations:
            for index, row in enumerate(ob.verdicts):
                rows.append(RowCoverage(tid, ob.name, index, row.verdict, row.reason, (tid, ob.name, index) in hit))
    return rows
