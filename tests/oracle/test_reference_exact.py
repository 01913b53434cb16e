"""Pins the reference evaluator on exact times and typed values (SPEC §10), edge by edge.

Times are compared to the microsecond as written (offsets with seconds and fractions included;
more than six fractional digits refused); N days are exactly N × 86400 s; which end of each window
is inclusive follows docs/semantics.md ("at or before" is inclusive everywhere: a payment exactly
at report + 45 d is within the window, an offer exactly 30 d old has lapsed, a disclosure at the
exact launch time is on time).  Values keep their JSON type: ``"34"`` ≠ ``34``, ``true`` ≠ ``1``,
``1`` = ``1.0``.  Also pins the promises of the sub-second and mixed-type generators.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from .generator import (
    check_log,
    from_json_line,
    generate_log,
    generate_mixed_log,
    generate_subsecond_log,
    to_json_line,
)
from .reference import ReferenceResult, evaluate, finding_id, instance_key, parse_time, same

Event = dict[str, Any]
T0 = datetime(2025, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)


def ev(event_id: str, time: str, event_type: str, actor: str = "openai", **fields: Any) -> Event:
    return {"id": event_id, "time": time, "type": event_type, "actor": actor, **fields}


def z(moment: datetime) -> str:
    """A UTC instant written with all six fractional digits and ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def at(days: float = 0, seconds: float = 0, micros: int = 0) -> str:
    return z(T0 + timedelta(days=days, seconds=seconds, microseconds=micros))


def tick(event_id: str, time: str) -> Event:
    return ev(event_id, time, "board_meeting", "microsoft")


Row = tuple[str, list[Event], tuple[str, str, list[str]]]


def rows(table: list[Row]) -> pytest.MarkDecorator:
    """Parametrize (log, expected) by the rows of a table, each named by its first column."""
    return pytest.mark.parametrize(
        ("log", "expected"), [pytest.param(log, expected, id=name) for name, log, expected in table]
    )


def only(result: ReferenceResult, clause: str) -> tuple[str, str, list[str]]:
    found = [f for f in result.findings if f.clause == clause]
    assert len(found) == 1, result.findings
    return found[0].verdict, found[0].reason, found[0].events


# --------------------------------------------------------------------------- reading times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-01T00:00:00.999999Z", T0 + timedelta(microseconds=999_999)),
        ("2025-01-01T00:00:00.5Z", T0 + timedelta(milliseconds=500)),
        ("2025-01-01T00:00:00.500000Z", T0 + timedelta(milliseconds=500)),
        ("2025-01-01T05:30:00.5+05:30", T0 + timedelta(milliseconds=500)),
        ("2024-12-31T18:30:00.000001-05:30", T0 + MICRO),
        ("2025-01-01T00:00:00-00:00", T0),
        ("2025-01-01", T0),
        # Offsets with seconds and fractions: the instant is local time minus the offset.
        ("2024-12-31T23:59:59.5-00:00:00.5", T0),
        ("2025-01-01T00:00:00.4+00:00:00.5", T0 - timedelta(milliseconds=100)),
        ("2024-12-31T23:59:59.999999-00:00:00.000001", T0),
        ("2025-01-01T05:30:00.25+05:30:00.25", T0),
        ("2024-12-31T14:29:29.5-09:30:30.5", T0),
    ],
)
def test_times_are_read_exactly(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2025-01-01T00:00:00.1234567Z", "2025-01-01T00:00:00.0000000+00:00", "2025-01-01T00:00:00+00:00:00.1234567"],
)
def test_more_than_six_fractional_digits_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="fractional digits"):
        parse_time(text)


# --------------------------------------------------------------------------- revenue-share window

R = "2025-01-01T00:00:00.5Z"  # a report half a second after midnight
# Its window: 45 days after the report's day, to the end of the last one (counsel's count).
W = datetime(2025, 2, 15, 23, 59, 59, 999999, tzinfo=UTC)


def report(event_id: str = "R", time: str = R, revenue: object = 1000) -> Event:
    return ev(event_id, time, "revenue_report", period="2025-Q1", revenue_usd=revenue)


def pay(event_id: str, time: str, amount: object = 200, ref: str = "R") -> Event:
    return ev(event_id, time, "revenue_share_payment", to="microsoft", ref=ref, amount_usd=amount)


