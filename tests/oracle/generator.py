"""Seeded random event logs over the example contract, and a greedy shrinker.

``generate_log(seed, size)`` builds a log of exactly ``size`` events (as dicts, in file order)
from small "stories" around the contract's clauses, biased towards the places where engines go
wrong: timings exactly at, one second and one day before and after the 30/45/90-day deadlines,
equal timestamps (with evidence before or after its trigger in file order), the 92 bn revenue
cap reached exactly or overshot, partial / split / late / over payments, exemptions signed or
proposed before and after the withholding or the deadline, AGI declarations above / at / below
the threshold or without profits, before and after other triggers, ROFR offers accepted,
declined or left unanswered, wrong actors, events outside the term, and event types no clause
addresses.  Times are date-only (00:00 UTC) or datetimes with various offsets; money is an int
or a decimal string, never a float.  All ``ref`` fields name ids present in the log.

Two more families of shapes (SPEC §10) leave these logs unchanged for a given seed:
``generate_subsecond_log`` runs the same stories with every deadline, window and term edge
approached by a fraction of a second (1 µs to 0.999999 s), times written with fractions and with
offsets such as ``+05:30`` or ``-00:00:00.5``; ``generate_mixed_log`` mixes numbers, strings that
spell numbers and booleans into list items and correlation fields.  ``to_json_line`` writes an
event as JSON with its numbers spelt exactly as generated.

``shrink(log, still_fails)`` greedily drops events (with every event that refers to them) while
``still_fails`` keeps returning true, to print a minimal disagreeing log.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from .reference import parse_time

Event = dict[str, Any]

OBLIGOR = "openai"
HOLDER = "microsoft"
PARTIES = (OBLIGOR, HOLDER)
EFFECTIVE = datetime(2019, 7, 22, tzinfo=UTC)
TERM_END = datetime(2031, 1, 1, tzinfo=UTC)  # exclusive
IN_SCOPE = ("model_weights", "inference_code")
EXCLUDED = ("product_information", "user_interface")
UNCLEAR = ("training_data", "safety_research")
ALL_KINDS = IN_SCOPE + EXCLUDED + UNCLEAR
SHARE = Decimal("0.2")
CAP = Decimal(92_000_000_000)
AGI_THRESHOLD = Decimal(100_000_000_000)
DISCLOSURE = timedelta(days=90)
PAYMENT = timedelta(days=45)
ROFR = timedelta(days=30)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)

PRODUCTS = ("gpt-2", "gpt-3", "codex", "dall-e", "chatgpt", "gpt-4", "sora", "o1")
TARGETS = ("rockset", "global-illumination", "windsurf", "io-products", "statsig")
PROVIDERS = ("oracle", "google", "coreweave", "aws", HOLDER)
OFFSETS = (
    UTC,
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-8)),
)
# Instants at the edges of the term, written with the offset that makes them tricky.
TERM_EDGES = (
    "2019-07-21",
    "2019-07-21T23:59:59Z",
    "2019-07-22T00:00:00+02:00",  # 2019-07-21T22:00Z: before the term
    "2019-07-22",
    "2019-07-21T20:00:00-04:00",  # 2019-07-22T00:00Z: first instant in term
    "2030-12-31T23:59:59Z",
    "2031-01-01T00:30:00+01:00",  # 2030-12-31T23:30Z: still in term
    "2031-01-01",
    "2030-12-31T20:00:00-05:00",  # 2031-01-01T01:00Z: out of term
    "2031-06-01T00:00:00Z",
    "2018-03-01",
)
NOISE_TYPES = (
    "antitrust_complaint",
    "explanation_request",
    "board_meeting",
    "press_release",
    "partnership_review",
)


def _parse(text: str) -> datetime:
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return datetime.fromisoformat(text).astimezone(UTC)


class _Gen:
    def __init__(self, rng: random.Random, size: int) -> None:
        self.rng = rng
        self.size = size
        self.events: list[Event] = []
        self.times: dict[str, datetime] = {}  # id -> UTC time
        self.next_id = 1
        self.reports: list[tuple[datetime, Decimal]] = []  # openai in-term reports: 20 % each
        # A compact window so that deadlines interact; the last event is usually the horizon.
        choice = rng.random()
        if choice < 0.15:
            self.start = EFFECTIVE - timedelta(days=rng.randint(0, 20))
        elif choice < 0.3:
            self.start = TERM_END - timedelta(days=rng.randint(100, 250))
        else:
            self.start = EFFECTIVE + timedelta(days=rng.randint(30, 3900))
        self.span = timedelta(days=rng.choice((60, 120, 200, 365, 500)))
        self.end = self.start + self.span

    # ---- primitives

    def fmt(self, at: datetime) -> str:
        at = at.astimezone(UTC)
        midnight = at.hour == 0 and at.minute == 0 and at.second == 0
        if midnight and self.rng.random() < 0.55:
            return at.date().isoformat()
        tz = self.rng.choice(OFFSETS)
        text = at.astimezone(tz).isoformat()
        if text.endswith("+00:00") and self.rng.random() < 0.6:
            text = text[:-6] + "Z"
        return text

    # Hooks the sub-second and mixed-type generators override; none of them draws from the RNG
    # here, so the original shapes give the same logs for the same seed.
    term_edges: tuple[str, ...] = TERM_EDGES

    @property
    def tick(self) -> timedelta:
        """The small step taken around an edge: one second here."""
        return SECOND

    def exact(self, at: datetime) -> datetime:
        """The UTC instant an event is written at (whole seconds here)."""
        return at.astimezone(UTC).replace(microsecond=0)

    def parse(self, text: str) -> datetime:
        return _parse(text)

    def emit(self, at: datetime | str, event_type: str, actor: str = OBLIGOR, **fields: Any) -> str:
        event_id = f"e{self.next_id}"
        self.next_id += 1
        if isinstance(at, str):
            text, utc = at, self.parse(at)
        else:
            utc = self.exact(at)
            text = self.fmt(utc)
        event: Event = {"id": event_id, "time": text, "type": event_type, "actor": actor}
        event.update({k: v for k, v in fields.items() if v is not None})
        self.events.append(event)
        self.times[event_id] = utc
        return event_id

    def money(self, amount: Decimal) -> int | str:
        if amount == amount.to_integral_value() and self.rng.random() < 0.5:
            return int(amount)
        return format(amount, "f")

    def day_time(self, lo: datetime | None = None, hi: datetime | None = None) -> datetime:
        """A random instant in [lo, hi]: midnight UTC half of the time, else with seconds."""
        lo = lo or self.start
        hi = hi or self.end
        days = max(0, (hi - lo).days)
        at = lo + timedelta(days=self.rng.randint(0, days))
        if self.rng.random() < 0.5:
            return datetime(at.year, at.month, at.day, tzinfo=UTC)
        return at + timedelta(seconds=self.rng.randint(0, 86399))

    def near(self, period: timedelta) -> timedelta:
        """An offset at, just before or just after ``period`` (or somewhere inside it)."""
        return self.rng.choice(
            (
                period,
                period,
                period - SECOND,
                period + SECOND,
                period - DAY,
                period + DAY,
                timedelta(0),
                SECOND,
                DAY,
                period / 2,
                -DAY,
            )
        )

    def actor(self, right: str) -> str:
        """The right actor, sometimes the wrong one."""
        if self.rng.random() < 0.1:
            return HOLDER if right == OBLIGOR else OBLIGOR
        return right

    def trigger_time(self, period: timedelta) -> datetime | str:
        """When a trigger happens: random, anchored on the horizon, or at a term edge."""
        roll = self.rng.random()
        if roll < 0.08:
            return self.rng.choice(self.term_edges)
        if roll < 0.45:
            return self.end - self.near(period)
        return self.day_time(self.start, self.end - timedelta(days=10))

    def at(self, ref_id: str, offset: timedelta) -> datetime:
        return self.times[ref_id] + offset

    # ---- stories

    def story_ip(self) -> None:
        acquisition = self.rng.random() < 0.4
        kinds = self.rng.sample(ALL_KINDS, self.rng.randint(1, 3))
        when = self.trigger_time(DISCLOSURE)
        actor = self.actor(OBLIGOR)
        if acquisition:
            subject = self.rng.choice(TARGETS)
            amount = Decimal(self.rng.randint(1, 9000)) * Decimal(1_000_000)
            trigger = self.emit(
                when, "acquisition", actor, target=subject, amount_usd=self.money(amount), ip=kinds
            )
            clause = "acquired-ip"
        else:
            subject = self.rng.choice(PRODUCTS)
            event_type = self.rng.choice(("product_launch", "model_release"))
            trigger = self.emit(when, event_type, actor, product=subject, ip=kinds)
            clause = "ip-access"
        for kind in kinds:
            self.ip_evidence(trigger, kind, clause, subject, kinds)

    def ip_evidence(self, trigger: str, kind: str, clause: str, subject: str, kinds: list[str]) -> None:
        rng = self.rng
        roll = rng.random()
        disclosed = [kind] if rng.random() < 0.7 else kinds
        if roll < 0.25:
            return  # nothing: pending / overdue / scope-unclear
        withheld_at: datetime | None = None
        if roll < 0.65:
            self.emit(
                self.at(trigger, self.near(DISCLOSURE)), "ip_disclosure", self.actor(OBLIGOR),
                to=HOLDER if rng.random() < 0.95 else OBLIGOR, ref=trigger, ip=disclosed,
            )
            if rng.random() < 0.2:  # a second, later disclosure
                self.emit(
                    self.at(trigger, self.near(DISCLOSURE) + DAY), "ip_disclosure", OBLIGOR,
                    to=HOLDER, ref=trigger, ip=[kind],
                )
        else:
            withheld_at = self.at(trigger, self.near(DISCLOSURE))
            self.emit(
                withheld_at, "ip_withheld", self.actor(OBLIGOR),
                to=HOLDER, ref=trigger, ip=disclosed,
                reason=rng.choice(("safety", "commercial", "exempted by amendment")),
            )
            if rng.random() < 0.25:  # disclosed after all
                self.emit(
                    self.at(trigger, self.near(DISCLOSURE)), "ip_disclosure", OBLIGOR,
                    to=HOLDER, ref=trigger, ip=[kind],
                )
        if rng.random() < 0.45:
            pivot = withheld_at if withheld_at is not None else self.at(trigger, DISCLOSURE)
            amendment_at = pivot + rng.choice((-DAY, -self.tick, timedelta(0), self.tick, DAY))
            self.emit(
                amendment_at,
                rng.choice(("amendment_signed", "amendment_proposed")),
                rng.choice(PARTIES),
                clause=clause if rng.random() < 0.85 else rng.choice(("ip-access", "acquired-ip")),
                exempt=[subject] if rng.random() < 0.85 else [rng.choice(TARGETS + PRODUCTS)],
            )
            if rng.random() < 0.3:  # proposed first, signed later (or the other way round)
                self.emit(
                    amendment_at + rng.choice((DAY, -DAY, timedelta(days=40))),
                    rng.choice(("amendment_signed", "amendment_proposed")),
                    rng.choice(PARTIES), clause=clause, exempt=[subject],
                )

    def revenue_amount(self) -> Decimal:
        roll = self.rng.random()
        if roll < 0.05:
            return Decimal(0)
        if roll < 0.4:
            return Decimal(self.rng.randint(1, 10**9)) / 100  # cents
        return Decimal(self.rng.randint(1, 500)) * Decimal(10_000_000)

    def report(self, when: datetime | str, revenue: Decimal, actor: str) -> str:
        period = self.rng.choice(("2023-Q1", "2023-Q2", "FY2024", "2025-H1", "2026-03"))
        report = self.emit(when, "revenue_report", actor, period=period, revenue_usd=self.money(revenue))
        utc = self.times[report]
        if actor == OBLIGOR and EFFECTIVE <= utc < TERM_END:
            self.reports.append((utc, revenue * SHARE))
        return report

    def remaining_cap(self, at: datetime) -> Decimal:
        used = sum((share for t, share in self.reports if t < at), Decimal(0))
        return max(Decimal(0), CAP - used)

    def story_revenue(self) -> None:
        revenue = self.revenue_amount()
        report = self.report(self.trigger_time(PAYMENT), revenue, self.actor(OBLIGOR))
        self.payments(report, revenue * SHARE)

    def payments(self, report: str, due: Decimal) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.2:
            return  # nothing paid
        actor = self.actor(OBLIGOR)
        to = HOLDER if rng.random() < 0.95 else OBLIGOR
        if roll < 0.55:  # one payment, in full, around the window end
            amount = due if rng.random() < 0.8 else due + Decimal("0.01")
            self.emit(self.at(report, self.near(PAYMENT)), "revenue_share_payment", actor,
                      to=to, ref=report, amount_usd=self.money(amount))
        elif roll < 0.8:  # split in two; the second may be late
            first = (due / 2).quantize(Decimal("0.01")) if due else Decimal(0)
            self.emit(self.at(report, self.near(PAYMENT) / 2), "revenue_share_payment", actor,
                      to=to, ref=report, amount_usd=self.money(first))
            self.emit(self.at(report, self.near(PAYMENT)), "revenue_share_payment", actor,
                      to=to, ref=report, amount_usd=self.money(due - first))
        else:  # partial (underpaid) or an over-payment
            factor = rng.choice((Decimal("0.5"), Decimal("0.99"), Decimal("1.5")))
            amount = (due * factor).quantize(Decimal("0.01"))
            if amount <= 0:
                amount = Decimal("0.01")
            self.emit(self.at(report, self.near(PAYMENT)), "revenue_share_payment", actor,
                      to=to, ref=report, amount_usd=self.money(amount))

    def story_cap(self) -> None:
        """Reports that exhaust the 92 bn cap exactly, or overshoot it, then one more."""
        rng = self.rng
        when = self.day_time(self.start + (self.end - self.start) / 2, self.end)
        remaining = self.remaining_cap(when)
        if remaining > 0 and rng.random() < 0.5:  # two steps: part of it, then the rest
            part = (remaining * Decimal(rng.choice((1, 3, 5))) / 10).quantize(Decimal("0.01"))
            first = self.report(when, part / SHARE, OBLIGOR)
            self.payments(first, part)
            remaining -= part
            when = when + rng.choice((timedelta(0), self.tick, DAY))
        exact = rng.random() < 0.5
        revenue = remaining / SHARE if exact else remaining / SHARE + Decimal(rng.choice((5, 1_000_000_000)))
        report = self.report(when, revenue, OBLIGOR)
        self.payments(report, remaining)
        if rng.random() < 0.6:  # nothing is left of the cap
            later = self.report(when + rng.choice((timedelta(0), self.tick, DAY)), self.revenue_amount(), OBLIGOR)
            if rng.random() < 0.5:
                self.emit(self.at(later, DAY), "revenue_share_payment", OBLIGOR,
                          to=HOLDER, ref=later, amount_usd=self.money(Decimal(1000)))

    def story_rofr(self) -> None:
        rng = self.rng
        provider = rng.choice(PROVIDERS)
        contract_at = self.trigger_time(ROFR)
        contract_time = self.parse(contract_at) if isinstance(contract_at, str) else contract_at
        roll = rng.random()
        offer: str | None = None
        if roll >= 0.2:
            offer_provider = provider if rng.random() < 0.9 else rng.choice(PROVIDERS)
            if rng.random() < 0.25:  # an older offer for the same provider, declined
                old = self.emit(contract_time - timedelta(days=rng.randint(31, 200)), "rofr_offer",
                                OBLIGOR, to=HOLDER, provider=offer_provider)
                self.emit(self.at(old, DAY), "rofr_response", HOLDER, ref=old, decision="decline")
            offer = self.emit(
                contract_time - self.near(ROFR), "rofr_offer", self.actor(OBLIGOR),
                to=HOLDER if rng.random() < 0.95 else OBLIGOR, provider=offer_provider,
            )
        contract = self.emit(contract_at, "cloud_contract", self.actor(OBLIGOR), provider=provider,
                             value_usd=self.money(Decimal(rng.randint(1, 300)) * Decimal(10**8)))
        if offer is not None and rng.random() < 0.6:
            answer_at = self.times[contract] + rng.choice(
                (-DAY, -self.tick, timedelta(0), self.tick, -(ROFR / 2))
            )
            if answer_at < self.times[offer]:
                answer_at = self.times[offer] + rng.choice((timedelta(0), self.tick))
            self.emit(answer_at, "rofr_response", self.actor(HOLDER), ref=offer,
                      decision=rng.choice(("accept", "decline")))

    def story_restructuring(self) -> None:
        rng = self.rng
        when = self.trigger_time(DAY * 30)
        kind = rng.choice(("capped-profit", "public-benefit-corporation", "spin-off"))
        restructuring = self.emit(when, "restructuring", self.actor(OBLIGOR), kind=kind)
        for _ in range(rng.choice((0, 1, 1, 2))):
            offset = rng.choice((-DAY * 10, -DAY, -self.tick, timedelta(0), self.tick, DAY * 20))
            conditions = [] if rng.random() < 0.6 else rng.sample(
                ("keep-azure-exclusivity", "ip-access-until-2032", "board-seat"), rng.randint(1, 2)
            )
            self.emit(self.at(restructuring, offset), "approval", self.actor(HOLDER),
                      subject="restructuring" if rng.random() < 0.9 else "fundraising",
                      conditions=conditions)
        if rng.random() < 0.5:
            self.emit(self.at(restructuring, rng.choice((-DAY, timedelta(0), DAY))), "fundraising",
                      self.actor(OBLIGOR), investor=rng.choice(("softbank", "thrive", "microsoft")),
                      amount_usd=self.money(Decimal(rng.randint(1, 400)) * Decimal(10**8)),
                      conditional_on="restructuring" if rng.random() < 0.7 else None)

    def story_agi(self) -> None:
        rng = self.rng
        when = self.day_time(self.start, self.end)
        roll = rng.random()
        profits: Decimal | None
        if roll < 0.35:
            profits = AGI_THRESHOLD
        elif roll < 0.55:
            profits = AGI_THRESHOLD + Decimal("0.01")
        elif roll < 0.8:
            profits = AGI_THRESHOLD - Decimal("0.01")
        else:
            profits = None
        decl = self.emit(
            when, "agi_declaration", self.actor(OBLIGOR),
            profits_usd=None if profits is None else self.money(profits),
            verified_by=rng.choice((None, "board", "independent-auditor")),
        )
        # Triggers around the declaration: before, at the same time, after.
        for offset in rng.sample((-self.tick, timedelta(0), self.tick, DAY), 2):
            if rng.random() < 0.5:
                product = rng.choice(PRODUCTS)
                trigger = self.emit(self.at(decl, offset), "model_release", OBLIGOR,
                                    product=product, ip=[rng.choice(IN_SCOPE)])
            else:
                revenue = self.revenue_amount()
                trigger = self.report(self.at(decl, offset), revenue, OBLIGOR)
                self.payments(trigger, revenue * SHARE)

    def story_noise(self) -> None:
        rng = self.rng
        event_type = rng.choice(NOISE_TYPES)
        when: datetime | str = self.day_time() if rng.random() < 0.85 else rng.choice(self.term_edges)
        extra: dict[str, Any] = {}
        if event_type == "antitrust_complaint":
            extra = {"authority": rng.choice(("FTC", "CMA", "EC")), "subject": "partnership"}
        elif event_type == "explanation_request":
            extra = {"to": rng.choice(PARTIES), "topic": "agi-definition"}
        self.emit(when, event_type, rng.choice(PARTIES), **extra)

    def story_wrong_ref(self) -> None:
        """Evidence pointing at an event of the wrong type (still a valid id)."""
        if not self.events:
            self.story_noise()
            return
        target = self.rng.choice(self.events)["id"]
        event_type = self.rng.choice(("ip_disclosure", "revenue_share_payment", "rofr_response"))
        fields: dict[str, Any] = {"ref": target}
        if event_type == "ip_disclosure":
            fields.update(to=HOLDER, ip=[self.rng.choice(IN_SCOPE)])
        elif event_type == "revenue_share_payment":
            fields.update(to=HOLDER, amount_usd="1000.50")
        else:
            fields.update(decision="decline")
        actor = HOLDER if event_type == "rofr_response" else OBLIGOR
        self.emit(self.at(target, DAY), event_type, actor, **fields)

    def horizon(self) -> None:
        self.emit(self.end, self.rng.choice(NOISE_TYPES), self.rng.choice(PARTIES))

    # ---- assembly

    def stories(self) -> list[tuple[float, Callable[[], None]]]:
        """The stories a log is made of, with their weights."""
        return [
            (5, self.story_ip),
            (4, self.story_revenue),
            (0.6, self.story_cap),
            (3, self.story_rofr),
            (2, self.story_restructuring),
            (1, self.story_agi),
            (1.5, self.story_noise),
            (0.5, self.story_wrong_ref),
        ]

    def build(self) -> list[Event]:
        stories = self.stories()
        weights = [w for w, _ in stories]
        want_horizon = self.rng.random() < 0.7 and self.size > 0
        budget = self.size - (1 if want_horizon else 0)
        attempts = 0
        while len(self.events) < budget and attempts < 50 * max(1, self.size):
            attempts += 1
            saved = (len(self.events), self.next_id, len(self.reports))
            self.rng.choices(stories, weights)[0][1]()
            if len(self.events) > budget:  # does not fit: undo it
                del self.events[saved[0]:]
                self.next_id = saved[1]
                del self.reports[saved[2]:]
        while len(self.events) < budget:
            self.story_noise()
        if want_horizon:
            self.horizon()
        return self.file_order(self.events)

    def file_order(self, events: list[Event]) -> list[Event]:
        roll = self.rng.random()
        if roll < 0.35:
            return events  # story order
        if roll < 0.7:  # time order, with ties in random order
            keyed = [(self.times[e["id"]], self.rng.random(), e) for e in events]
            keyed.sort(key=lambda item: (item[0], item[1]))
            return [e for _, _, e in keyed]
        shuffled = list(events)
        self.rng.shuffle(shuffled)
        return shuffled


# --------------------------------------------------------------------------- sub-second logs

MICROSECOND = timedelta(microseconds=1)
# The fractions of a second taken around every deadline, window and term edge.
FRACTIONS = (
    MICROSECOND,
    MICROSECOND,
    timedelta(milliseconds=1),
    timedelta(milliseconds=500),
    timedelta(milliseconds=999),
    timedelta(microseconds=999_999),
)
# Offsets sub-second times are written with; some carry seconds and a fraction of a second
# (CPython 3.11's fromisoformat reads "+00:00:00.5" and "-00:00:00.5" as UTC).
SUBSECOND_OFFSETS = (
    "Z", "Z", "+00:00", "-00:00", "+05:30", "-03:30", "+14:00", "-12:00", "+02:00",
    "-00:00:00.5", "+00:00:00.5", "+05:30:00.25", "-00:00:00.000001", "-09:30:30.5",
)
# Instants a fraction of a second around the edges of the term (2019-07-22 … 2030-12-31).
SUBSECOND_TERM_EDGES = (
    "2019-07-21T23:59:59.999999Z",  # out
    "2019-07-22T00:00:00.000001Z",  # in
    "2019-07-22T05:29:59.999999+05:30",  # 2019-07-21T23:59:59.999999Z: out
    "2019-07-22T05:30:00+05:30",  # 2019-07-22T00:00:00Z: first instant in term
    "2019-07-21T23:59:59.5-00:00:00.5",  # 2019-07-22T00:00:00Z: in
    "2019-07-22T00:00:00.4+00:00:00.5",  # 2019-07-21T23:59:59.9Z: out
    "2030-12-31T23:59:59.999999Z",  # in
    "2031-01-01T00:00:00.000000Z",  # out
    "2031-01-01T05:29:59.999999+05:30",  # 2030-12-31T23:59:59.999999Z: in
    "2030-12-31T23:59:59.5-00:00:00.5",  # 2031-01-01T00:00:00Z: out
    "2031-01-01T00:00:00.25+00:00:00.5",  # 2030-12-31T23:59:59.75Z: in
)


def _offset(text: str) -> timedelta:
    """``Z`` or ``±HH:MM[:SS[.ffffff]]`` as a timedelta (local time = UTC + offset)."""
    if text == "Z":
        return timedelta(0)
    hours, minutes, *rest = text[1:].split(":")
    seconds = Decimal(rest[0]) if rest else Decimal(0)
    span = timedelta(hours=int(hours), minutes=int(minutes), microseconds=int(seconds * 1_000_000))
    return -span if text[0] == "-" else span


class _SubsecondGen(_Gen):
    """The same stories with every edge approached by a fraction of a second (1 µs … 0.999999 s),
    times kept to the microsecond and written with fractions (trimmed or padded to six digits)
    and offsets from +14:00 to -12:00, some with seconds and fractions (``-00:00:00.5``); the
    term edges too.  Equal instants are written in different spellings."""

    term_edges = SUBSECOND_TERM_EDGES

    def fraction(self) -> timedelta:
        return self.rng.choice(FRACTIONS)

    @property
    def tick(self) -> timedelta:
        return self.fraction()

    def exact(self, at: datetime) -> datetime:
        return at.astimezone(UTC)

    def parse(self, text: str) -> datetime:
        return parse_time(text)  # exact, fractional offsets included

    def fraction_text(self, micro: int) -> str:
        if micro == 0:
            return self.rng.choice(("", "", ".0", ".000000"))
        digits = f"{micro:06d}"
        return "." + (digits if self.rng.random() < 0.4 else digits.rstrip("0"))

    def fmt(self, at: datetime) -> str:
        at = at.astimezone(UTC)
        if at.time() == datetime.min.time() and self.rng.random() < 0.3:
            return at.date().isoformat()
        offset = self.rng.choice(SUBSECOND_OFFSETS)
        local = (at + _offset(offset)).replace(tzinfo=None)
        return f"{local:%Y-%m-%dT%H:%M:%S}{self.fraction_text(local.microsecond)}{offset}"

    def near(self, period: timedelta) -> timedelta:
        f = self.fraction()
        return self.rng.choice(
            (period, period - f, period + f, period - f, period + f, timedelta(0), f, -f, period / 2 + f, period - DAY)
        )

    def day_time(self, lo: datetime | None = None, hi: datetime | None = None) -> datetime:
        lo = lo or self.start
        hi = hi or self.end
        at = lo + timedelta(days=self.rng.randint(0, max(0, (hi - lo).days)))
        midnight = datetime(at.year, at.month, at.day, tzinfo=UTC)
        roll = self.rng.random()
        if roll < 0.3:
            return midnight
        if roll < 0.5:
            return midnight + self.rng.choice((self.fraction(), -self.fraction()))
        return midnight + timedelta(microseconds=self.rng.randrange(86_400_000_000))

    def horizon(self) -> None:
        at = self.end + self.rng.choice((timedelta(0), timedelta(0), self.fraction(), -self.fraction()))
        self.emit(at, self.rng.choice(NOISE_TYPES), self.rng.choice(PARTIES))


# --------------------------------------------------------------------------- mixed-type logs

# Values that look alike: equal numbers spelt differently (one typed value), and strings and
# booleans that spell them (other typed values).  Decimals are written as JSON numbers exactly
# as they print ("34.0", "1E+2"); the strings "number:34" / "boolean:true" look like type tags.
LOOKALIKES: tuple[tuple[Any, ...], ...] = (
    (34, Decimal("34.0"), "34", Decimal("3.4E+1"), "number:34"),
    (1, Decimal("1.0"), "1", True, "true", "True", "boolean:true"),
    (0, Decimal("0.0"), "0", False, "false"),
    (100, Decimal("1E+2"), "100", "1e2"),
    (Decimal("2.5"), Decimal("2.50"), "2.5"),
)
NOT_A_PARTY = (True, 1, "1")  # `to` fields that name no party


def _spelt(left: Any, right: Any) -> bool:
    """The very same JSON spelling (type and text)."""
    return type(left) is type(right) and str(left) == str(right)


class _MixedGen(_Gen):
    """Stories whose list items and correlation fields mix numbers, strings that spell numbers,
    booleans and the contract's own strings, often in one list: IP kinds (``ip``), launch and
    acquisition subjects with amendment ``exempt`` lists, ROFR ``provider`` and ``decision``,
    approval ``subject`` and ``conditions``, ``conditional_on``, ``to``; and the original
    stories around them.  Times are whole seconds, as in the original logs."""

    def lookalike(self, value: Any) -> Any:
        """A value of ``value``'s look-alike group (maybe itself), else ``value``."""
        for group in LOOKALIKES:
            if any(_spelt(value, item) for item in group):
                return self.rng.choice(group)
        return value

    def typed_to(self, party: str) -> Any:
        return party if self.rng.random() < 0.9 else self.rng.choice(NOT_A_PARTY)

    def story_typed_ip(self) -> None:
        rng = self.rng
        acquisition = rng.random() < 0.4
        group = rng.choice(LOOKALIKES)
        items: list[Any] = rng.sample(group, rng.randint(1, 3)) + rng.sample(ALL_KINDS, rng.randint(0, 2))
        if rng.random() < 0.3:
            items.append(rng.choice(rng.choice(LOOKALIKES)))
        rng.shuffle(items)
        subject: Any = rng.choice(rng.choice(LOOKALIKES)) if rng.random() < 0.5 else rng.choice(PRODUCTS + TARGETS)
        when = self.trigger_time(DISCLOSURE)
        if acquisition:
            trigger = self.emit(when, "acquisition", self.actor(OBLIGOR), target=subject,
                                amount_usd=self.money(Decimal(rng.randint(1, 9000)) * Decimal(1_000_000)), ip=items)
            clause = "acquired-ip"
        else:
            trigger = self.emit(when, rng.choice(("product_launch", "model_release")), self.actor(OBLIGOR),
                                product=subject, ip=items)
            clause = "ip-access"
        for item in items:
            if rng.random() < 0.3:
                continue
            shown = [self.lookalike(item)]
            if rng.random() < 0.3:
                shown.append(self.lookalike(rng.choice(items)))
            event_type = "ip_disclosure" if rng.random() < 0.7 else "ip_withheld"
            extra = {"reason": "safety"} if event_type == "ip_withheld" else {}
            self.emit(self.at(trigger, self.near(DISCLOSURE)), event_type, self.actor(OBLIGOR),
                      to=self.typed_to(HOLDER), ref=trigger, ip=shown, **extra)
        if rng.random() < 0.5:
            self.emit(
                self.at(trigger, rng.choice((-DAY, timedelta(0), DAY, DISCLOSURE))),
                rng.choice(("amendment_signed", "amendment_proposed")), rng.choice(PARTIES),
                clause=clause if rng.random() < 0.9 else rng.choice((1, True)),
                exempt=[self.lookalike(subject)] + ([self.lookalike(subject)] if rng.random() < 0.3 else []),
            )

    def story_typed_rofr(self) -> None:
        rng = self.rng
        provider: Any = rng.choice(rng.choice(LOOKALIKES)) if rng.random() < 0.8 else rng.choice(PROVIDERS)
        contract_at = self.trigger_time(ROFR)
        contract_time = self.parse(contract_at) if isinstance(contract_at, str) else contract_at
        offer: str | None = None
        if rng.random() < 0.3:  # an older offer naming a look-alike of the provider
            self.emit(contract_time - rng.choice((DAY, ROFR + DAY)), "rofr_offer", OBLIGOR,
                      to=HOLDER, provider=self.lookalike(provider))
        if rng.random() < 0.8:
            offer = self.emit(contract_time - self.near(ROFR), "rofr_offer", self.actor(OBLIGOR),
                              to=self.typed_to(HOLDER), provider=self.lookalike(provider))
        contract = self.emit(contract_at, "cloud_contract", self.actor(OBLIGOR), provider=provider,
                             value_usd=self.money(Decimal(rng.randint(1, 300)) * Decimal(10**8)))
        if offer is not None and rng.random() < 0.6:
            answer_at = max(self.times[offer], self.times[contract] - rng.choice((DAY, timedelta(0))))
            self.emit(answer_at, "rofr_response", self.actor(HOLDER), ref=offer,
                      decision=rng.choice(("accept", "decline", "decline", True, False, 1, "true")))

    def story_typed_restructuring(self) -> None:
        rng = self.rng
        restructuring = self.emit(self.trigger_time(DAY * 30), "restructuring", self.actor(OBLIGOR),
                                  kind=rng.choice(("capped-profit", 1, True)))
        for _ in range(rng.choice((1, 1, 2))):
            self.emit(self.at(restructuring, rng.choice((-DAY, timedelta(0), DAY))), "approval", self.actor(HOLDER),
                      subject=rng.choice(("restructuring", "restructuring", 1, True, "1", "Restructuring")),
                      conditions=rng.choice(([], [], [0], [False], ["0"], [""], [0, "0", False])))
        if rng.random() < 0.5:
            self.emit(self.at(restructuring, rng.choice((-DAY, timedelta(0), DAY))), "fundraising", self.actor(OBLIGOR),
                      investor=rng.choice(("softbank", 1, True)),
                      amount_usd=self.money(Decimal(rng.randint(1, 400)) * Decimal(10**8)),
                      conditional_on=rng.choice(("restructuring", "restructuring", True, 1, "1", None)))

    def stories(self) -> list[tuple[float, Callable[[], None]]]:
        return [
            (5, self.story_typed_ip),
            (3, self.story_typed_rofr),
            (2, self.story_typed_restructuring),
            (1, self.story_ip),
            (1, self.story_revenue),
            (0.5, self.story_agi),
            (0.5, self.story_noise),
        ]


