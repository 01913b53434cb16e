"""Deterministic, streaming generator of large event logs for contracts/openai-microsoft-2019.yaml.

    python bench/generate.py N OUT.jsonl [--seed 1] [--shape mixed|late-evidence]

Writes exactly N JSON lines (SPEC §5) in time order, from small seeded "stories" around the
contract's clauses, with about half the events of types no clause addresses (noise):

- launches / model releases (ip-access) and acquisitions (acquired-ip) listing 1–3 IP kinds
  (in scope, excluded, or neither), followed by disclosures / withholdings that name them in
  `ref`, timed before, at, inside, exactly at, one second around, and past the 90-day period;
- rare amendments (proposed or signed) exempting recently acquired targets;
- revenue reports (revenue-share) with payments in full, in instalments, short, late or never,
  timed around the 45-day window; amounts are sized so that the USD 92 bn cap is reached late
  in the log, whatever N;
- cloud contracts (cloud-rofr) with offers 30 days ± 1 s / 1 day before, or none, answered
  (accept / decline) or not; a pool of distinct providers that grows with N;
- rare restructurings with prior / later / conditional approvals and conditional fundraisings;
- rare AGI declarations below the threshold or without profits, and one that meets it ~4 weeks
  before the end of the term (so the milestone's effect on other clauses is exercised);
- addressed types that set off nothing (provider microsoft, restructuring by microsoft).

`--shape late-evidence` writes another log for the same contract, the shape multi-year logs
have (issue "Scale"): evidence that arrives long after its trigger (disclosures and payments
months or years late, consents ratifying a restructuring years on), many long-lived consents
and offers given over the years (approvals without `ref`, offers renewed long before any
contract), and many correlation keys (providers, products and targets in pools that grow
faster with N). Its stories span up to three years, so the heap buffers more of the log.

Everything lies in the term 2019-07-22 … 2030-12-31; every `ref` names an event of the log; ids
are unique; money is always an integer. The output depends only on (N, seed). Memory stays
bounded: events are buffered in a heap only for the ~6 months a story can span.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

UTC = dt.UTC
DAY = 86_400
EFFECTIVE = int(dt.datetime(2019, 7, 22, tzinfo=UTC).timestamp())
TERM_END = int(dt.datetime(2031, 1, 1, tzinfo=UTC).timestamp())  # exclusive
LOOK_BACK = 62 * DAY  # a story's events may precede its anchor by at most this much
LOOK_AHEAD = 220 * DAY  # ... and follow it by at most this much

OBLIGOR, HOLDER = "openai", "microsoft"
IN_SCOPE = ("model_weights", "inference_code")
EXCLUDED = ("product_information", "user_interface")
UNCLEAR = ("training_data", "safety_research")
KIND_WEIGHTS = ((IN_SCOPE[0], 5), (IN_SCOPE[1], 5), (EXCLUDED[0], 2), (EXCLUDED[1], 2),
                (UNCLEAR[0], 1), (UNCLEAR[1], 1))
CAP_USD = 92_000_000_000
AGI_USD = 100_000_000_000

# Share of *stories* (each story is 1–6 addressed events).
STORY_WEIGHTS = (
    ("launch", 30),
    ("acquisition", 8),
    ("revenue", 27),
    ("rofr", 30),
    ("amendment", 0.15),
    ("restructuring", 0.15),
    ("fundraising", 0.15),
    ("agi", 0.02),
)
NOISE_TYPES = (
    "investment", "leadership_change", "explanation_request", "antitrust_complaint_considered",
    "board_meeting", "press_release", "hiring", "partnership_announcement", "compute_order",
    "safety_review", "patent_filing", "customer_contract", "regulatory_inquiry", "earnings_call",
    "research_publication",
)
# The late-evidence shape (see the module docstring): consents and offers on their own, too.
LATE_STORY_WEIGHTS = (
    ("late_launch", 20),
    ("late_acquisition", 6),
    ("late_revenue", 15),
    ("late_rofr", 30),
    ("late_offers", 8),
    ("late_restructuring", 6),
    ("late_consent", 10),
    ("amendment", 1),
    ("fundraising", 2),
    ("agi", 0.02),
)
LATE_SPAN = 3 * 365 * DAY  # how far a late-evidence story reaches before or after its anchor
SHAPES = ("mixed", "late-evidence")
OFFSETS = (dt.timezone(dt.timedelta(hours=2)), dt.timezone(dt.timedelta(hours=-7)),
           dt.timezone(dt.timedelta(hours=5, minutes=30)))


class Generator:
    def __init__(self, n: int, seed: int, shape: str = "mixed") -> None:
        if shape not in SHAPES:
            raise ValueError(f"unknown shape {shape!r} (one of {', '.join(SHAPES)})")
        self.n = n
        self.shape = shape
        self.rng = random.Random(seed)
        self.next_id = 0
        self.heap: list[tuple[int, int, bytes]] = []
        self.counts: Counter[str] = Counter()
        self.noise = 0
        self.addressed = 0
        self.dates: dict[int, str] = {}
        # Subject pools grow with N, so that correlation keys stay many and spread out.
        self.providers = max(20, n // 40)
        self.products = max(20, n // 60)
        self.targets = max(10, n // 300)
        self.recent_targets: list[str] = []
        reports = max(1.0, 0.07 * n)  # revenue reports are ~7 % of the log (measured)
        # 20 % of the mean revenue × reports ≈ the cap at ~85 % of the log.
        self.mean_revenue = max(5_000_000, int(CAP_USD * 5 / (0.85 * reports)))
        self.agi_met_at = EFFECTIVE + int((TERM_END - EFFECTIVE) * 0.993)
        self.agi_met_done = n < 1000
        self.look_back = LOOK_BACK
        story_weights: tuple[tuple[str, float], ...] = STORY_WEIGHTS
        if shape == "late-evidence":
            # Keys many and spread out: most providers, products and targets appear a few times.
            self.providers = max(20, n // 8)
            self.products = max(20, n // 20)
            self.targets = max(10, n // 50)
            self.look_back = LATE_SPAN + 2 * DAY  # a jittered anchor lies up to a day before
            story_weights = LATE_STORY_WEIGHTS
        kinds, weights = zip(*story_weights, strict=True)
        self.story_kinds = list(kinds)
        self.story_cum = list(_cumulative(weights))

    # -- primitives --------------------------------------------------------------------
    def fmt(self, t: int) -> str:
        if t % DAY == 0 and self.rng.random() < 0.85:
            day = t // DAY
            text = self.dates.get(day)
            if text is None:
                text = dt.datetime.fromtimestamp(t, UTC).date().isoformat()
                self.dates[day] = text
            return text
        moment = dt.datetime.fromtimestamp(t, UTC)
        if self.rng.random() < 0.8:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return moment.astimezone(self.rng.choice(OFFSETS)).isoformat()

    def emit(self, t: int, event_type: str, actor: str, noise: bool = False, **fields: Any) -> str | None:
        """Queue one event; None (and nothing queued) when it would fall outside the term."""
        if not EFFECTIVE <= t < TERM_END:
            return None
        self.next_id += 1
        event_id = f"e{self.next_id}"
        event = {"id": event_id, "time": self.fmt(t), "type": event_type, "actor": actor}
        event.update(fields)
        heapq.heappush(self.heap, (t, self.next_id, orjson.dumps(event)))
        self.counts[event_type] += 1
        if noise:
            self.noise += 1
        else:
            self.addressed += 1
        return event_id

    def day(self, t: int) -> int:
        return t - t % DAY

    def jitter(self, t: int) -> int:
        """Midnight most of the time (date-only lines), else a random second of that day."""
        if self.rng.random() < 0.7:
            return self.day(t)
        return self.day(t) + self.rng.randrange(DAY)

    def near(self, period_days: int) -> int:
        """An offset (seconds) at, ±1 s, ±1 day of a deadline, or somewhere inside the period."""
        p = period_days * DAY
        return self.rng.choice((p, p, p - 1, p + 1, p - DAY, p + DAY, 0, 1,
                                self.rng.randrange(1, p), self.rng.randrange(1, p)))

    def kinds(self) -> list[str]:
        chosen: list[str] = []
        for _ in range(self.rng.choice((1, 2, 2, 3))):
            kind = self.rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS])[0]
            if kind not in chosen:
                chosen.append(kind)
        return chosen

    # -- stories -------------------------------------------------------------------------
    def story(self, anchor: int) -> None:
        r = self.rng.random() * self.story_cum[-1]
        for kind, bound in zip(self.story_kinds, self.story_cum, strict=True):
            if r < bound:
                getattr(self, "story_" + kind)(anchor)
                return

    def story_launch(self, t0: int) -> None:
        t0 = self.jitter(t0)
        product = f"model-{self.rng.randrange(self.products)}"
        event_type = "model_release" if self.rng.random() < 0.6 else "product_launch"
        kinds = self.kinds()
        trigger = self.emit(t0, event_type, OBLIGOR, product=product, ip=kinds)
        if trigger is not None:
            self.disclosures(trigger, t0, kinds)

    def story_acquisition(self, t0: int) -> None:
        t0 = self.jitter(t0)
        target = f"company-{self.rng.randrange(self.targets)}"
        amount = self.rng.randrange(1, 20_000) * 1_000_000
        kinds = self.kinds()
        actor = OBLIGOR if self.rng.random() < 0.95 else HOLDER
        trigger = self.emit(t0, "acquisition", actor, target=target, amount_usd=amount, ip=kinds)
        if trigger is None:
            return
        self.recent_targets.append(target)
        del self.recent_targets[:-50]
        self.disclosures(trigger, t0, kinds)

    def disclosures(self, trigger: str, t0: int, kinds: list[str]) -> None:
        """Disclosures / withholdings of the trigger's kinds, timed around the 90-day period."""
        planned: dict[tuple[str, int], list[str]] = {}
        for kind in kinds:
            if kind in EXCLUDED:
                continue
            roll = self.rng.random()
            if kind in UNCLEAR:
                if roll < 0.4:
                    planned.setdefault(("ip_disclosure", t0 + self.rng.randrange(0, 60) * DAY), []).append(kind)
                continue
            if roll < 0.15:
                at, what = t0 - self.rng.randrange(1, 30) * DAY, "ip_disclosure"
            elif roll < 0.25:
                at, what = t0, "ip_disclosure"
            elif roll < 0.65:
                at, what = t0 + self.near(90), "ip_disclosure"
            elif roll < 0.72:
                at, what = t0 + self.rng.randrange(91, 200) * DAY, "ip_disclosure"
            elif roll < 0.80:
                at, what = t0 + self.near(90), "ip_withheld"
            else:
                continue  # never disclosed: overdue or pending
            planned.setdefault((what, at), []).append(kind)
        for (what, at), ip in planned.items():
            extra: dict[str, Any] = {"reason": "strategic"} if what == "ip_withheld" else {}
            self.emit(at, what, OBLIGOR, to=HOLDER, ref=trigger, ip=ip, **extra)

    def story_amendment(self, t0: int) -> None:
        if not self.recent_targets:
            return
        exempt = sorted(set(self.rng.sample(self.recent_targets, min(len(self.recent_targets), 2))))
        what = "amendment_signed" if self.rng.random() < 0.5 else "amendment_proposed"
        clause = "acquired-ip" if self.rng.random() < 0.9 else "ip-access"
        self.emit(self.jitter(t0), what, OBLIGOR if what.endswith("proposed") else HOLDER,
                  clause=clause, exempt=exempt)

    def story_revenue(self, t0: int) -> None:
        t0 = self.jitter(t0)
        revenue = self.rng.randrange(self.mean_revenue // 2, self.mean_revenue * 3 // 2) // 5 * 5
        due = revenue // 5
        report = self.emit(t0, "revenue_report", OBLIGOR, period=f"P{self.next_id}", revenue_usd=revenue)
        if report is None:
            return
        roll = self.rng.random()

        def pay(at: int, amount: int) -> None:
            self.emit(at, "revenue_share_payment", OBLIGOR, to=HOLDER, ref=report, amount_usd=amount)

        if roll < 0.5:
            pay(t0 + self.near(45), due)
        elif roll < 0.7:
            first = due // 2
            pay(t0 + self.rng.randrange(1, 30) * DAY, first)
            pay(t0 + self.near(45), due - first)
        elif roll < 0.8:
            pay(t0 + self.near(45), due * self.rng.randrange(10, 95) // 100)
        elif roll < 0.9:
            pay(t0 + self.rng.randrange(46, 150) * DAY, due)
        # else: never paid

    def story_rofr(self, t0: int) -> None:
        t0 = self.jitter(t0)
        provider = HOLDER if self.rng.random() < 0.12 else f"provider-{self.rng.randrange(self.providers)}"
        roll = self.rng.random()
        if provider != HOLDER and roll > 0.15:
            before = self.rng.choice((30 * DAY, 30 * DAY - 1, 30 * DAY + 1, 29 * DAY, 31 * DAY,
                                      self.rng.randrange(1, 30) * DAY, self.rng.randrange(31, 60) * DAY, 0))
            offer_at = t0 - before
            offer = self.emit(offer_at, "rofr_offer", OBLIGOR, to=HOLDER, provider=provider)
            answer = self.rng.random()
            if offer is not None and answer < 0.6:
                decision = "accept" if answer < 0.1 else "decline"
                self.emit(offer_at + self.rng.randrange(0, 35 * DAY), "rofr_response", HOLDER,
                          ref=offer, decision=decision)
        value = self.rng.randrange(1, 50_000) * 1_000_000
        self.emit(t0, "cloud_contract", OBLIGOR, provider=provider, value_usd=value)

    def story_restructuring(self, t0: int) -> None:
        t0 = self.jitter(t0)
        actor = OBLIGOR if self.rng.random() < 0.8 else HOLDER
        self.emit(t0, "restructuring", actor, kind=f"reorganisation {self.next_id}")
        roll = self.rng.random()
        conditions = ["equity stake agreed"] if self.rng.random() < 0.3 else []
        if roll < 0.4:
            self.emit(t0 - self.rng.randrange(0, 60) * DAY, "approval", HOLDER,
                      subject="restructuring", conditions=conditions)
        elif roll < 0.7:
            self.emit(t0 + self.rng.randrange(1, 90) * DAY, "approval", HOLDER,
                      subject="restructuring", conditions=conditions)

    def story_fundraising(self, t0: int) -> None:
        fields: dict[str, Any] = {"investor": f"investor-{self.rng.randrange(500)}",
                                  "amount_usd": self.rng.randrange(1, 20_000) * 1_000_000}
        if self.rng.random() < 0.5:
            fields["conditional_on"] = "restructuring"
        self.emit(self.jitter(t0), "fundraising", OBLIGOR, **fields)

    def story_agi(self, t0: int) -> None:
        fields: dict[str, Any] = {}
        if self.rng.random() < 0.6:
            fields["profits_usd"] = self.rng.randrange(1, AGI_USD // 1_000_000) * 1_000_000
        if self.rng.random() < 0.5:
            fields["verified_by"] = "auditor"
        self.emit(self.jitter(t0), "agi_declaration", OBLIGOR, **fields)

    # -- late-evidence stories -------------------------------------------------------------
    def late(self) -> int:
        """A delay (seconds) of up to three years, skewed towards the long end."""
        return int(LATE_SPAN * (1 - self.rng.random() ** 2)) - self.rng.randrange(DAY)

    def story_late_launch(self, t0: int) -> None:
        t0 = self.jitter(t0)
        product = f"model-{self.rng.randrange(self.products)}"
        kinds = self.kinds()
        trigger = self.emit(t0, self.rng.choice(("model_release", "product_launch")), OBLIGOR, product=product, ip=kinds)
        if trigger is not None:
            self.late_disclosures(trigger, t0, kinds)

    def story_late_acquisition(self, t0: int) -> None:
        t0 = self.jitter(t0)
        target = f"company-{self.rng.randrange(self.targets)}"
        kinds = self.kinds()
        trigger = self.emit(t0, "acquisition", OBLIGOR, target=target,
                            amount_usd=self.rng.randrange(1, 20_000) * 1_000_000, ip=kinds)
        if trigger is None:
            return
        self.recent_targets.append(target)
        del self.recent_targets[:-200]
        self.late_disclosures(trigger, t0, kinds)

    def late_disclosures(self, trigger: str, t0: int, kinds: list[str]) -> None:
        """Most disclosures long after the period, some inside it, some never; a few withholdings."""
        for kind in kinds:
            roll = self.rng.random()
            if roll < 0.15:
                at, what = t0 + self.near(90), "ip_disclosure"
            elif roll < 0.7:
                at, what = t0 + 91 * DAY + self.late(), "ip_disclosure"
            elif roll < 0.78:
                at, what = t0 + self.late(), "ip_withheld"
            else:
                continue
            extra: dict[str, Any] = {"reason": "strategic"} if what == "ip_withheld" else {}
            self.emit(at, what, OBLIGOR, to=HOLDER, ref=trigger, ip=[kind], **extra)

    def story_late_revenue(self, t0: int) -> None:
        t0 = self.jitter(t0)
        revenue = self.rng.randrange(self.mean_revenue // 2, self.mean_revenue * 3 // 2) // 5 * 5
        due = revenue // 5
        report = self.emit(t0, "revenue_report", OBLIGOR, period=f"P{self.next_id}", revenue_usd=revenue)
        if report is None:
            return
        # Instalments spread over the years: a few on time, the rest late or never.
        left = due
        for _ in range(self.rng.choice((0, 1, 2, 3, 4))):
            amount = left if self.rng.random() < 0.3 else left * self.rng.randrange(10, 60) // 100
            when = t0 + (self.near(45) if self.rng.random() < 0.3 else 46 * DAY + self.late())
            self.emit(when, "revenue_share_payment", OBLIGOR, to=HOLDER, ref=report, amount_usd=amount)
            left -= amount
            if left <= 0:
                break

    def late_offer(self, provider: str, at: int) -> None:
        """An offer to the holder, answered (often long after its window) or not."""
        offer = self.emit(at, "rofr_offer", OBLIGOR, to=HOLDER, provider=provider)
        answer = self.rng.random()
        if offer is not None and answer < 0.7:
            delay = self.rng.randrange(0, 30 * DAY) if answer < 0.35 else self.late()
            self.emit(at + delay, "rofr_response", HOLDER, ref=offer,
                      decision="accept" if answer < 0.05 else "decline")

    def story_late_rofr(self, t0: int) -> None:
        t0 = self.jitter(t0)
        provider = f"provider-{self.rng.randrange(self.providers)}"
        if self.rng.random() < 0.8:
            # Offers given long before the contract, sometimes renewed.
            for _ in range(self.rng.choice((1, 1, 2, 3))):
                self.late_offer(provider, t0 - self.late())
        self.emit(t0, "cloud_contract", OBLIGOR, provider=provider, value_usd=self.rng.randrange(1, 50_000) * 1_000_000)

    def story_late_offers(self, t0: int) -> None:
        """Offers that no contract follows for years, if ever: held as the latest per provider."""
        self.late_offer(f"provider-{self.rng.randrange(self.providers)}", self.jitter(t0))

    def story_late_restructuring(self, t0: int) -> None:
        t0 = self.jitter(t0)
        actor = OBLIGOR if self.rng.random() < 0.9 else HOLDER
        act = self.emit(t0, "restructuring", actor, kind=f"reorganisation {self.next_id}")
        roll = self.rng.random()
        conditions = ["equity stake agreed"] if self.rng.random() < 0.2 else []
        if act is None or roll < 0.3:
            return
        if roll < 0.6:  # ratified long after, naming the act
            self.emit(t0 + self.late(), "approval", HOLDER, subject="restructuring", ref=act, conditions=conditions)
        elif roll < 0.8:  # ratified long after, without ref
            self.emit(t0 + self.late(), "approval", HOLDER, subject="restructuring", conditions=conditions)
        else:  # approved in advance, naming the act
            self.emit(t0 - self.rng.randrange(0, 90) * DAY, "approval", HOLDER, subject="restructuring",
                      ref=act, conditions=conditions)

    def story_late_consent(self, t0: int) -> None:
        """A general consent given on its own, years before any act might use it."""
        conditions = ["equity stake agreed"] if self.rng.random() < 0.2 else []
        self.emit(self.jitter(t0), "approval", HOLDER, subject="restructuring", conditions=conditions)

    def noise_event(self, t0: int) -> None:
        event_type = self.rng.choice(NOISE_TYPES)
        actor = OBLIGOR if self.rng.random() < 0.6 else HOLDER
        fields: dict[str, Any] = {"note": f"n{self.rng.randrange(1_000_000)}"}
        if self.rng.random() < 0.3:
            fields["amount_usd"] = self.rng.randrange(1, 10_000) * 1_000_000
        self.emit(t0 + self.rng.randrange(DAY), event_type, actor, noise=True, **fields)

    # -- driver --------------------------------------------------------------------------
    def write(self, out: Any) -> int:
        """Generate and write exactly N lines, in time order; returns the number written."""
        written = 0
        span = TERM_END - EFFECTIVE - self.look_back - DAY
        buffer: list[bytes] = []
        while self.addressed + self.noise < self.n:
            produced = self.addressed + self.noise
            anchor = EFFECTIVE + self.look_back + span * produced // self.n
            if not self.agi_met_done and anchor >= self.agi_met_at:
                self.agi_met_done = True
                self.emit(self.day(anchor), "agi_declaration", OBLIGOR, profits_usd=AGI_USD + 5_000_000_000,
                          verified_by="auditor")
            elif self.noise < self.addressed:
                self.noise_event(anchor)
            else:
                self.story(anchor)
            horizon = anchor - self.look_back
            while self.heap and self.heap[0][0] < horizon:
                buffer.append(heapq.heappop(self.heap)[2])
                if len(buffer) >= 4096:
                    written += self._flush(out, buffer)
        # The last story may overshoot N: drop its latest-created events (still in the heap).
        surplus = self.addressed + self.noise - self.n
        if surplus:
            self._trim(surplus)
        while self.heap:
            buffer.append(heapq.heappop(self.heap)[2])
        written += self._flush(out, buffer)
        return written

    def _trim(self, surplus: int) -> None:
        """Drop the `surplus` most recently *created* events (a story creates refs before referrers)."""
        keep = sorted(self.heap, key=lambda e: e[1])[: len(self.heap) - surplus]
        dropped = sorted(self.heap, key=lambda e: e[1])[len(self.heap) - surplus:]
        for _, _, line in dropped:
            event = orjson.loads(line)
            self.counts[event["type"]] -= 1
            if event["type"] in NOISE_TYPES:
                self.noise -= 1
            else:
                self.addressed -= 1
        self.heap = keep
        heapq.heapify(self.heap)

    @staticmethod
    def _flush(out: Any, buffer: list[bytes]) -> int:
        count = len(buffer)
        if buffer:
            out.write(b"\n".join(buffer) + b"\n")
            buffer.clear()
        return count


def _cumulative(weights: tuple[float, ...]) -> list[float]:
    total = 0.0
    result = []
    for w in weights:
        total += w
        result.append(total)
    return result


def generate(n: int, path: Path, seed: int = 1, shape: str = "mixed") -> dict[str, Any]:
    """Write an N-event log to `path`; returns statistics (counts per type, noise share, seconds)."""
    started = time.perf_counter()
    gen = Generator(n, seed, shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb", buffering=1 << 20) as out:
        written = gen.write(out)
    if written != n:
        raise AssertionError(f"wrote {written} events, expected {n}")
    return {
        "events": written,
        "seed": seed,
        "shape": shape,
        "noise_share": gen.noise / max(1, written),
        "types": dict(sorted(gen.counts.items(), key=lambda kv: -kv[1])),
        "seconds": time.perf_counter() - started,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of events")
    parser.add_argument("out", type=Path, help="output .jsonl file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shape", choices=SHAPES, default="mixed", help="which kind of log (default mixed)")
    parser.add_argument("--stats", action="store_true", help="print counts per event type to stderr")
    args = parser.parse_args(argv)
    stats = generate(args.n, args.out, args.seed, args.shape)
    print(f"{stats['events']} events → {args.out} in {stats['seconds']:.1f} s "
          f"(noise {stats['noise_share']:.0%})", file=sys.stderr)
    if args.stats:
        for name, count in stats["types"].items():
            print(f"  {name:32} {count:>9}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