@rows(
    [
        ("paid exactly at W", [report(), pay("p", z(W))], ("ok", "paid", ["R", "p"])),
        ("paid exactly at W, written +05:30", [report(), pay("p", "2025-02-15T05:30:00.5+05:30")],
         ("ok", "paid", ["R", "p"])),
        ("paid 1 us after W is late", [report(), pay("p", z(W + MICRO))], ("breach", "late", ["R", "p"])),
        ("paid 0.999 s after W is late", [report(), pay("p", z(W + timedelta(milliseconds=999)))],
         ("breach", "late", ["R", "p"])),
        ("paid 1 us after W, offset with a fraction",
         [report(), pay("p", "2025-02-16T00:00:00.000001-00:00:00.5")], ("breach", "late", ["R", "p"])),
        ("paid late on the 45th day is on time", [report(), pay("p", "2025-02-15T23:30:00Z")], ("ok", "paid", ["R", "p"])),
        ("1 us before W nothing is due yet", [report(), tick("t", z(W - MICRO))], ("pending", "within-window", ["R"])),
        ("as-of exactly at W: overdue", [report(), tick("t", z(W))], ("breach", "overdue", ["R"])),
        ("half paid in the window, rest 1 us late",
         [report(), pay("p1", z(W), 100), pay("p2", z(W + MICRO), 100)], ("breach", "late", ["R", "p1", "p2"])),
    ],
)
def test_revenue_window_to_the_microsecond(log: list[Event], expected: tuple[str, str, list[str]]) -> None:
    assert only(evaluate(log), "revenue-share") == expected


# --------------------------------------------------------------------------- ip-access period

L = at(seconds=0.25)  # launch
D = datetime(2025, 4, 1, 23, 59, 59, 999999, tzinfo=UTC)  # the end of the 90th day after the launch's day


def launch(kinds: list[object], event_id: str = "L", time: str = L, product: object = "gpt-5") -> Event:
    return ev(event_id, time, "product_launch", product=product, ip=kinds)


def disclose(event_id: str, time: str, kinds: list[object], ref: str = "L", to: object = "microsoft") -> Event:
    return ev(event_id, time, "ip_disclosure", to=to, ref=ref, ip=kinds)


def withhold(event_id: str, time: str, kinds: list[object], ref: str = "L") -> Event:
    return ev(event_id, time, "ip_withheld", to="microsoft", ref=ref, ip=kinds, reason="safety")


def amend(event_id: str, time: str, exempt: list[object], signed: bool = True, clause: object = "ip-access") -> Event:
    event_type = "amendment_signed" if signed else "amendment_proposed"
    return ev(event_id, time, event_type, "microsoft", clause=clause, exempt=exempt)


@rows(
    [
        ("disclosed at the launch instant, written otherwise",
         [launch(["model_weights"]), disclose("d", "2025-01-01T05:30:00.25+05:30", ["model_weights"])],
         ("ok", "disclosed", ["L", "d"])),
        ("disclosed 1 us after the launch", [launch(["model_weights"]), disclose("d", at(seconds=0.25, micros=1),
                                                                              ["model_weights"])],
         ("grey", "timing-unspecified", ["L", "d"])),
        ("disclosed exactly at D", [launch(["model_weights"]), disclose("d", z(D), ["model_weights"])],
         ("grey", "timing-unspecified", ["L", "d"])),
        ("disclosed 1 us after D", [launch(["model_weights"]), disclose("d", z(D + MICRO), ["model_weights"])],
         ("breach", "overdue", ["L", "d"])),
        ("1 us before D: pending", [launch(["model_weights"]), tick("t", z(D - MICRO))],
         ("pending", "awaiting-disclosure", ["L"])),
        ("as-of exactly D: overdue", [launch(["model_weights"]), tick("t", z(D))], ("breach", "overdue", ["L"])),
        ("withheld exactly at D", [launch(["model_weights"]), withhold("w", z(D), ["model_weights"])],
         ("breach", "withheld", ["L", "w"])),
        ("withheld 1 us after D is no timely withholding",
         [launch(["model_weights"]), withhold("w", z(D + MICRO), ["model_weights"])], ("breach", "overdue", ["L"])),
        ("exemption signed at the withholding instant",
         [launch(["model_weights"]), withhold("w", at(5, 0.5), ["model_weights"]),
          amend("a", "2025-01-06T00:00:00-00:00:00.5", ["gpt-5"])],
         ("ok", "exempted", ["L", "a", "w"])),
        ("exemption signed 1 us after the withholding",
         [launch(["model_weights"]), withhold("w", at(5, 0.5), ["model_weights"]),
          amend("a", at(5, 0.5, 1), ["gpt-5"])],
         ("breach", "withheld", ["L", "w"])),
        ("signed exemption exactly at D", [launch(["model_weights"]), amend("a", z(D), ["gpt-5"])],
         ("ok", "exempted", ["L", "a"])),
        ("signed exemption 1 us after D", [launch(["model_weights"]), amend("a", z(D + MICRO), ["gpt-5"])],
         ("breach", "overdue", ["L"])),
    ],
)
def test_disclosure_period_to_the_microsecond(log: list[Event], expected: tuple[str, str, list[str]]) -> None:
    assert only(evaluate(log), "ip-access") == expected


