"""The guarded durable-rules driver: synchronous, drained, every return code checked.

durable-rules loses work silently in several ways (see SPEC §8). This driver never uses the
stock Host or its timer threads; it assigns the engine's message ids itself, refuses any
assertion the engine reports as unhandled or already observed, runs every queued action
before returning, runs them before any retraction too (a retraction silently drops the actions
queued in its session), and lets an exception in an action surface instead of being swallowed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import orjson

from ..errors import InternalError
from ._engine_import import dre

SID_LIMIT = 1024
ENGINE_OK = (0, 3)
ENGINE_UNHANDLED = 1
ENGINE_OBSERVED = 2
ID_RETRIES = 16

_names = itertools.count(1)

Action = Callable[[str, dict[str, Any]], None]


class EngineSession:
    """One ruleset; facts carry our own per-sid engine ids; actions run when drained."""

    def __init__(self, ruleset: dict[str, Any], on_action: Action, partitions: int) -> None:
        if partitions > SID_LIMIT:
            raise InternalError(f"{partitions} partitions exceed the engine's {SID_LIMIT} sessions")
        self.name = f"contract-check-{next(_names)}"
        self.handle = dre.create_ruleset(self.name, orjson.dumps(ruleset).decode())
        self.on_action = on_action
        self.partitions = partitions
        self.next_id = [1] * partitions
        self.asserted = 0
        self.actions = 0
        self.draining = False
        # Only an assertion queues actions (the rules are joins, with no negation): a session
        # drained since its last assertion has nothing to run, and asking the engine costs a call.
        self.dirty = False

    def assert_fact(self, partition: int, fact: dict[str, Any]) -> dict[str, Any]:
        fact["sid"] = str(partition)
        for _ in range(ID_RETRIES):
            fact["id"] = self.next_id[partition]
            self.next_id[partition] += 1
            code = dre.assert_fact(self.handle, orjson.dumps(fact).decode())[0]
            if code in ENGINE_OK:
                self.asserted += 1
                self.dirty = True
                return fact
            if code == ENGINE_UNHANDLED:
                raise InternalError(f"{self.name}: the engine has no rule for fact {fact}")
            if code != ENGINE_OBSERVED:
                raise InternalError(f"{self.name}: engine returned {code} for fact {fact}")
            # An id whose 32-bit hash collides with an earlier one: take the next id.
        raise InternalError(f"{self.name}: no free engine id for fact {fact}")

    def retract_fact(self, fact: dict[str, Any]) -> None:
        # A retraction drops the actions still queued in its session (measured: a join queued
        # by an earlier assertion never ran), so every queued action runs first.
        if not self.draining and self.dirty:
            self.drain()
        code = dre.retract_fact(self.handle, orjson.dumps(fact).decode())[0]
        if code not in ENGINE_OK:
            raise InternalError(f"{self.name}: engine returned {code} retracting {fact}")

    def drain(self) -> None:
        """Run every queued action of every session id, synchronously."""
        if not self.dirty:
            return
        self.draining = True
        try:
            self._drain()
            # An action may assert (none does today); then the loop above has run its joins too.
            self.dirty = False
        finally:
            self.draining = False

    def _drain(self) -> None:
        while True:
            started = dre.start_action(self.handle)
            if not started:
                return
            _state, message, state_handle = started
            while message:
                try:
                    for rule, bindings in orjson.loads(message).items():
                        self.actions += 1
                        self.on_action(rule, bindings)
                except BaseException:
                    dre.abandon_action(self.handle, state_handle)
                    raise
                message = dre.complete_and_start_action(self.handle, state_handle)

    def close(self) -> None:
        dre.delete_ruleset(self.handle)
