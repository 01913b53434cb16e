"""The two floors the checker is compared with (run by bench/run.py, each in its own process).

    python bench/floor.py parse  LOG.jsonl   # orjson-parse every line, nothing else
    python bench/floor.py engine LOG.jsonl   # parse + bare durable-rules with the checker's joins

`parse` is the least any reader of the log must do. `engine` is the least a durable-rules based
checker must do: it parses the log, orders it by time, and asserts into durable_rules_engine
directly — with no validation, no verdicts, no findings — only the events some clause of
contracts/openai-microsoft-2019.yaml addresses, as facts of the same shape checker/language/compiler.py
generates: one ruleset per clause, one rule per (obligation, evidence role) joining the evidence
fact to the obligation fact on the partition key `k` (plus the template's extra join
conditions), 64 session ids per clause, engine ids assigned per sid, strings interned to ints,
every queued action drained synchronously after each instant, obligation facts retracted at
their deadline, and — as the checker does — evidence bound to one trigger (`partition: ref`)
retracted when that trigger's obligations close, and never asserted when it can no longer match
(its trigger is not one of this clause's, or is already closed). The selectors (types,
actor/where filters, `each` items, partition keys) are hand-written here from rules/*.yaml and
the contract, deliberately independent of checker/.

Prints one JSON object: counts and the seconds spent parsing and in the engine.
"""

from __future__ import annotations

import datetime as dt
import heapq
import sys
import time
from collections.abc import Callable
from itertools import groupby
from typing import Any

import orjson

PARTITIONS = 64
DAY = 86_400
OBLIGOR, HOLDER = "openai", "microsoft"
UTC = dt.UTC


def read(path: str) -> list[dict[str, Any]]:
    with open(path, "rb") as f:
        data = f.read()
    return [orjson.loads(line) for line in data.split(b"\n") if line.strip()]


def parse_floor(path: str) -> dict[str, Any]:
    started = time.perf_counter()
    events = read(path)
    return {"events": len(events), "parse_s": time.perf_counter() - started}


# --- the bare engine ------------------------------------------------------------------------

class Interner(dict[Any, int]):
    def __missing__(self, key: Any) -> int:
        code = len(self) + 1
        self[key] = code
        return code


Getter = Callable[[dict[str, Any], Any], Any]
# (ob|ev, role, accepts, partition key or None for broadcast, attributes, `each` field, deadline days,
#  bound: evidence keyed by `ref`, i.e. bound to one trigger event)
Spec = tuple[str, str, Callable[[dict[str, Any]], bool], Getter | None, dict[str, Getter], str | None, int | None,
             bool]