# --------------------------------------------------------------------------- cloud-rofr window

C = T0 + timedelta(days=30, microseconds=250_000)  # the contract


def offer(event_id: str, time: str, provider: object = "oracle", to: object = "microsoft") -> Event:
    return ev(event_id, time, "rofr_offer", to=to, provider=provider)


def cloud(event_id: str = "C", time: str = z(C), provider: object = "oracle") -> Event:
    return ev(event_id, time, "cloud_contract", provider=provider, value_usd=1_000_000)


def answer(event_id: str, time: str, decision: object, ref: str = "O") -> Event:
    return ev(event_id, time, "rofr_response", "microsoft", ref=ref, decision=decision)


@rows(
    [
        ("offer on the contract's 30th day: the window is still open", [offer("O", at(seconds=0.25)), cloud()],
         ("breach", "window-open", ["C", "O"])),
        ("offer 31 days before the contract has lapsed", [offer("O", "2024-12-31T00:00:00Z"), cloud()],
         ("ok", "lapsed", ["C", "O"])),
        ("offer 1 us short of 30 d", [offer("O", at(seconds=0.25, micros=1)), cloud()],
         ("breach", "window-open", ["C", "O"])),
        ("offer on day 30, written with a fractional offset",
         [offer("O", "2024-12-31T23:59:59.75-00:00:00.5"), cloud()], ("breach", "window-open", ["C", "O"])),
        ("offer on the last microsecond of 30 Dec, written with a fractional offset",
         [offer("O", "2024-12-30T23:59:59.499999-00:00:00.5"), cloud()], ("ok", "lapsed", ["C", "O"])),
        ("offer 1 us after the contract", [offer("O", z(C + MICRO)), cloud()], ("breach", "no-offer", ["C"])),
        ("offer at the contract instant, later in the file", [cloud(), offer("O", "2025-01-31T05:30:00.25+05:30")],
         ("breach", "window-open", ["C", "O"])),
        ("decline at the contract instant", [offer("O", at(10)), cloud(), answer("A", z(C), "decline")],
         ("ok", "declined", ["C", "O", "A"])),
        ("decline 1 us after the contract does not count",
         [offer("O", at(10)), cloud(), answer("A", z(C + MICRO), "decline")], ("breach", "window-open", ["C", "O"])),
    ],
)
def test_rofr_window_to_the_microsecond(log: list[Event], expected: tuple[str, str, list[str]]) -> None:
    assert only(evaluate(log), "cloud-rofr") == expected


# --------------------------------------------------------------------------- approvals, milestone, term, order


def restructure(time: str) -> Event:
    return ev("S", time, "restructuring", kind="public-benefit-corporation")


def approve(event_id: str, time: str, subject: object = "restructuring", conditions: list[object] | None = None) -> Event:
    return ev(event_id, time, "approval", "microsoft", subject=subject, conditions=conditions or [])


def test_approval_one_microsecond_late_is_ratification() -> None:
    log = [restructure(at(seconds=0.5)), approve("a", at(seconds=0.5, micros=1))]
    assert only(evaluate(log), "restructuring-approval") == ("grey", "ratified-after", ["S", "a"])


def test_approval_at_the_same_instant_written_otherwise_is_prior() -> None:
    log = [restructure(at(seconds=0.5)), approve("a", "2024-12-31T23:59:59.999999-00:00:00.500001")]
    assert only(evaluate(log), "restructuring-approval") == ("ok", "approved", ["S", "a"])