def generate_log(seed: int, size: int = 30) -> list[Event]:
    """A random event log of exactly ``size`` events over the example contract."""
    return _Gen(random.Random(seed), size).build()


def generate_subsecond_log(seed: int, size: int = 30) -> list[Event]:
    """Like ``generate_log``, with every edge approached by a fraction of a second."""
    return _SubsecondGen(random.Random(seed), size).build()


def generate_mixed_log(seed: int, size: int = 30) -> list[Event]:
    """Like ``generate_log``, with list items and correlation fields of mixed JSON types."""
    return _MixedGen(random.Random(seed), size).build()


def _json(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)  # a Decimal as it prints: 34.0, 2.50, 1E+2 (all JSON numbers)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_json(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {_json(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a JSON value: {value!r}")


def to_json_line(event: Event) -> str:
    """One event as a JSON line, numbers spelt exactly as generated (no float round trip)."""
    return _json(event)


def from_json_line(line: str) -> Event:
    """A JSON line back to an event, numbers with a fraction or exponent as ``Decimal``."""
    event = json.loads(line, parse_float=Decimal)
    assert isinstance(event, dict)
    return event


def _referrers(log: list[Event], event_id: str) -> set[str]:
    """``event_id`` and every event that refers to it, directly or through others."""
    doomed = {event_id}
    changed = True
    while changed:
        changed = False
        for event in log:
            if event.get("ref") in doomed and event["id"] not in doomed:
                doomed.add(event["id"])
                changed = True
    return doomed


