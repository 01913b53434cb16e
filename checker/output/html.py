"""Self-contained HTML compliance report (templates/report.html.j2), for counsel and executives.

One file, no external request of any kind (a Content-Security-Policy meta tag forbids them),
inline CSS and SVG, autoescaped. This module only prepares data: every tag is in the template.

The helpers `run_header`, `when` and `key_fields` are shared with the Markdown, SARIF and
JUnit renderers so that the four formats describe a run the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from .. import __version__
from ..errors import CheckError
from ..findings import CheckResult, ClauseInfo, Finding
from ..models import VERDICT_ORDER, Event
from .escape import human, show_decimal, show_int

STDIN_NAMES = frozenset({"<stdin>", "-"})
# Event fields that are commentary, not facts a verdict rests on: left out of "key fields".
COMMENTARY_FIELDS = frozenset({"note", "notes", "comment", "description"})
KEY_FIELD_LIMIT = 120

# Above this many findings the report switches to its compact layout: evidence events are
# cited by id only and the timeline bins its marks (one mark per verdict and time slot), so
# that 100 000 findings stay around 20 MB. Below it every finding has its own timeline mark.
DETAILED_LIMIT = 2000
# In the compact layout a verdict group longer than this starts closed: a browser lays out a
# closed <details> only when it is opened, so a huge report still opens in a second or two.
OPEN_LIMIT = 500

VERDICT_LABELS = {
    "breach": "Breach",
    "grey": "Grey zone",
    "pending": "Pending",
    "ok": "Kept",
    "info": "Information",
}
VERDICT_BLURBS = {
    "breach": "obligations broken",
    "grey": "need legal review",
    "pending": "deadline not yet reached",
    "ok": "kept, exempted or lapsed lawfully",
    "info": "facts to know",
}
RANK = {v: i for i, v in enumerate(VERDICT_ORDER)}


# --- shared helpers ----------------------------------------------------------------------


def file_sha256(path: str) -> str | None:
    """SHA-256 of a file as it is now; None for standard input or a file that cannot be read."""
    if path in STDIN_NAMES:
        return None
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except (OSError, ValueError):  # ValueError: a NUL or a lone surrogate in the path
        return None
    return digest.hexdigest()


def generated_at() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH (reproducible builds) when set, so a report can be byte-identical."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw.strip() == "":
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        return dt.datetime.fromtimestamp(int(raw.strip()), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise CheckError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01, not {raw!r}") from None


def when(moment: dt.datetime | dt.date | None) -> str:
    """A date when the time is midnight UTC (how the log wrote it), else an ISO UTC time."""
    if moment is None:
        return ""
    if not isinstance(moment, dt.datetime):
        return moment.isoformat()
    utc = moment.astimezone(dt.UTC)
    if utc.time() == dt.time(0):
        return utc.date().isoformat()
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(moment: dt.datetime) -> str:
    """A full UTC timestamp, seconds included."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def show_value(value: Any) -> str:
    """A parameter or field value as a reader expects it: lists joined, amounts grouped."""
    if isinstance(value, (list, tuple)):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show_value(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return show_decimal(value)
    if isinstance(value, int):
        return show_int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return when(value)
    return str(value)


def key_fields(event: Event, limit: int = KEY_FIELD_LIMIT) -> list[tuple[str, str]]:
    """The type-specific fields of an event, commentary left out, long values shortened.

    Names and values are escaped for humans (`escape.human`): a line break or a bidirectional
    control in a value shows as an escape, never acts."""
    pairs = []
    for name, value in event.fields.items():
        if name in COMMENTARY_FIELDS:
            continue
        text = " ".join(human(show_value(value)).split())
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        pairs.append((human(name), text))
    return pairs


@dataclass(frozen=True)
class Source:
    path: str
    sha256: str | None

    @property
    def is_stdin(self) -> bool:
        return self.path in STDIN_NAMES


@dataclass(frozen=True)
class RunHeader:
    contract_id: str
    contract: Source
    events: list[Source]
    as_of: dt.datetime
    version: str
    generated_at: dt.datetime


def sources(result: CheckResult) -> tuple[Source, list[Source]]:
    """The contract file and the event logs of a run, each with its SHA-256 (when it has a file)."""
    return (Source(result.contract_file, file_sha256(result.contract_file)),
            [Source(p, file_sha256(p)) for p in result.event_sources])


def run_header(result: CheckResult) -> RunHeader:
    contract, events = sources(result)
    return RunHeader(
        contract_id=result.contract_id,
        contract=contract,
        events=events,
        as_of=result.as_of,
        version=__version__,
        generated_at=generated_at(),
    )


def worst(verdicts: Iterable[str]) -> str | None:
    ranked = sorted(verdicts, key=RANK.__getitem__)
    return ranked[0] if ranked else None


def clause_infos(result: CheckResult) -> list[ClauseInfo]:
    """The contract's clauses, plus a stand-in for any clause a finding names but the list lacks."""
    infos = list(result.clauses)
    known = {c.id for c in infos}
    for f in result.findings:
        if f.clause not in known:
            known.add(f.clause)
            infos.append(ClauseInfo(id=f.clause, section="", title="", text="", template=f.rule,
                                    severity=f.severity, parameters={}, assumptions={}, line=0))
    return infos


def human_finalize(value: Any) -> Any:
    """Every `{{ value }}` of a template, escaped for humans (`escape.human`) before autoescape."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return human(value)


def text_lines(value: Any) -> Markup:
    """A multi-line text written by a person (a clause's legal text): its line breaks kept as
    line breaks (the template shows them with `white-space: pre-line`), every other unsafe
    character escaped for humans, the whole escaped for HTML."""
    lines = str(value).replace("\r\n", "\n").split("\n")
    return Markup("\n").join(Markup.escape(human(line)) for line in lines)


def new_environment(finalize: Callable[[Any], Any] | None = human_finalize) -> jinja2.Environment:
    """A jinja2 environment over the package's templates/, autoescape on for every template.

    By default every value a template writes goes through `human_finalize`, so a control or
    bidirectional character from the data is shown as an escape in the report."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("checker.output", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize,
    )
    env.filters["when"] = when
    env.filters["stamp"] = stamp
    env.filters["value"] = show_value
    env.filters["lines"] = text_lines
    env.filters["key_fields"] = key_fields
    env.globals["VERDICT_LABELS"] = VERDICT_LABELS
    env.globals["VERDICT_ORDER"] = VERDICT_ORDER
    return env


@cache
def html_environment() -> jinja2.Environment:
    return new_environment()


# --- the timeline ------------------------------------------------------------------------

TL_WIDTH = 1000.0
TL_LEFT = 96.0
TL_RIGHT = 16.0
TL_TOP = 26.0
TL_LANE = 22.0
BIN_WIDTH = 4.0


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    verdict: str
    finding: Finding


@dataclass(frozen=True)
class Bin:
    x: float
    y: float
    width: float
    height: float
    verdict: str
    count: int
    start: dt.datetime
    end: dt.datetime


@dataclass
class Timeline:
    width: float
    height: float
    plot_left: float
    plot_right: float
    axis_y: float
    lanes: list[tuple[str, float]]
    ticks: list[Tick]
    start: dt.datetime
    end: dt.datetime
    term: tuple[float, float, str, str] | None
    as_of_x: float | None
    marks: list[Mark] = field(default_factory=list)
    bins: list[Bin] = field(default_factory=list)


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return None


def contract_term(result: CheckResult) -> tuple[dt.datetime, dt.datetime] | None:
    """The contract term, when the result carries it (`effective` and `expires`)."""
    start = _as_datetime(getattr(result, "effective", None))
    end = _as_datetime(getattr(result, "expires", None))
    return (start, end) if start is not None and end is not None else None


MAX_TICKS = 14


def _ticks(start: dt.datetime, end: dt.datetime, x_of: Callable[[dt.datetime], float]) -> list[Tick]:
    """Axis ticks on 1 January (spans over two years) or on the first of a month, at most MAX_TICKS."""
    ticks: list[Tick] = []
    if (end - start).days > 2 * 366:
        years = end.year - start.year
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10000) if years / s <= MAX_TICKS)
        for year in range(start.year + 1, end.year + 1):
            moment = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
            if year % step == 0 and start <= moment <= end:
                ticks.append(Tick(x_of(moment), str(year)))
        return ticks
    months = (end.year - start.year) * 12 + end.month - start.month
    step = next(s for s in (1, 2, 3, 6, 12) if months / s <= MAX_TICKS)
    year, month = start.year, start.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        moment = dt.datetime(year, month, 1, tzinfo=dt.UTC)
        if moment > end:
            return ticks
        if (month - 1) % step == 0:
            ticks.append(Tick(x_of(moment), moment.strftime("%Y-%m")))