def test_milestone_declared_after_a_launch_does_not_end_it() -> None:
    """Issue 12: a milestone 0.8 s after a launch must not suppress that launch's obligation."""
    log = [
        launch(["model_weights"], "L1", at(seconds=0.1)),
        ev("G", at(seconds=0.9), "agi_declaration", profits_usd="100000000000", verified_by="board"),
        launch(["model_weights"], "L2", "2025-01-01T05:30:00.9+05:30"),  # the milestone's instant: ended
        launch(["model_weights"], "L3", at(seconds=0.9, micros=-1)),  # 1 µs before: not ended
    ]
    result = evaluate(log)
    assert result.verdicts() == [
        ("ip-access", "L1", "model_weights", "pending/awaiting-disclosure"),
        ("ip-access", "L3", "model_weights", "pending/awaiting-disclosure"),
        ("agi-clause", "G", "", "info/milestone-met"),
    ]
    assert result.uncovered_events == ["L2"]


@pytest.mark.parametrize(
    ("time", "in_term"),
    [
        ("2019-07-21T23:59:59.999999Z", False),
        ("2019-07-22T00:00:00.000000Z", True),
        ("2019-07-21T23:59:59.5-00:00:00.5", True),  # 2019-07-22T00:00:00Z
        ("2019-07-22T00:00:00.4+00:00:00.5", False),  # 2019-07-21T23:59:59.9Z
        ("2030-12-31T23:59:59.999999Z", True),
        ("2031-01-01T05:29:59.999999+05:30", True),
        ("2030-12-31T23:59:59.5-00:00:00.5", False),  # 2031-01-01T00:00:00Z
    ],
)
def test_term_edges_to_the_microsecond(time: str, in_term: bool) -> None:
    result = evaluate([restructure(time)], as_of=datetime(2032, 1, 1, tzinfo=UTC))
    assert (result.out_of_term_events == []) is in_term


def test_equal_instants_written_differently_keep_file_order() -> None:
    log = [
        report("Rb", "2025-01-01T05:30:00.5+05:30", 400_000_000_000),  # 80 bn due: uses the cap first
        report("Ra", "2025-01-01T00:00:00.500000Z", 100_000_000_000),  # the same instant: 12 bn left
        report("Rc", "2025-01-01T00:00:00.500001Z", 100),  # 1 µs later: nothing left
    ]
    dues = sorted((f.events[0], f.amount_due) for f in evaluate(log).findings)
    assert dues == [("Ra", Decimal(12_000_000_000)), ("Rb", Decimal(80_000_000_000)), ("Rc", Decimal(0))]


# --------------------------------------------------------------------------- typed values


def test_typed_equality() -> None:
    assert same(34, Decimal("34.0")) and same(1, Decimal("1E+0")) and same(100, Decimal("1E+2"))
    assert not same("34", 34) and not same("1", 1) and not same(True, 1) and not same(False, 0)
    assert not same("true", True) and not same(None, 0) and same("model_weights", "model_weights")


def kinds(result: ReferenceResult) -> list[tuple[object, str, str, list[str]]]:
    return [(f.instance, f.verdict, f.reason, f.events) for f in result.findings if f.clause == "ip-access"]


def test_a_string_spelling_a_number_does_not_cover_the_number() -> None:
    result = evaluate([launch([34]), disclose("d", L, ["34"])])
    assert kinds(result) == [(34, "grey", "scope-unclear", ["L"])]
    assert result.uncovered_events == ["d"]


def test_an_equal_number_spelt_otherwise_covers_it() -> None:
    assert kinds(evaluate([launch([34]), disclose("d", L, [Decimal("34.0")])])) == [(34, "ok", "disclosed", ["L", "d"])]


def test_a_boolean_is_not_a_number() -> None:
    result = evaluate([launch([1, True]), disclose("d", L, [True])])
    assert sorted(kinds(result), key=lambda k: instance_key(k[0])) == [
        (True, "ok", "disclosed", ["L", "d"]),
        (1, "grey", "scope-unclear", ["L"]),
    ]


def test_each_distinct_typed_item_is_one_instance() -> None:
    result = evaluate([launch(["model_weights", 1, Decimal("1.0"), "1", True, "true", "model_weights"]), tick("t", L)])
    instances = [f.instance for f in result.findings]
    assert len(instances) == 5  # model_weights, 1 (= 1.0), "1", true, "true"
    assert len({f.id for f in result.findings}) == 5
    assert {instance_key(i) for i in instances} == {"model_weights", "number:1", "1", "boolean:true", "true"}


def test_items_of_other_types_are_kinds_nobody_named() -> None:
    """The contract names strings: a number, a boolean or a string spelling one is neither in scope
    nor excluded, even next to the named kinds."""
    result = evaluate([launch(["user_interface", 34, False, "0"]), tick("t", z(D))])
    assert sorted((instance_key(k), v, r) for k, v, r, _ in kinds(result)) == [
        ("0", "grey", "scope-unclear"),
        ("boolean:false", "grey", "scope-unclear"),
        ("number:34", "grey", "scope-unclear"),
        ("user_interface", "ok", "excluded"),
    ]