def shrink(
    log: list[Event], still_fails: Callable[[list[Event]], bool], max_tries: int | None = None
) -> list[Event]:
    """Greedy minimisation: drop events one at a time (with their referrers) while it still fails.

    ``max_tries`` bounds the calls of ``still_fails`` (the smallest log found so far is returned).
    """
    current = list(log)
    if not still_fails(current):
        return current
    tries = 1
    progress = True
    while progress:
        progress = False
        i = 0
        while i < len(current):
            if max_tries is not None and tries >= max_tries:
                return current
            tries += 1
            doomed = _referrers(current, current[i]["id"])
            candidate = [e for e in current if e["id"] not in doomed]
            if still_fails(candidate):
                current = candidate
                progress = True
            else:
                i += 1
    return current


def check_log(log: list[Event]) -> None:
    """Raise AssertionError if ``log`` breaks the generator's promises."""
    ids = [e["id"] for e in log]
    assert len(ids) == len(set(ids)), "duplicate ids"
    known = set(ids)
    for event in log:
        assert event["actor"] in PARTIES, event
        assert isinstance(event["time"], str), event
        parse_time(event["time"])  # exact: at most 6 fractional digits
        line = to_json_line(event)
        assert to_json_line(from_json_line(line)) == line, line  # JSON values, spelt as they read
        if "ref" in event:
            assert event["ref"] in known, event
        for key in ("amount_usd", "revenue_usd", "value_usd", "profits_usd"):
            if key in event:
                assert isinstance(event[key], (int, str)) and not isinstance(event[key], bool), event


__all__ = [
    "check_log",
    "from_json_line",
    "generate_log",
    "generate_mixed_log",
    "generate_subsecond_log",
    "shrink",
    "to_json_line",
]