class Clause:
    """One ruleset: obligation roles (opened_by) and evidence roles, with their join rules."""

    def __init__(self, name: str, intern: Interner) -> None:
        import durable_rules_engine as dre

        self.dre = dre
        self.name = name
        self.intern = intern
        self.rules: dict[str, Any] = {}
        self.by_type: dict[str, list[Spec]] = {}
        self.opens: dict[str, list[Callable[[dict[str, Any]], bool]]] = {}
        self.live: dict[int, int] = {}  # trigger seq → open obligations
        self.bound: dict[int, list[str]] = {}  # trigger seq → evidence facts bound to it
        self.closed: set[int] = set()  # triggers whose obligations all closed
        self.next_id = [1] * PARTITIONS
        self.dirty = False
        self.handle: Any = None
        self.asserted = 0
        self.actions = 0

    def code(self, role: str) -> int:
        return self.intern[f"{self.name}/{role}"]

    def obligation(self, role: str, types: list[str], accepts: Callable[[dict[str, Any]], bool],
                   key: Callable[[dict[str, Any], Any], Any], attrs: dict[str, Callable[[dict[str, Any], Any], Any]],
                   each: str | None, deadline_days: int | None) -> None:
        spec: Spec = ("ob", role, accepts, key, attrs, each, deadline_days, False)
        for t in types:
            self.by_type.setdefault(t, []).append(spec)
            self.opens.setdefault(t, []).append(accepts)
        # As checker/language/compiler.py: every obligation has a judge join (never fired here: the floor
        # retracts obligations at their deadline instead of judging them).
        self.rules[f"{role}|judge"] = {
            "all": [{"o": {"r": self.code(role)}}, {"j": {"$and": [{"r": self.code("judge")}, {"n": {"o": "n"}}]}}]
        }

    def evidence(self, role: str, ob_role: str, types: list[str], accepts: Callable[[dict[str, Any]], bool],
                 key: Callable[[dict[str, Any], Any], Any] | None,
                 attrs: dict[str, Callable[[dict[str, Any], Any], Any]], each: str | None,
                 conds: list[dict[str, Any]], bound: bool = False) -> None:
        spec: Spec = ("ev", role, accepts, key, attrs, each, None, bound)
        for t in types:
            self.by_type.setdefault(t, []).append(spec)
        terms: list[dict[str, Any]] = [{"r": self.code(role)}]
        if key is not None:
            terms.append({"k": {"o": "k"}})
        terms.extend(conds)
        self.rules[f"{ob_role}|{role}"] = {"all": [{"o": {"r": self.code(ob_role)}}, {"x": {"$and": terms}}]}

    def create(self) -> None:
        self.handle = self.dre.create_ruleset(self.name, orjson.dumps(self.rules).decode())

    def assert_fact(self, sid: int, fact: dict[str, Any]) -> str:
        fact["sid"] = str(sid)
        fact["id"] = self.next_id[sid]
        self.next_id[sid] += 1
        text = orjson.dumps(fact).decode()
        code = self.dre.assert_fact(self.handle, text)[0]
        if code not in (0, 3):
            raise RuntimeError(f"{self.name}: engine returned {code} for {text}")
        self.asserted += 1
        self.dirty = True
        return text

    def retract(self, text: str) -> None:
        code = self.dre.retract_fact(self.handle, text)[0]
        if code not in (0, 3):
            raise RuntimeError(f"{self.name}: engine returned {code} retracting {text}")

    def opens_on(self, target: dict[str, Any] | None) -> bool:
        return target is not None and any(accepts(target) for accepts in self.opens.get(target["type"], ()))

    def close(self, trigger: int) -> None:
        self.live[trigger] -= 1
        if not self.live[trigger]:
            del self.live[trigger]
            self.closed.add(trigger)
            for text in self.bound.pop(trigger, ()):
                self.retract(text)

    def drain(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        while True:
            started = self.dre.start_action(self.handle)
            if not started:
                return
            _state, message, state_handle = started
            while message:
                self.actions += len(orjson.loads(message))
                message = self.dre.complete_and_start_action(self.handle, state_handle)


def build(intern: Interner, by_id: dict[str, dict[str, Any]]) -> list[Clause]:
    """The six clauses of contracts/openai-microsoft-2019.yaml, as checker/language/compiler.py shapes them."""
    def field(name: str) -> Callable[[dict[str, Any], Any], Any]:
        return lambda e, item: e.get(name)

    def item(e: dict[str, Any], it: Any) -> Any:
        return it

    def ref_field(name: str) -> Callable[[dict[str, Any], Any], Any]:
        return lambda e, it: by_id.get(str(e.get("ref")), {}).get(name)

    def const(value: str) -> Callable[[dict[str, Any], Any], Any]:
        return lambda e, it: value

    eid = field("id")
    clauses: list[Clause] = []
    for name, triggers, subject in (("ip-access", ["product_launch", "model_release"], "product"),
                                    ("acquired-ip", ["acquisition"], "target")):
        c = Clause(name, intern)
        c.obligation("trigger", triggers, lambda e: e["actor"] == OBLIGOR, field(subject),
                     {"kind": item, "subject": field(subject)}, "ip", 90)
        for role, etype in (("disclosure", "ip_disclosure"), ("withholding", "ip_withheld")):
            c.evidence(role, "trigger", [etype], lambda e: e["actor"] == OBLIGOR and e.get("to") == HOLDER,
                       ref_field(subject), {"kind": item, "ref": field("ref")}, "ip",
                       [{"a_ref": {"o": "i"}}, {"a_kind": {"o": "a_kind"}}], bound=True)
        for role, etype in (("signed", "amendment_signed"), ("proposed", "amendment_proposed")):
            c.evidence(role, "trigger", [etype], _clause_is(name), item,
                       {"subject": item}, "exempt", [{"a_subject": {"o": "a_subject"}}])
        clauses.append(c)
    c = Clause("revenue-share", intern)
    c.obligation("report", ["revenue_report"], lambda e: e["actor"] == OBLIGOR, eid, {}, None, 45)
    c.evidence("payment", "report", ["revenue_share_payment"],
               lambda e: e["actor"] == OBLIGOR and e.get("to") == HOLDER, field("ref"), {"ref": field("ref")}, None,
               [{"a_ref": {"o": "i"}}], bound=True)
    clauses.append(c)
    c = Clause("cloud-rofr", intern)
    c.obligation("contract", ["cloud_contract"], lambda e: e["actor"] == OBLIGOR and e.get("provider") != HOLDER,
                 field("provider"), {"provider": field("provider")}, None, 0)
    c.evidence("offer", "contract", ["rofr_offer"], lambda e: e["actor"] == OBLIGOR and e.get("to") == HOLDER,
               field("provider"), {"provider": field("provider")}, None,
               [{"a_provider": {"o": "a_provider"}}, {"$lte": {"t": {"o": "t"}}}])
    c.evidence("response", "contract", ["rofr_response"], lambda e: e["actor"] == HOLDER,
               ref_field("provider"), {"ref": field("ref")}, None, [{"$lte": {"t": {"o": "t"}}}])
    clauses.append(c)
    c = Clause("restructuring-approval", intern)
    c.obligation("action", ["restructuring"], lambda e: e["actor"] == OBLIGOR, const("restructuring"), {}, None, 0)
    c.evidence("approval", "action", ["approval"],
               lambda e: e["actor"] == HOLDER and e.get("subject") == "restructuring", const("restructuring"), {},
               None, [])
    c.obligation("dependent", ["fundraising"],
                 lambda e: e["actor"] == OBLIGOR and e.get("conditional_on") == "restructuring", eid, {}, None, 0)
    clauses.append(c)
    c = Clause("agi-clause", intern)
    c.obligation("declaration", ["agi_declaration"], lambda e: e["actor"] == OBLIGOR, eid,
                 {"evidence_amount": field("profits_usd")}, None, 0)
    clauses.append(c)
    return clauses


def _clause_is(name: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e.get("clause") == name


def epoch_of(text: str, cache: dict[str, int]) -> int:
    value = cache.get(text)
    if value is None:
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        value = cache[text] = int(moment.timestamp())
    return value


def engine_floor(path: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    events = read(path)
    t1 = time.perf_counter()
    cache: dict[str, int] = {}
    for seq, e in enumerate(events):
        e["_t"] = epoch_of(e["time"], cache)
        e["_s"] = seq
    events.sort(key=lambda e: (e["_t"], e["_s"]))
    by_id = {e["id"]: e for e in events}
    intern = Interner()
    clauses = build(intern, by_id)
    for c in clauses:
        c.create()
    t2 = time.perf_counter()
    # (deadline, clause index, serial, fact json, trigger seq)
    expiries: list[tuple[int, int, int, str, int]] = []
    serial = 0
    facts = 0
    skipped = 0
    addressed: set[int] = set()
    for epoch, group_iter in groupby(events, key=lambda e: e["_t"]):
        while expiries and expiries[0][0] < epoch:
            _, ci, _, text, trigger = heapq.heappop(expiries)
            clauses[ci].retract(text)
            clauses[ci].close(trigger)
        group = list(group_iter)
        for ci, c in enumerate(clauses):
            for e in group:
                specs = c.by_type.get(e["type"])
                if not specs:
                    continue
                for kind, role, accepts, key, attrs, each, deadline, bound in specs:
                    if not accepts(e):
                        continue
                    addressed.add(e["_s"])
                    target = by_id.get(str(e.get("ref"))) if bound else None
                    if bound and (not c.opens_on(target) or target["_s"] in c.closed):  # type: ignore[index]
                        skipped += 1  # as the checker: evidence that can no longer match is not asserted
                        continue
                    items = [None] if each is None else list(dict.fromkeys(e.get(each) or []))
                    for it in items:
                        fact: dict[str, Any] = {"r": c.code(role), "t": epoch, "i": intern[e["id"]]}
                        if kind == "ob":
                            serial += 1
                            fact["n"] = serial
                        for name, get in attrs.items():
                            value = get(e, it)
                            if value is not None:
                                fact["a_" + name] = value if isinstance(value, int) else intern[value]
                        if key is None:  # broadcast evidence
                            for sid in range(PARTITIONS):
                                c.assert_fact(sid, dict(fact))
                                facts += 1
                            continue
                        k = key(e, it)
                        if k is None:
                            continue
                        fact["k"] = intern[k]
                        text = c.assert_fact(fact["k"] % PARTITIONS, fact)
                        facts += 1
                        if bound and target is not None:
                            c.bound.setdefault(target["_s"], []).append(text)
                        if kind == "ob" and deadline is not None:
                            c.live[e["_s"]] = c.live.get(e["_s"], 0) + 1
                            heapq.heappush(expiries, (epoch + deadline * DAY, ci, serial, text, e["_s"]))
            c.drain()
    t3 = time.perf_counter()
    return {
        "events": len(events), "addressed_events": len(addressed), "facts": facts, "skipped_evidence": skipped,
        "actions": sum(c.actions for c in clauses),
        "parse_s": t1 - t0, "prepare_s": t2 - t1, "engine_s": t3 - t2, "total_s": t3 - t0,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("parse", "engine"):
        print(__doc__, file=sys.stderr)
        return 2
    result = parse_floor(argv[1]) if argv[0] == "parse" else engine_floor(argv[1])
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
