"""Waivers: reviewed findings acknowledged with a justification, an approver and an expiry.

A waived finding keeps its verdict; it is marked in every output and no longer fails the exit
code. Expiry is judged at the run's as-of date (so a run stays reproducible; `--as-of today`
judges it against the clock). Expired waivers and waivers that match no finding are reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import CheckError
from .findings import CheckResult, Finding
from .templates import load_document
from .yamlload import position


class WaiverEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    finding: str | None = Field(default=None, pattern=r"^[0-9a-f]{4,16}$")
    clause: str | None = None
    trigger: str | None = None
    justification: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    expires: dt.date

    @field_validator("finding", "trigger", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("an id made only of digits must be quoted ('0123…'): YAML reads it as a number")
        return value

    @model_validator(mode="after")
    def _one_target(self) -> WaiverEntry:
        if (self.finding is None) == (self.clause is None or self.trigger is None):
            if self.finding is None:
                raise ValueError("name a finding id, or both clause and trigger (the trigger event id)")
            raise ValueError("name either a finding id or clause + trigger, not both")
        return self


class WaiverFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: list[WaiverEntry]


@dataclass(frozen=True)
class Waiver:
    entry: WaiverEntry
    file: str
    line: int

    @property
    def target(self) -> str:
        return self.entry.finding or f"{self.entry.clause} / {self.entry.trigger}"

    def matches(self, finding: Finding) -> bool:
        if self.entry.finding is not None:
            return finding.id.startswith(self.entry.finding)
        return finding.clause == self.entry.clause and finding.events[0].id == self.entry.trigger

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "line": self.line, "target": self.target,
            "justification": self.entry.justification, "approver": self.entry.approver,
            "expires": self.entry.expires.isoformat(),
        }


def load_waivers(path: Path) -> list[Waiver]:
    parsed, tree = load_document(path, WaiverFile, "waivers", "a waiver file must be a YAML mapping with a 'waivers' list")
    waivers = []
    for index, entry in enumerate(parsed.waivers):
        line, _ = position(tree, ("waivers", index))
        waivers.append(Waiver(entry, str(path), line or 1))
    return waivers


def apply_waivers(result: CheckResult, waivers: list[Waiver]) -> None:
    """Mark waived findings; record expired and stale waivers on the result."""
    as_of = result.as_of.date()
    for waiver in waivers:
        matched = [f for f in result.findings if waiver.matches(f)]
        if not matched:
            result.stale_waivers.append(waiver.to_json())
            continue
        if waiver.entry.expires < as_of:
            result.expired_waivers.append({**waiver.to_json(), "findings": [f.id for f in matched]})
            continue
        for finding in matched:
            if finding.waiver is None:
                finding.waiver = waiver.to_json()


def check_waiver_targets(waivers: list[Waiver]) -> None:
    seen: dict[str, Waiver] = {}
    for waiver in waivers:
        if waiver.target in seen:
            raise CheckError(f"a second waiver for {waiver.target} (first at line {seen[waiver.target].line})",
                             waiver.file, waiver.line)
        seen[waiver.target] = waiver