def test_finding_ids_keep_the_type_and_ignore_the_spelling() -> None:
    assert instance_key("model_weights") == "model_weights"  # ids of string kinds are unchanged
    assert instance_key(34) == instance_key(Decimal("34.0")) == instance_key(Decimal("3.4E+1")) == "number:34"
    assert instance_key(Decimal("2.50")) == instance_key(Decimal("2.5")) == "number:2.5"
    assert instance_key(Decimal("-0")) == instance_key(0) == "number:0"
    assert instance_key(True) == "boolean:true"
    assert instance_key("number:34") == "string:number:34"  # a string never takes a number's id
    assert instance_key("boolean:true") == "string:boolean:true"
    result = evaluate([launch([34, "number:34", True, "boolean:true"]), tick("t", L)])
    assert len({f.id for f in result.findings}) == 4
    assert finding_id("ip-access", "L", instance_key(34)) in {f.id for f in result.findings}


def test_exemption_subjects_are_typed() -> None:
    def verdict(exempt: list[object]) -> tuple[str, str, list[str]]:
        log = [
            ev("A", L, "acquisition", target=34, amount_usd=1000, ip=["model_weights"]),
            amend("s", at(1), exempt, clause="acquired-ip"),
            withhold("w", at(2), ["model_weights"], ref="A"),
        ]
        return only(evaluate(log), "acquired-ip")

    assert verdict(["34"]) == ("breach", "withheld", ["A", "w"])
    assert verdict([True]) == ("breach", "withheld", ["A", "w"])
    assert verdict([Decimal("34.0")]) == ("ok", "exempted", ["A", "s", "w"])


def test_amendment_clause_and_disclosure_recipient_are_typed() -> None:
    log = [launch(["model_weights"]), disclose("d", L, ["model_weights"], to=True),
           amend("a", at(1), ["gpt-5"], clause=1), withhold("w", at(2), ["model_weights"])]
    result = evaluate(log)
    assert only(result, "ip-access") == ("breach", "withheld", ["L", "w"])
    assert result.uncovered_events == ["d", "a"]


def test_rofr_provider_and_decision_are_typed() -> None:
    def verdict(offered: object, decision: object | None = None) -> tuple[str, str, list[str]]:
        log = [offer("O", at(10), provider=offered), cloud(provider=34)]
        if decision is not None:
            log.append(answer("A", at(11), decision))
        return only(evaluate(log), "cloud-rofr")

    assert verdict("34") == ("breach", "no-offer", ["C"])
    assert verdict(True) == ("breach", "no-offer", ["C"])
    assert verdict(Decimal("34.0")) == ("breach", "window-open", ["C", "O"])
    assert verdict(34, "decline") == ("ok", "declined", ["C", "O", "A"])
    assert verdict(34, True) == ("breach", "window-open", ["C", "O"])  # true is no decision
    assert verdict(34, 1) == ("breach", "window-open", ["C", "O"])


def test_approval_subject_and_conditional_on_are_typed() -> None:
    log = [approve("a1", at(-2), subject=1), approve("a2", at(-1), subject=True), restructure(at(0)),
           ev("F", at(1), "fundraising", investor="x", amount_usd=1, conditional_on=True)]
    result = evaluate(log)
    assert result.verdicts() == [("restructuring-approval", "S", "", "breach/no-approval")]
    assert result.uncovered_events == ["a1", "a2", "F"]


@pytest.mark.parametrize("conditions", [[0], [False], [""], ["0"]])
def test_any_condition_item_makes_an_approval_conditional(conditions: list[object]) -> None:
    log = [approve("a", at(-1), conditions=conditions), restructure(at(0))]
    assert only(evaluate(log), "restructuring-approval") == ("grey", "conditional-approval", ["S", "a"])


@pytest.mark.parametrize(
    "bad",
    [{"id": 5}, {"ref": 5}, {"actor": True}, {"ip": [None]}, {"ip": [["model_weights"]]}],
)
def test_what_the_reference_does_not_judge_is_refused(bad: dict[str, Any]) -> None:
    event = {**launch(["model_weights"]), **bad}
    with pytest.raises(ValueError):
        evaluate([launch(["model_weights"], "5"), event] if "ref" in bad else [event])


# --------------------------------------------------------------------------- generators


