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
import re
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


def when_cell(moment: dt.datetime | dt.date | None) -> Markup:
    """`when` for a narrow table cell: a UTC time may go to the next line before its "T"."""
    date, sep, rest = when(moment).partition("T")
    return Markup.escape(date) + (Markup("<wbr>") + Markup.escape(sep + rest) if sep else Markup(""))


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


# A date or UTC time in a sentence: kept on one line (a line break after its first hyphen reads
# as two numbers).
ISO_MOMENT = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?Z?)?\b")


def prose(value: Any) -> Markup:
    """A sentence of the report (a finding's message): escaped for humans and for HTML, each
    date in it wrapped so that the line never breaks inside the date."""
    escaped = str(Markup.escape(human(value)))
    return Markup(ISO_MOMENT.sub(lambda m: f'<span class="nb">{m.group(0)}</span>', escaped))


def new_environment(finalize: Callable[[Any], Any] | None = human_finalize) -> jinja2.Environment:
    """A jinja2 environment over the package's templates/, autoescape on for every template.

    By default every value a template writes goes through `human_finalize`, so a control or
    bidirectional character from the data is shown as an escape in the report."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("checker.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize,
    )
    env.filters["when"] = when
    env.filters["stamp"] = stamp
    env.filters["when_cell"] = when_cell
    env.filters["value"] = show_value
    env.filters["lines"] = text_lines
    env.filters["prose"] = prose
    env.filters["key_fields"] = key_fields
    env.globals["VERDICT_LABELS"] = VERDICT_LABELS
    env.globals["VERDICT_ORDER"] = VERDICT_ORDER
    env.globals["reason_anchor"] = reason_anchor
    return env


@cache
def html_environment() -> jinja2.Environment:
    return new_environment()


# --- the timeline ------------------------------------------------------------------------
# The timeline is an SVG without a viewBox: every horizontal position is a percentage of its
# width and every vertical one is in CSS pixels, so text and marks keep their size from a
# 400 px phone to a desktop screen and on paper; only the distances between marks change.
# The lane labels are HTML beside it (the template), on the same pixel rows.

TL_TOP = 34.0  # two rows of labels above the lanes: the term, then the as-of time
TL_LANE = 24.0
TL_MARK = 12.0
TL_EDGE = 4.0  # percent of the axis left free on either side of the first and last event
TL_MIN_SPAN = dt.timedelta(days=60)
BIN_SLOTS = 220  # the compact layout's time slots across the axis
MAX_TICKS = 12
NARROW_TICKS = 5  # labelled ticks on a narrow screen (the others keep their tick line)
# Two marks of a lane closer than this (percent of the axis) are drawn on different rows.
MARK_GAP = 2.0
MARK_ROWS = (0.0, -5.0, 5.0)


@dataclass(frozen=True)
class Tick:
    x: float  # percent
    label: str
    major: bool = True  # labelled on a narrow screen too
    anchor: str = "middle"


@dataclass(frozen=True)
class Mark:
    x: float  # percent
    y: float  # px, the mark's centre
    verdict: str
    finding: Finding


@dataclass(frozen=True)
class Bin:
    x: float  # percent
    y: float
    width: float  # percent
    height: float
    verdict: str
    count: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Edge:
    """One end of the contract term, or the as-of time: on the axis, or beyond one of its ends."""

    label: str
    x: float | None  # percent when on the axis
    side: str  # "in", "before" (left of the axis) or "after" (right of it)
    anchor: str  # text-anchor of its label

    @property
    def inside(self) -> bool:
        return self.side == "in"


@dataclass
class Timeline:
    height: float
    axis_y: float
    lanes: list[tuple[str, float]]
    ticks: list[Tick]
    start: dt.datetime
    end: dt.datetime
    first: dt.datetime | None  # the first and last event or finding the axis was fitted to
    last: dt.datetime | None
    term: tuple[float, float, str, str] | None  # the term's band on the axis (percent) and its dates
    effective: Edge | None
    expires: Edge | None
    term_dates: tuple[str, str] | None
    as_of: Edge
    marks: list[Mark] = field(default_factory=list)
    bins: list[Bin] = field(default_factory=list)

    @property
    def lane_top(self) -> float:
        return self.lanes[0][1] - TL_LANE / 2


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


def _ticks(start: dt.datetime, end: dt.datetime, x_of: Callable[[dt.datetime], float]) -> list[Tick]:
    """Axis ticks on 1 January (spans over two years) or on the first of a month, at most
    MAX_TICKS; about NARROW_TICKS of them are `major` (labelled on a narrow screen)."""
    moments: list[tuple[dt.datetime, str]] = []
    if (end - start).days > 2 * 366:
        years = end.year - start.year
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10000) if years / s <= MAX_TICKS)
        for year in range(start.year + 1, end.year + 1):
            moment = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
            if year % step == 0 and start <= moment <= end:
                moments.append((moment, str(year)))
    else:
        months = (end.year - start.year) * 12 + end.month - start.month
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= MAX_TICKS)
        year, month = start.year, start.month
        while True:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            moment = dt.datetime(year, month, 1, tzinfo=dt.UTC)
            if moment > end:
                break
            if (month - 1) % step == 0:
                moments.append((moment, moment.strftime("%Y-%m")))
    every = -(-len(moments) // NARROW_TICKS) if moments else 1
    ticks = []
    for i, (moment, label) in enumerate(moments):
        x = x_of(moment)
        anchor = "start" if x < 6 else "end" if x > 94 else "middle"
        ticks.append(Tick(x, label, major=(i % every == 0), anchor=anchor))
    return ticks


def _edge(label: str, moment: dt.datetime, start: dt.datetime, end: dt.datetime,
          x_of: Callable[[dt.datetime], float], prefer: str) -> Edge:
    """A moment as a line on the axis, or as an arrow at the end of the axis it lies beyond.
    `prefer` is the side the label grows towards (start: to the right) when there is room."""
    if moment < start:
        return Edge(f"← {label}", None, "before", "start")
    if moment > end:
        return Edge(f"{label} →", None, "after", "end")
    x = x_of(moment)
    if prefer == "start":
        anchor = "start" if x < 70 else "end"
    elif prefer == "end":
        anchor = "end" if x > 30 else "start"
    else:
        anchor = "start" if x < 20 else "end" if x > 80 else "middle"
    return Edge(label, x, "in", anchor)


def timeline(result: CheckResult, detailed: bool) -> Timeline:
    """The timeline fitted to the span of the events and findings (with a margin), not to the
    contract term: a term of decades would crowd a few years of events into a corner. The term's
    ends and the as-of time are drawn where they fall on that axis, or as arrows at its ends."""
    term = contract_term(result)
    moments = [f.time for f in result.findings] + [e.time for e in result.events]
    first, last = (min(moments), max(moments)) if moments else (None, None)
    if first is not None and last is not None:
        lo, hi = first, last
        # The as-of time joins the axis when it is near the events (it usually is the last one).
        if lo - (hi - lo) / 4 <= result.as_of <= hi + (hi - lo) / 4 + dt.timedelta(days=30):
            lo, hi = min(lo, result.as_of), max(hi, result.as_of)
    elif term is not None:
        lo, hi = term
    else:
        lo = hi = result.as_of
    if hi - lo < TL_MIN_SPAN:
        middle = lo + (hi - lo) / 2
        lo, hi = middle - TL_MIN_SPAN / 2, middle + TL_MIN_SPAN / 2
    pad = (hi - lo) * (TL_EDGE / (100 - 2 * TL_EDGE))
    start, end = lo - pad, hi + pad
    span = (end - start).total_seconds()

    def x_of(moment: dt.datetime) -> float:
        return round(100 * (moment - start).total_seconds() / span, 2)

    lanes = [(v, TL_TOP + TL_LANE * (i + 0.5)) for i, v in enumerate(VERDICT_ORDER)]
    lane_y = dict(lanes)
    axis_y = TL_TOP + TL_LANE * len(VERDICT_ORDER) + 2
    band = None
    effective = expires = None
    if term is not None:
        effective = _edge(f"effective {when(term[0])}", term[0], start, end, x_of, "start")
        expires = _edge(f"expires {when(term[1])}", term[1], start, end, x_of, "end")
        if term[0] <= end and term[1] >= start:
            left = x_of(max(term[0], start))
            band = (left, round(x_of(min(term[1], end)) - left, 2), when(term[0]), when(term[1]))
    line = Timeline(
        height=axis_y + 22, axis_y=axis_y, lanes=lanes, ticks=_ticks(start, end, x_of),
        start=start, end=end, first=first, last=last, term=band, effective=effective, expires=expires,
        term_dates=(when(term[0]), when(term[1])) if term else None,
        as_of=_edge(f"as of {when(result.as_of)}", result.as_of, start, end, x_of, "middle"),
    )
    if detailed:
        placed = sorted(((x_of(f.time), i, f) for i, f in enumerate(result.findings)),
                        key=lambda t: (RANK[t[2].verdict], t[0], t[1]))
        rows_end: dict[str, list[float]] = {}
        for x, _, f in placed:
            ends = rows_end.setdefault(f.verdict, [-100.0] * len(MARK_ROWS))
            row = next((r for r, e in enumerate(ends) if x - e >= MARK_GAP), min(range(len(ends)), key=ends.__getitem__))
            ends[row] = x
            line.marks.append(Mark(x, lane_y[f.verdict] + MARK_ROWS[row], f.verdict, f))
        return line
    groups: dict[tuple[str, int], list[Finding]] = {}
    for f in result.findings:
        slot = min(BIN_SLOTS - 1, max(0, int(x_of(f.time) * BIN_SLOTS / 100)))
        groups.setdefault((f.verdict, slot), []).append(f)
    largest = max((len(g) for g in groups.values()), default=1)
    slot_width = 100 / BIN_SLOTS
    for (verdict, slot), members in sorted(groups.items(), key=lambda kv: (RANK[kv[0][0]], kv[0][1])):
        height = 4.0 + (TL_LANE - 8.0) * (len(members) / largest) ** 0.5
        line.bins.append(Bin(
            x=round(slot * slot_width, 3), y=round(lane_y[verdict] - height / 2, 1),
            width=round(slot_width * 0.85, 3), height=round(height, 1), verdict=verdict, count=len(members),
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


# --- reason codes ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonNote:
    """An explanation of a reason code, and the templates it holds for."""

    templates: tuple[str, ...]
    text: str
    example: str | None  # the finding `text` was taken from, when it is an example, not a definition


@dataclass(frozen=True)
class ReasonDoc:
    """What a reason code shown in a report means, for a reader who has not read the templates."""

    reason: str
    verdicts: tuple[str, ...]  # the verdicts it comes with, worst first
    templates: tuple[str, ...]  # the rule templates whose verdict rows give it
    notes: tuple[ReasonNote, ...]
    count: int

    @property
    def anchor(self) -> str:
        return reason_anchor(self.reason)


def reason_anchor(reason: str) -> str:
    return f"reason-{reason}"


def reason_explanation(finding: Finding) -> tuple[str, str | None]:
    """The explanation of a finding's reason code, and the id of the finding it was taken from
    when it is an example rather than a definition.

    A finding that carries its verdict row's documentation (`doc`) is explained by it. Until
    findings do, the explanation is the finding's own message: what the template's verdict row
    said in this case — an example, and the report says it is one."""
    doc = getattr(finding, "doc", None)
    if isinstance(doc, str) and doc.strip():
        return " ".join(doc.split()), None
    return finding.message, finding.id


def reason_docs(findings: Iterable[Finding]) -> list[ReasonDoc]:
    """One entry per reason code among `findings`, in alphabetical order.

    Each template's explanation comes from its first verdict row that gives the code (the
    lowest row; the first such finding of the report when several do). Documented explanations
    are listed once per distinct text; an example is given once, from the first template."""
    first: dict[str, dict[str, Finding]] = {}
    verdicts: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for f in findings:
        counts[f.reason] += 1
        verdicts.setdefault(f.reason, set()).add(f.verdict)
        by_template = first.setdefault(f.reason, {})
        known = by_template.get(f.rule)
        if known is None or (f.obligation, f.row) < (known.obligation, known.row):
            by_template[f.rule] = f
    docs = []
    for reason in sorted(first):
        by_template = first[reason]
        documented: dict[str, list[str]] = {}
        undocumented: list[str] = []
        for template, f in by_template.items():
            text, example = reason_explanation(f)
            if example is None:
                documented.setdefault(text, []).append(template)
            else:
                undocumented.append(template)
        notes = [ReasonNote(tuple(templates), text, None) for text, templates in documented.items()]
        if undocumented:
            text, example = reason_explanation(by_template[undocumented[0]])
            notes.append(ReasonNote(tuple(undocumented), text, example))
        docs.append(ReasonDoc(reason=reason, verdicts=tuple(sorted(verdicts[reason], key=RANK.__getitem__)),
                              templates=tuple(by_template), notes=tuple(notes), count=counts[reason]))
    return docs


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
        reasons=reason_docs(result.findings),
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