def timeline(result: CheckResult, detailed: bool) -> Timeline:
    term = contract_term(result)
    moments = [f.time for f in result.findings] + [e.time for e in result.events] + [result.as_of]
    if term is not None:
        moments.extend(term)
    lo, hi = min(moments), max(moments)
    if hi - lo < dt.timedelta(days=60):
        lo, hi = lo - dt.timedelta(days=30), hi + dt.timedelta(days=30)
    pad = (hi - lo) * 0.02
    start, end = lo - pad, hi + pad
    span = (end - start).total_seconds()
    plot_right = TL_WIDTH - TL_RIGHT

    def x_of(moment: dt.datetime) -> float:
        return round(TL_LEFT + (plot_right - TL_LEFT) * (moment - start).total_seconds() / span, 1)

    lanes = [(v, TL_TOP + TL_LANE * (i + 0.5)) for i, v in enumerate(VERDICT_ORDER)]
    lane_y = dict(lanes)
    axis_y = TL_TOP + TL_LANE * len(VERDICT_ORDER) + 4
    line = Timeline(
        width=TL_WIDTH, height=axis_y + 22, plot_left=TL_LEFT, plot_right=plot_right, axis_y=axis_y,
        lanes=lanes, ticks=_ticks(start, end, x_of), start=start, end=end,
        term=(x_of(term[0]), x_of(term[1]), when(term[0]), when(term[1])) if term else None,
        as_of_x=x_of(result.as_of),
    )
    if detailed:
        stacked: Counter[tuple[str, float]] = Counter()
        for f in result.findings:
            x = x_of(f.time)
            spot = (f.verdict, round(x / 3))
            offset = (stacked[spot] % 3 - 1) * 5.0
            stacked[spot] += 1
            line.marks.append(Mark(x, lane_y[f.verdict] + offset, f.verdict, f))
        return line
    groups: dict[tuple[str, int], list[Finding]] = {}
    for f in result.findings:
        groups.setdefault((f.verdict, int((x_of(f.time) - TL_LEFT) // BIN_WIDTH)), []).append(f)
    largest = max((len(g) for g in groups.values()), default=1)
    for (verdict, slot), members in sorted(groups.items(), key=lambda kv: (RANK[kv[0][0]], kv[0][1])):
        height = 4.0 + (TL_LANE - 6.0) * (len(members) / largest) ** 0.5
        line.bins.append(Bin(
            x=round(TL_LEFT + slot * BIN_WIDTH, 1), y=round(lane_y[verdict] - height / 2, 1),
            width=BIN_WIDTH - 0.6, height=round(height, 1), verdict=verdict, count=len(members),
            start=min(f.time for f in members), end=max(f.time for f in members),
        ))
    return line


# --- clauses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseView:
    info: ClauseInfo
    groups: list[tuple[str, list[Finding]]]
    counts: dict[str, int]
    worst: str | None
    total: int
    parameters: list[tuple[str, str, str | None]]


def clause_views(result: CheckResult) -> list[ClauseView]:
    by_clause: dict[str, dict[str, list[Finding]]] = {}
    for f in result.findings:
        by_clause.setdefault(f.clause, {}).setdefault(f.verdict, []).append(f)
    views = []
    for order, info in enumerate(clause_infos(result)):
        groups = by_clause.get(info.id, {})
        counts = {v: len(groups.get(v, ())) for v in VERDICT_ORDER}
        views.append((order, ClauseView(
            info=info,
            groups=[(v, groups[v]) for v in VERDICT_ORDER if v in groups],
            counts=counts,
            worst=worst(groups),
            total=sum(counts.values()),
            parameters=[(name, show_value(value), info.assumptions.get(name))
                        for name, value in info.parameters.items()],
        )))
    # Worst verdict first; clauses no event exercised last; contract order within a rank.
    views.sort(key=lambda ov: (RANK[ov[1].worst] if ov[1].worst else len(RANK), ov[0]))
    return [view for _, view in views]


def sections_by_clause(result: CheckResult) -> dict[str, str]:
    return {c.id: c.section for c in result.clauses}


def grey_groups(result: CheckResult) -> list[tuple[str, str, list[Finding]]]:
    """Grey findings grouped by clause and reason, in report order (the compact layout's index)."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in result.findings:
        if f.verdict == "grey":
            groups.setdefault((f.clause, f.reason), []).append(f)
    return [(clause, reason, members) for (clause, reason), members in groups.items()]


def render(result: CheckResult, options: Any = None) -> str:
    detailed = len(result.findings) <= DETAILED_LIMIT
    template = html_environment().get_template("report.html.j2")
    summary = result.summary()
    return template.render(
        header=run_header(result),
        summary=summary,
        total=sum(summary.values()),
        blurbs=VERDICT_BLURBS,
        timeline=timeline(result, detailed),
        term_known=contract_term(result) is not None,
        clauses=clause_views(result),
        sections=sections_by_clause(result),
        grey=[f for f in result.findings if f.verdict == "grey"],
        grey_groups=grey_groups(result),
        waived=Counter(f.verdict for f in result.findings if f.waiver is not None),
        waived_total=sum(1 for f in result.findings if f.waiver is not None),
        expired_waivers=result.expired_waivers,
        stale_waivers=result.stale_waivers,
        uncovered=result.uncovered,  # in the result's order, so equal inputs give equal reports
        out_of_term=result.out_of_term,
        after_as_of=result.after_as_of,
        skipped=result.skipped,
        unexercised=result.unexercised_clauses,
        detailed=detailed,
        detailed_limit=DETAILED_LIMIT,
        open_limit=OPEN_LIMIT,
    )