def test_original_logs_are_unchanged() -> None:
    """The sub-second and mixed-type shapes were added without changing a single original log."""
    digest = hashlib.sha256()
    for seed in range(100):
        digest.update(json.dumps(generate_log(seed, 12 + seed % 40), sort_keys=True).encode())
    assert digest.hexdigest() == "e0116e997197ab0ebcaa50e7a9f1613a57ce3149c713467d4b6ddfa00fdd4b0e"


@pytest.mark.parametrize("generate", [generate_subsecond_log, generate_mixed_log])
@pytest.mark.parametrize("seed", range(20))
def test_new_generators_keep_their_promises(generate: Any, seed: int) -> None:
    log = generate(seed, 30)
    assert len(log) == 30
    check_log(log)
    assert generate(seed, 30) == log
    assert [from_json_line(to_json_line(e)) for e in log] == log
    result = evaluate(log)
    covered = {e for f in result.findings for e in f.events}
    assert not covered & set(result.uncovered_events)
    assert len({f.id for f in result.findings}) == len(result.findings)


def _edge_gaps(logs: list[list[Event]]) -> dict[str, set[int]]:
    """Signed distances (µs) of evidence from its edge, when under a second: which sides are probed."""
    gaps: dict[str, set[int]] = {"payment-window": set(), "disclosure-period": set(), "disclosure-trigger": set(),
                                 "offer-lapse": set()}
    for log in logs:
        times = {e["id"]: parse_time(e["time"]) for e in log}
        by_id = {e["id"]: e for e in log}
        contracts = [e for e in log if e["type"] == "cloud_contract"]
        for e in log:
            edges: list[tuple[str, datetime]] = []
            target = by_id.get(e.get("ref", ""))
            if e["type"] == "revenue_share_payment" and target is not None:
                edges.append(("payment-window", times[target["id"]] + timedelta(days=45)))
            if e["type"] == "ip_disclosure" and target is not None:
                edges.append(("disclosure-period", times[target["id"]] + timedelta(days=90)))
                edges.append(("disclosure-trigger", times[target["id"]]))
            if e["type"] == "rofr_offer":
                edges.extend(("offer-lapse", times[c["id"]] - timedelta(days=30)) for c in contracts)
            for name, edge in edges:
                gap = times[e["id"]] - edge
                if abs(gap) < timedelta(seconds=1):
                    gaps[name].add(gap // MICRO)
    return gaps


def test_subsecond_logs_probe_both_sides_of_every_edge() -> None:
    logs = [generate_subsecond_log(seed, 40) for seed in range(300)]
    for name, found in _edge_gaps(logs).items():
        assert 0 in found, name
        assert any(0 < g for g in found) and any(g < 0 for g in found), (name, sorted(found))
        assert 1 in found or -1 in found, (name, sorted(found))  # one microsecond away
    texts = [e["time"] for log in logs for e in log]
    assert any(t.endswith("-00:00:00.5") for t in texts) and any(".999999" in t for t in texts)
    reasons = {(f.clause, f.reason) for log in logs[:150] for f in evaluate(log).findings}
    assert len(reasons) >= 30, sorted(reasons)


def test_mixed_logs_mix_the_types() -> None:
    logs = [generate_mixed_log(seed, 40) for seed in range(200)]
    ip_lists = [e["ip"] for log in logs for e in log if isinstance(e.get("ip"), list)]

    def has(items: list[object], *checks: Any) -> bool:
        return all(any(check(i) for i in items) for check in checks)

    def number(i: object) -> bool:
        return isinstance(i, (int, Decimal)) and not isinstance(i, bool)

    def numeric_string(i: object) -> bool:
        return isinstance(i, str) and i.replace(".", "").replace("e", "").isdigit()

    def boolean(i: object) -> bool:
        return isinstance(i, bool)

    def named(i: object) -> bool:
        return isinstance(i, str) and "_" in i

    assert any(has(items, number, numeric_string) for items in ip_lists)
    assert any(has(items, number, boolean) for items in ip_lists)
    assert any(has(items, number, numeric_string, named) for items in ip_lists)
    assert any(has(items, lambda i: isinstance(i, Decimal)) for items in ip_lists)
    for field in ("product", "target", "provider", "subject", "decision", "conditional_on", "to"):
        values = [e[field] for log in logs for e in log if field in e]
        assert any(number(v) for v in values) and any(boolean(v) for v in values), field
    exempt = [i for log in logs for e in log for i in e.get("exempt", [])]
    assert has(exempt, number, numeric_string, boolean)
