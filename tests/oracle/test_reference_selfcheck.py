"""Pins the reference evaluator on every row of docs/semantics.md, one small log per row."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from .generator import check_log, generate_log, shrink
from .reference import ReferenceParams, ReferenceResult, evaluate, finding_id

Event = dict[str, Any]

T0 = "2025-01-01T00:00:00Z"


def ev(event_id: str, time: str, event_type: str, actor: str = "openai", **fields: Any) -> Event:
    return {"id": event_id, "time": time, "type": event_type, "actor": actor, **fields}


def at(days: float = 0, seconds: int = 0) -> str:
    base = datetime(2025, 1, 1, tzinfo=UTC)
    return (base + timedelta(days=days, seconds=seconds)).isoformat()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def only(result: ReferenceResult, clause: str | None = None) -> tuple[str, str, list[str]]:
    found = [f for f in result.findings if clause is None or f.clause == clause]
    assert len(found) == 1, result.findings
    return found[0].verdict, found[0].reason, found[0].events


def launch(kinds: list[str], event_id: str = "L", time: str = T0, **extra: Any) -> Event:
    return ev(event_id, time, "product_launch", product="gpt-5", ip=kinds, **extra)


def disclose(event_id: str, time: str, kinds: list[str], ref: str = "L", actor: str = "openai") -> Event:
    return ev(event_id, time, "ip_disclosure", actor, to="microsoft", ref=ref, ip=kinds)


def withhold(event_id: str, time: str, kinds: list[str], ref: str = "L") -> Event:
    return ev(event_id, time, "ip_withheld", to="microsoft", ref=ref, ip=kinds, reason="safety")


def amend(event_id: str, time: str, signed: bool, clause: str = "ip-access", subject: str = "gpt-5") -> Event:
    event_type = "amendment_signed" if signed else "amendment_proposed"
    return ev(event_id, time, event_type, "microsoft", clause=clause, exempt=[subject])


def tick(event_id: str, time: str) -> Event:
    return ev(event_id, time, "board_meeting", "microsoft")


D90 = "2025-04-01T23:59:59.999999Z"  # the end of the 90th day after the launch's day

# --------------------------------------------------------------------------- ip-access rows

IP_ROWS: list[tuple[str, list[Event], datetime | None, tuple[str, str, list[str]]]] = [
    ("1 excluded, even when disclosed",
     [launch(["user_interface"]), disclose("d", at(1), ["user_interface"])], None,
     ("ok", "excluded", ["L"])),
    ("1 excluded, never disclosed",
     [launch(["product_information"]), tick("t", at(400))], None,
     ("ok", "excluded", ["L"])),
    ("2 unclear kind disclosed within the period",
     [launch(["training_data"]), disclose("d", at(10), ["training_data"]), tick("t", at(400))], None,
     ("ok", "disclosed", ["L", "d"])),
    ("3 unclear kind disclosed only after the judgment time",
     [launch(["training_data"]), disclose("d", at(91, 1), ["training_data"])], None,
     ("grey", "scope-unclear", ["L"])),
    ("3 unclear kind never disclosed",
     [launch(["training_data"])], None,
     ("grey", "scope-unclear", ["L"])),
    ("4 disclosed at the exact launch time, listed first in the file",
     [disclose("d", T0, ["model_weights"]), launch(["model_weights"])], None,
     ("ok", "disclosed", ["L", "d"])),
    ("4 disclosed before the launch (date-only time)",
     [launch(["model_weights"]), disclose("d", "2024-12-31", ["model_weights"])], None,
     ("ok", "disclosed", ["L", "d"])),
    ("4 earliest of two on-time disclosures",
     [launch(["model_weights"]), disclose("d2", T0, ["model_weights"]),
      disclose("d1", at(-1), ["model_weights"])], None,
     ("ok", "disclosed", ["L", "d1"])),
    ("5 disclosed one second after the launch",
     [launch(["model_weights"]), disclose("d", at(0, 1), ["model_weights"])], None,
     ("grey", "timing-unspecified", ["L", "d"])),
    ("5 disclosed exactly at launch + 90 d",
     [launch(["model_weights"]), disclose("d", D90, ["model_weights"])], None,
     ("grey", "timing-unspecified", ["L", "d"])),
    ("5 offset notation: +02:00 equals the UTC deadline",
     [launch(["model_weights"]), disclose("d", "2025-04-01T02:00:00+02:00", ["model_weights"])], None,
     ("grey", "timing-unspecified", ["L", "d"])),
    ("6 withheld, signed exemption at the same time as the withholding",
     [launch(["model_weights"]), withhold("w", at(5), ["model_weights"]),
      amend("a", at(5), signed=True)], None,
     ("ok", "exempted", ["L", "a", "w"])),  # equal times listed by id
    ("6 withheld, exemption signed before the launch",
     [amend("a", at(-10), signed=True), launch(["model_weights"]),
      withhold("w", at(5), ["model_weights"])], None,
     ("ok", "exempted", ["L", "a", "w"])),
    ("7 withheld, exemption only proposed before",
     [launch(["model_weights"]), amend("a", at(1), signed=False),
      withhold("w", at(5), ["model_weights"])], None,
     ("grey", "amendment-pending", ["L", "a", "w"])),
    ("7 proposed before, signed only after the withholding",
     [launch(["model_weights"]), amend("p", at(1), signed=False),
      withhold("w", at(5), ["model_weights"]), amend("s", at(5, 1), signed=True)], None,
     ("grey", "amendment-pending", ["L", "p", "w"])),
    ("8 withheld",
     [launch(["model_weights"]), withhold("w", at(5), ["model_weights"])], None,
     ("breach", "withheld", ["L", "w"])),
    ("8 withheld, exemption signed one second too late",
     [launch(["model_weights"]), withhold("w", at(5), ["model_weights"]),
      amend("a", at(5, 1), signed=True)], None,
     ("breach", "withheld", ["L", "w"])),
    ("8 the first of two withholdings is listed",
     [launch(["model_weights"]), withhold("w2", at(60), ["model_weights"]),
      withhold("w1", at(50), ["model_weights"])], None,
     ("breach", "withheld", ["L", "w1"])),
    ("8 withholding after D is not evidence: overdue instead",
     [launch(["model_weights"]), withhold("w", at(91), ["model_weights"])], None,
     ("breach", "overdue", ["L"])),
    ("9 overdue but exemption signed exactly at D",
     [launch(["model_weights"]), amend("a", D90, signed=True)], None,
     ("ok", "exempted", ["L", "a"])),
    ("10 overdue, exemption only proposed by D",
     [launch(["model_weights"]), amend("a", at(30), signed=False), tick("t", at(200))], None,
     ("grey", "amendment-pending", ["L", "a"])),
    ("10 amendment for another clause does not exempt",
     [launch(["model_weights"]), amend("a", at(30), signed=True, clause="acquired-ip"),
      tick("t", at(200))], None,
     ("breach", "overdue", ["L"])),
    ("11 overdue exactly at as-of = D",
     [launch(["model_weights"]), tick("t", D90)], None,
     ("breach", "overdue", ["L"])),
    ("11 overdue, exemption signed after D does not help",
     [launch(["model_weights"]), amend("a", at(91, 1), signed=True)], None,
     ("breach", "overdue", ["L"])),
    ("11 overdue lists the late disclosure",
     [launch(["model_weights"]), disclose("d", at(91, 1), ["model_weights"])], None,
     ("breach", "overdue", ["L", "d"])),
    ("11 late disclosure after as-of is not listed",
     [launch(["model_weights"]), disclose("d", at(120), ["model_weights"])],
     utc(at(100)), ("breach", "overdue", ["L"])),
    ("12 pending one second before D",
     [launch(["model_weights"]), tick("t", at(90, -1))], None,
     ("pending", "awaiting-disclosure", ["L"])),
    ("12 disclosure by microsoft is not evidence",
     [launch(["model_weights"]), disclose("d", at(1), ["model_weights"], actor="microsoft"),
      tick("t", at(10))], None,
     ("pending", "awaiting-disclosure", ["L"])),
    ("12 disclosure of another kind is not evidence",
     [launch(["model_weights"]), disclose("d", at(1), ["inference_code"]), tick("t", at(10))], None,
     ("pending", "awaiting-disclosure", ["L"])),
]


@pytest.mark.parametrize(
    ("log", "as_of", "expected"),
    [pytest.param(log, as_of, expected, id=name) for name, log, as_of, expected in IP_ROWS],
)
def test_ip_access_rows(log: list[Event], as_of: datetime | None, expected: tuple[str, str, list[str]]) -> None:
    assert only(evaluate(log, as_of), "ip-access") == expected


def test_ip_access_one_finding_per_kind_and_model_release() -> None:
    log = [
        ev("M", T0, "model_release", product="o9", ip=["model_weights", "user_interface", "inference_code"]),
        disclose("d", T0, ["model_weights", "inference_code"], ref="M"),
    ]
    result = evaluate(log)
    assert [(f.instance, f.verdict, f.reason) for f in result.findings] == [
        ("inference_code", "ok", "disclosed"),
        ("model_weights", "ok", "disclosed"),
        ("user_interface", "ok", "excluded"),
    ]
    assert result.findings[0].id == finding_id("ip-access", "M", "inference_code")


def test_launch_by_microsoft_sets_off_nothing() -> None:
    result = evaluate([launch(["model_weights"], actor="microsoft")])
    assert result.findings == []
    assert result.uncovered_events == ["L"]


# --------------------------------------------------------------------------- acquired-ip rows


def acquisition(kinds: list[str], event_id: str = "A", time: str = T0) -> Event:
    return ev(event_id, time, "acquisition", target="rockset", amount_usd="250000000.00", ip=kinds)


ACQ_ROWS: list[tuple[str, list[Event], tuple[str, str, list[str]]]] = [
    ("4 disclosed", [acquisition(["model_weights"]), disclose("d", T0, ["model_weights"], ref="A")],
     ("ok", "disclosed", ["A", "d"])),
    ("6 exempted by signed amendment before the withholding",
     [acquisition(["model_weights"]),
      amend("s", at(2), signed=True, clause="acquired-ip", subject="rockset"),
      withhold("w", at(3), ["model_weights"], ref="A")],
     ("ok", "exempted", ["A", "s", "w"])),
    ("7 amendment only proposed",
     [acquisition(["model_weights"]),
      amend("p", at(2), signed=False, clause="acquired-ip", subject="rockset"),
      withhold("w", at(3), ["model_weights"], ref="A")],
     ("grey", "amendment-pending", ["A", "p", "w"])),
    ("8 exemption of another target does not count",
     [acquisition(["model_weights"]),
      amend("s", at(2), signed=True, clause="acquired-ip", subject="windsurf"),
      withhold("w", at(3), ["model_weights"], ref="A")],
     ("breach", "withheld", ["A", "w"])),
    ("8 amendment naming ip-access does not exempt an acquisition",
     [acquisition(["model_weights"]),
      amend("s", at(2), signed=True, clause="ip-access", subject="rockset"),
      withhold("w", at(3), ["model_weights"], ref="A")],
     ("breach", "withheld", ["A", "w"])),
    ("9 overdue, signed exemption by D",
     [acquisition(["inference_code"]),
      amend("s", at(89), signed=True, clause="acquired-ip", subject="rockset"), tick("t", at(95))],
     ("ok", "exempted", ["A", "s"])),
    ("11 overdue", [acquisition(["inference_code"]), tick("t", at(95))],
     ("breach", "overdue", ["A"])),
    ("12 pending", [acquisition(["inference_code"]), tick("t", at(89))],
     ("pending", "awaiting-disclosure", ["A"])),
]


@pytest.mark.parametrize(
    ("log", "expected"), [pytest.param(log, expected, id=name) for name, log, expected in ACQ_ROWS]
)
def test_acquired_ip_rows(log: list[Event], expected: tuple[str, str, list[str]]) -> None:
    assert only(evaluate(log), "acquired-ip") == expected


def test_acquisition_without_ip_is_uncovered() -> None:
    result = evaluate([acquisition([])])
    assert result.findings == []
    assert result.uncovered_events == ["A"]


# --------------------------------------------------------------------------- revenue-share rows


def report(event_id: str, time: str, revenue: object, actor: str = "openai") -> Event:
    return ev(event_id, time, "revenue_report", actor, period="2025-Q1", revenue_usd=revenue)


def pay(event_id: str, time: str, amount: object, ref: str = "R", actor: str = "openai", to: str = "microsoft") -> Event:
    return ev(event_id, time, "revenue_share_payment", actor, to=to, ref=ref, amount_usd=amount)


W45 = "2025-02-15T23:59:59.999999Z"  # the end of the 45th day after the report's day

REVENUE_ROWS: list[tuple[str, list[Event], datetime | None, tuple[str, str, list[str]]]] = [
    ("1 revenue 0 means nothing due", [report("R", T0, 0)], None, ("ok", "cap-reached", ["R"])),
    ("2 paid exactly at W", [report("R", T0, 1000), pay("p", W45, 200)], None,
     ("ok", "paid", ["R", "p"])),
    ("2 split payments, decimal strings", [report("R", T0, "1234.56"), pay("p1", at(1), "200.000"),
                                            pay("p2", at(2), "46.912")], None,
     ("ok", "paid", ["R", "p1", "p2"])),
    ("2 already paid in full before W", [report("R", T0, 1000), pay("p", at(3), 200)], None,
     ("ok", "paid", ["R", "p"])),
    ("2 over-payment", [report("R", T0, 1000), pay("p", at(3), "250.00")], None,
     ("ok", "paid", ["R", "p"])),
    ("2 a late top-up is not listed", [report("R", T0, 1000), pay("p1", at(3), 200),
                                        pay("p2", at(50), 10)], None,
     ("ok", "paid", ["R", "p1"])),
    ("3 within the window, partly paid", [report("R", T0, 1000), pay("p", at(3), 100)], None,
     ("pending", "within-window", ["R", "p"])),
    ("3 within the window one second before W", [report("R", T0, 1000), tick("t", at(45, -1))], None,
     ("pending", "within-window", ["R"])),
    ("4 paid in full one second late", [report("R", T0, 1000), pay("p", at(46, 1), 200)], None,
     ("breach", "late", ["R", "p"])),
    ("4 partly in window, rest late", [report("R", T0, 1000), pay("p1", at(40), 150),
                                        pay("p2", at(46), 50)], None,
     ("breach", "late", ["R", "p1", "p2"])),
    ("5 underpaid", [report("R", T0, "1234.56"), pay("p", at(1), "246.91"), tick("t", at(60))], None,
     ("breach", "underpaid", ["R", "p"])),
    ("6 overdue exactly at W", [report("R", T0, 1000), tick("t", W45)], None,
     ("breach", "overdue", ["R"])),
    ("6 payment by microsoft or to openai is not a payment",
     [report("R", T0, 1000), pay("p1", at(1), 200, actor="microsoft"),
      pay("p2", at(1), 200, to="openai"), tick("t", at(50))], None,
     ("breach", "overdue", ["R"])),
    ("6 payment after as-of not counted", [report("R", T0, 1000), pay("p", at(60), 200)], utc(at(50)),
     ("breach", "overdue", ["R"])),
]


@pytest.mark.parametrize(
    ("log", "as_of", "expected"),
    [pytest.param(log, as_of, expected, id=name) for name, log, as_of, expected in REVENUE_ROWS],
)
def test_revenue_share_rows(log: list[Event], as_of: datetime | None, expected: tuple[str, str, list[str]]) -> None:
    assert only(evaluate(log, as_of), "revenue-share") == expected


def test_underpaid_shortfall_is_exact() -> None:
    result = evaluate([report("R", T0, "1234.56"), pay("p", at(1), "246.91"), tick("t", at(60))])
    assert result.findings[0].amount_due == Decimal("246.912")
    assert result.findings[0].shortfall == Decimal("0.002")


def test_cap_exhausted_exactly_then_reached() -> None:
    log = [
        report("R1", T0, 400_000_000_000),  # 80 bn due
        report("R2", at(10), "60000000000.00"),  # 12 bn due: cap exhausted exactly
        report("R3", at(20), 5),  # nothing left
        pay("p1", at(1), 80_000_000_000, ref="R1"),
        pay("p2", at(11), "12000000000", ref="R2"),
        tick("t", at(100)),
    ]
    result = evaluate(log)
    dues = [(f.events[0], f.amount_due, f.reason) for f in result.findings]
    assert dues == [
        ("R1", Decimal(80_000_000_000), "paid"),
        ("R2", Decimal(12_000_000_000), "paid"),
        ("R3", Decimal(0), "cap-reached"),
    ]


def test_cap_overshoot_limits_amount_due() -> None:
    log = [
        report("R1", T0, 400_000_000_000),  # 80 bn
        report("R2", at(10), 100_000_000_000),  # 20 % = 20 bn, only 12 bn left
        pay("p1", at(1), 80_000_000_000, ref="R1"),
        pay("p2", at(11), "11999999999.99", ref="R2"),
        tick("t", at(100)),
    ]
    finding = evaluate(log).findings[1]
    assert (finding.reason, finding.amount_due, finding.shortfall) == (
        "underpaid", Decimal(12_000_000_000), Decimal("0.01"))


def test_cap_counts_only_obligations_in_replay_order() -> None:
    log = [
        report("R2", at(10), 100_000_000_000),  # later in time, first in file
        report("R1", at(5), 400_000_000_000),
        report("Rms", at(1), 400_000_000_000, actor="microsoft"),  # no obligation, no cap use
        report("Rold", "2019-01-01", 400_000_000_000),  # out of term
    ]
    result = evaluate(log)
    assert [(f.events[0], f.amount_due) for f in result.findings] == [
        ("R1", Decimal(80_000_000_000)), ("R2", Decimal(12_000_000_000))]


def test_cap_equal_times_keep_file_order() -> None:
    log = [report("Rb", T0, 400_000_000_000), report("Ra", T0, 100_000_000_000)]
    result = evaluate(log)
    # Judged in file order (Rb uses the cap first); listed with ties broken by id.
    assert sorted((f.events[0], f.amount_due) for f in result.findings) == [
        ("Ra", Decimal(12_000_000_000)), ("Rb", Decimal(80_000_000_000))]


# --------------------------------------------------------------------------- cloud-rofr rows


def cloud(event_id: str, time: str, provider: str = "oracle", actor: str = "openai") -> Event:
    return ev(event_id, time, "cloud_contract", actor, provider=provider, value_usd=1_000_000)


def offer(event_id: str, time: str, provider: str = "oracle") -> Event:
    return ev(event_id, time, "rofr_offer", to="microsoft", provider=provider)


def answer(event_id: str, time: str, ref: str, decision: str, actor: str = "microsoft") -> Event:
    return ev(event_id, time, "rofr_response", actor, ref=ref, decision=decision)


C = at(30)

ROFR_ROWS: list[tuple[str, list[Event], tuple[str, str, list[str]]]] = [
    ("1 no offer", [cloud("C", C)], ("breach", "no-offer", ["C"])),
    ("1 offer for another provider", [offer("O", T0, "google"), cloud("C", C)],
     ("breach", "no-offer", ["C"])),
    ("1 offer after the contract", [cloud("C", C), offer("O", at(30, 1))],
     ("breach", "no-offer", ["C"])),
    ("2 accepted", [offer("O", T0), answer("A", at(1), "O", "accept"), cloud("C", C)],
     ("breach", "offer-accepted", ["C", "O", "A"])),
    ("3 declined at the contract's own time, later in the file",
     [offer("O", at(29)), cloud("C", C), answer("A", C, "O", "decline")],
     ("ok", "declined", ["C", "O", "A"])),
    ("3 the first answer binds", [offer("O", T0), answer("A1", at(1), "O", "accept"),
                                  answer("A2", at(2), "O", "decline"), cloud("C", C)],
     ("breach", "offer-accepted", ["C", "O", "A1"])),
    ("4 offer on its 30th day is still open", [offer("O", T0), cloud("C", C)],
     ("breach", "window-open", ["C", "O"])),
    ("4 offer 31 days old has lapsed", [offer("O", at(-1)), cloud("C", C)],
     ("ok", "lapsed", ["C", "O"])),
    ("4 decline by openai is not a response", [offer("O", at(-1)),
                                               answer("A", at(1), "O", "decline", actor="openai"),
                                               cloud("C", C)],
     ("ok", "lapsed", ["C", "O"])),
    ("5 offer one second short of 30 d", [offer("O", at(0, 1)), cloud("C", C)],
     ("breach", "window-open", ["C", "O"])),
    ("5 response after the contract does not count",
     [offer("O", at(10)), cloud("C", C), answer("A", at(30, 1), "O", "decline")],
     ("breach", "window-open", ["C", "O"])),
    ("5 offer at the same time, later in the file", [cloud("C", C), offer("O", C)],
     ("breach", "window-open", ["C", "O"])),
    ("5 latest offer counts, not the earlier declined one",
     [offer("O1", at(-60)), answer("A", at(-59), "O1", "decline"), offer("O2", at(20)), cloud("C", C)],
     ("breach", "window-open", ["C", "O2"])),
]


@pytest.mark.parametrize(
    ("log", "expected"), [pytest.param(log, expected, id=name) for name, log, expected in ROFR_ROWS]
)
def test_cloud_rofr_rows(log: list[Event], expected: tuple[str, str, list[str]]) -> None:
    assert only(evaluate(log), "cloud-rofr") == expected


def test_cloud_contract_with_microsoft_sets_off_nothing() -> None:
    result = evaluate([cloud("C", C, provider="microsoft"), cloud("X", C, actor="microsoft")])
    assert result.findings == []
    assert result.uncovered_events == ["C", "X"]


# --------------------------------------------------------------------------- restructuring rows


def restructure(event_id: str = "S", time: str = T0) -> Event:
    return ev(event_id, time, "restructuring", kind="public-benefit-corporation")


def approve(event_id: str, time: str, conditions: list[str] | None = None,
            subject: str = "restructuring", actor: str = "microsoft") -> Event:
    return ev(event_id, time, "approval", actor, subject=subject, conditions=conditions or [])


RESTRUCTURING_ROWS: list[tuple[str, list[Event], tuple[str, str, list[str]]]] = [
    ("1 conditional approval", [approve("a", at(-1), ["azure-exclusivity"]), restructure()],
     ("grey", "conditional-approval", ["S", "a"])),
    ("1 the latest approval before decides", [approve("a1", at(-5)), approve("a2", at(-1), ["x"]),
                                             restructure()],
     ("grey", "conditional-approval", ["S", "a2"])),
    ("2 approved at the same time, later in the file", [restructure(), approve("a", T0)],
     ("ok", "approved", ["S", "a"])),
    ("2 latest approval is unconditional", [approve("a1", at(-5), ["x"]), approve("a2", at(-1)),
                                           restructure()],
     ("ok", "approved", ["S", "a2"])),
    ("3 ratified after, first such approval", [restructure(), approve("a2", at(9)), approve("a1", at(3))],
     ("grey", "ratified-after", ["S", "a1"])),
    ("4 no approval", [restructure(), tick("t", at(10))], ("breach", "no-approval", ["S"])),
    ("4 approval of another subject or by openai does not count",
     [approve("a1", at(-1), subject="fundraising"), approve("a2", at(-1), actor="openai"), restructure()],
     ("breach", "no-approval", ["S"])),
]


@pytest.mark.parametrize(
    ("log", "expected"),
    [pytest.param(log, expected, id=name) for name, log, expected in RESTRUCTURING_ROWS],
)
def test_restructuring_rows(log: list[Event], expected: tuple[str, str, list[str]]) -> None:
    assert only(evaluate(log), "restructuring-approval") == expected


def test_approval_after_as_of_does_not_ratify() -> None:
    log = [restructure(), approve("a", at(10))]
    assert only(evaluate(log, utc(at(5)))) == ("breach", "no-approval", ["S"])
    assert evaluate(log, utc(at(5))).after_as_of_events == ["a"]


def test_fundraising_conditional_on_restructuring() -> None:
    log = [
        restructure("S", at(5)),
        ev("F", T0, "fundraising", investor="softbank", amount_usd=40_000_000_000,
           conditional_on="restructuring"),
        ev("G", T0, "fundraising", investor="thrive", amount_usd="1.5"),
        approve("a", at(1)),
    ]
    result = evaluate(log)
    assert result.verdicts() == [
        ("restructuring-approval", "F", "", "info/funding-depends-on-approval"),
        ("restructuring-approval", "S", "", "ok/approved"),
    ]
    assert result.uncovered_events == ["G"]


# --------------------------------------------------------------------------- agi-clause rows


def agi(event_id: str, time: str, profits: object = None, actor: str = "openai") -> Event:
    fields = {} if profits is None else {"profits_usd": profits}
    return ev(event_id, time, "agi_declaration", actor, verified_by="board", **fields)


def test_agi_milestone_met_at_threshold_ends_new_obligations_inclusive() -> None:
    log = [
        launch(["model_weights"], "L1", at(-1)),
        report("R1", at(-1), 1000),
        launch(["model_weights"], "L2", T0),  # same time as the milestone, earlier in file
        agi("G", T0, "100000000000"),
        report("R2", T0, 1000),  # same time, later in file
        acquisition(["model_weights"], "A", at(1)),
        pay("p", at(10), 200, ref="R1"),  # evidence for an obligation opened before
        pay("q", at(10), 200, ref="R2"),
        tick("t", at(200)),
    ]
    result = evaluate(log)
    assert result.verdicts() == [
        ("ip-access", "L1", "model_weights", "breach/overdue"),
        ("revenue-share", "R1", "", "ok/paid"),
        ("agi-clause", "G", "", "info/milestone-met"),
    ]
    assert result.uncovered_events == ["L2", "R2", "A", "q", "t"]


@pytest.mark.parametrize("profits", [None, "99999999999.99", 0])
def test_agi_threshold_not_evidenced_rights_continue(profits: object) -> None:
    log = [agi("G", T0, profits), launch(["model_weights"], "L", at(1)), tick("t", at(2))]
    result = evaluate(log)
    assert result.verdicts() == [
        ("ip-access", "L", "model_weights", "pending/awaiting-disclosure"),
        ("agi-clause", "G", "", "grey/threshold-not-evidenced"),
    ]


def test_agi_declared_by_microsoft_or_out_of_term_is_nothing() -> None:
    log = [agi("G1", T0, 10**12, actor="microsoft"), agi("G2", "2031-01-01", 10**12),
           launch(["model_weights"], "L", at(1))]
    result = evaluate(log, utc(at(2)))
    assert result.verdicts() == [("ip-access", "L", "model_weights", "pending/awaiting-disclosure")]
    assert result.out_of_term_events == ["G2"]
    assert result.after_as_of_events == []  # each event is listed once: out of term wins


# --------------------------------------------------------------------------- general rules


def test_term_bounds_are_inclusive_days() -> None:
    log = [
        restructure("before", "2019-07-21T23:59:59Z"),
        restructure("first", "2019-07-21T20:00:00-04:00"),  # 2019-07-22T00:00Z
        restructure("tz", "2019-07-22T00:00:00+02:00"),  # 2019-07-21T22:00Z: out
        restructure("last", "2031-01-01T00:30:00+01:00"),  # 2030-12-31T23:30Z: in
        restructure("after", "2031-01-01"),
    ]
    result = evaluate(log)
    assert [f.events[0] for f in result.findings] == ["first", "last"]
    assert result.out_of_term_events == ["tz", "before", "after"]
    assert result.uncovered_events == []


def test_out_of_term_evidence_is_no_evidence() -> None:
    log = [
        ev("M", "2019-07-22", "model_release", product="gpt-2", ip=["model_weights"]),
        disclose("d", "2019-07-21", ["model_weights"], ref="M"),
    ]
    result = evaluate(log)
    assert only(result) == ("pending", "awaiting-disclosure", ["M"])
    assert result.out_of_term_events == ["d"]


def test_default_as_of_is_latest_event_and_after_as_of_sets_off_nothing() -> None:
    log = [tick("t", at(5)), restructure("S", at(10)), launch(["model_weights"], "L", at(20))]
    assert evaluate(log).as_of == utc(at(20))
    result = evaluate(log, utc(at(10)))
    assert result.verdicts() == [("restructuring-approval", "S", "", "breach/no-approval")]
    assert result.after_as_of_events == ["L"]
    assert result.uncovered_events == ["t"]


def test_uncovered_lists_noise_and_unused_evidence_in_time_order() -> None:
    log = [
        ev("n2", at(3), "explanation_request", "microsoft", to="openai", topic="agi"),
        ev("n1", at(1), "antitrust_complaint", "microsoft", authority="FTC"),
        launch(["user_interface"]),
        disclose("d", at(2), ["user_interface"]),
    ]
    assert evaluate(log).uncovered_events == ["n1", "d", "n2"]


def test_findings_sorted_by_clause_then_time_then_file_order() -> None:
    log = [
        restructure("S", at(-1)),
        launch(["model_weights"], "L2", at(1)),
        launch(["model_weights"], "L1b", T0),
        launch(["model_weights"], "L1a", T0),
        report("R", at(-5), 10),
    ]
    result = evaluate(log)
    assert [f.events[0] for f in result.findings] == ["L1a", "L1b", "L2", "R", "S"]  # equal times: by id


def test_finding_id_formula_and_stability() -> None:
    expected = hashlib.sha256(b"ip-access\x1fL\x1fmodel_weights").hexdigest()[:16]
    assert finding_id("ip-access", "L", "model_weights") == expected
    log = [launch(["model_weights"]), report("R", T0, 10)]
    one = evaluate(log)
    two = evaluate(list(reversed(log)), utc(at(300)))
    assert [f.id for f in one.findings] == [f.id for f in two.findings]
    assert one.findings[1].id == hashlib.sha256(b"revenue-share\x1fR\x1f").hexdigest()[:16]


def test_bad_refs_and_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="ref"):
        evaluate([disclose("d", T0, ["model_weights"], ref="nope")])
    with pytest.raises(ValueError, match="duplicate"):
        evaluate([tick("t", T0), tick("t", T0)])


def test_custom_params() -> None:
    params = ReferenceParams(disclosure_days=10)
    log = [launch(["model_weights"]), tick("t", at(11))]
    assert only(evaluate(log, params=params)) == ("breach", "overdue", ["L"])


def test_empty_log() -> None:
    assert evaluate([]).findings == []


# --------------------------------------------------------------------------- generator


@pytest.mark.parametrize("seed", range(40))
def test_generator_keeps_its_promises(seed: int) -> None:
    log = generate_log(seed, 30)
    assert len(log) == 30
    check_log(log)
    assert generate_log(seed, 30) == log  # deterministic
    result = evaluate(log)
    # Every live event is accounted for exactly once: in a finding or uncovered.
    covered = {e for f in result.findings for e in f.events}
    assert not covered & set(result.uncovered_events)
    assert not covered & set(result.out_of_term_events)
    assert not covered & set(result.after_as_of_events)


def test_generator_covers_every_verdict_and_event_type() -> None:
    reasons: set[tuple[str, str]] = set()
    types: set[str] = set()
    for seed in range(300):
        log = generate_log(seed, 40)
        types.update(e["type"] for e in log)
        reasons.update((f.clause, f.reason) for f in evaluate(log).findings)
    spec_types = {
        "product_launch", "model_release", "ip_disclosure", "ip_withheld", "acquisition",
        "amendment_proposed", "amendment_signed", "revenue_report", "revenue_share_payment",
        "cloud_contract", "rofr_offer", "rofr_response", "restructuring", "approval",
        "fundraising", "agi_declaration", "antitrust_complaint", "explanation_request",
    }
    assert spec_types <= types
    expected_reasons = {(clause, reason) for clause, rows in {
        "ip-access": ["excluded", "disclosed", "scope-unclear", "timing-unspecified", "exempted",
                      "amendment-pending", "withheld", "overdue", "awaiting-disclosure"],
        "acquired-ip": ["excluded", "disclosed", "scope-unclear", "timing-unspecified", "exempted",
                        "amendment-pending", "withheld", "overdue"],
        "revenue-share": ["cap-reached", "paid", "within-window", "late", "underpaid", "overdue"],
        "cloud-rofr": ["no-offer", "offer-accepted", "declined", "lapsed", "window-open"],
        "restructuring-approval": ["conditional-approval", "approved", "ratified-after",
                                   "no-approval", "funding-depends-on-approval"],
        "agi-clause": ["milestone-met", "threshold-not-evidenced"],
    }.items() for reason in rows}
    assert expected_reasons <= reasons, expected_reasons - reasons


def test_shrink_finds_a_minimal_log() -> None:
    log = generate_log(7, 30)

    def has_breach(candidate: list[Event]) -> bool:
        return any(f.verdict == "breach" for f in evaluate(candidate).findings)

    assert has_breach(log)
    small = shrink(log, has_breach)
    check_log(small)
    assert has_breach(small)
    assert len(small) <= 2
