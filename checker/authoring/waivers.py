"""Waivers: reviewed findings acknowledged with a justification, an approver and an expiry.

A waived finding keeps its verdict; it is marked in every output and no longer fails the exit
code. Expiry is judged at the run's as-of date (so a run stays reproducible; `--as-of today`
judges it against the clock).

A waiver names exactly one finding: its full 16-digit id, or its clause + trigger (the id of the
event that set the obligation off) + `instance` when that event set off several findings of the
clause (one per IP kind, for example). `covers: all` says explicitly that a clause + trigger
waiver covers every finding of that pair. A clause + trigger waiver that matches several findings
without either is ambiguous: it waives none of them and is reported, like expired waivers and
waivers that match no finding (stale). A short id prefix is refused when the file is read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..errors import CheckError, shorten
from ..findings import CheckResult, Finding
from ..language.templates import load_document
from ..read.yamlload import position

FINDING_ID_RE = re.compile(r"[0-9a-f]{16}")
SHOWN_FINDINGS = 5  # an ambiguous waiver's note lists at most this many of the findings it matches


class WaiverEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    finding: str | None = None
    clause: str | None = Field(default=None, min_length=1)
    trigger: str | None = Field(default=None, min_length=1)
    instance: str | None = Field(default=None, min_length=1)
    covers: Literal["all"] | None = None
    justification: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    expires: dt.date

    @field_validator("finding", "clause", "trigger", "instance", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("an id made only of digits must be quoted ('0123…'): YAML reads it as a number")
        return value

    @field_validator("finding")
    @classmethod
    def _full_id(cls, value: str | None) -> str | None:
        if value is not None and not FINDING_ID_RE.fullmatch(value):
            raise PydanticCustomError(
                "finding_id",
                "must be the full 16-character finding id (0-9, a-f) the report prints: a shorter "
                "prefix could also match other findings")
        return value

    @model_validator(mode="after")
    def _one_target(self) -> WaiverEntry:
        by_pair = {"clause": self.clause, "trigger": self.trigger, "instance": self.instance, "covers": self.covers}
        if self.finding is not None:
            extra = [name for name, value in by_pair.items() if value is not None]
            if extra:
                raise ValueError(f"name either a finding id or clause + trigger, not both (remove {', '.join(extra)})")
        elif self.clause is None or self.trigger is None:
            raise ValueError("name a finding id, or both clause and trigger (the trigger event id)")
        elif self.instance is not None and self.covers is not None:
            raise ValueError("name one instance or write 'covers: all', not both")
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
        e = self.entry
        if e.finding is not None:
            return e.finding
        return " / ".join(p for p in (e.clause, e.trigger, e.instance) if p is not None) + (
            " (all instances)" if e.covers == "all" else "")

    @property
    def key(self) -> tuple[str | None, ...]:
        """What two waivers must not share: a `covers: all` waiver and a plain one for the same pair clash."""
        return (self.entry.finding, self.entry.clause, self.entry.trigger, self.entry.instance)

    def matches(self, finding: Finding) -> bool:
        e = self.entry
        if e.finding is not None:
            return finding.id == e.finding
        return (finding.clause == e.clause and finding.events[0].id == e.trigger
                and (e.instance is None or finding.instance == e.instance))

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
    """Mark waived findings; record stale, ambiguous and expired waivers on the result.

    A waiver that matches several findings without `covers: all` is ambiguous and waives none of
    them (even if it has also expired: renewing it would not make it apply).
    """
    as_of = result.as_of.date()
    for waiver in waivers:
        matched = [f for f in result.findings if waiver.matches(f)]
        if not matched:
            result.stale_waivers.append(waiver.to_json())
            continue
        if len(matched) > 1 and waiver.entry.covers is None:
            result.ambiguous_waivers.append({**waiver.to_json(), "findings": [f.id for f in matched],
                                             "instances": [f.instance for f in matched]})
            continue
        if waiver.entry.expires < as_of:
            result.expired_waivers.append({**waiver.to_json(), "findings": [f.id for f in matched]})
            continue
        for finding in matched:
            if finding.waiver is None:
                finding.waiver = waiver.to_json()


def _shown(text: str) -> str:
    """Text from a waiver file or an event log, safe to print on one terminal line."""
    return text if text.isprintable() else shorten(text, 200)


def waiver_notes(result: CheckResult) -> list[str]:
    """One `file:line: ...` line per waiver that did not apply, for standard error."""
    notes = [f"{w['file']}:{w['line']}: waiver for {_shown(w['target'])} is expired" for w in result.expired_waivers]
    notes += [f"{w['file']}:{w['line']}: waiver for {_shown(w['target'])} is stale (matches no finding)"
              for w in result.stale_waivers]
    for w in result.ambiguous_waivers:
        pairs = list(zip(w["instances"], w["findings"], strict=True))
        listed = ", ".join(f"{shorten(instance) if instance else 'no instance'} ({fid})"
                           for instance, fid in pairs[:SHOWN_FINDINGS])
        more = f" and {len(pairs) - SHOWN_FINDINGS} more" if len(pairs) > SHOWN_FINDINGS else ""
        # Two duties one event sets off in one clause can share an instance: only the id tells them apart.
        how = ("with 'instance:' or by its finding id" if len(set(w["instances"])) == len(pairs)
               else "by its finding id")
        notes.append(f"{w['file']}:{w['line']}: waiver for {_shown(w['target'])} is ambiguous and waives none: "
                     f"it matches {len(pairs)} findings, instances {listed}{more}; name one {how}, "
                     f"or write 'covers: all' to waive them all")
    return notes


def check_waiver_targets(waivers: list[Waiver]) -> None:
    seen: dict[tuple[str | None, ...], Waiver] = {}
    for waiver in waivers:
        first = seen.get(waiver.key)
        if first is not None:
            raise CheckError(f"a second waiver for {_shown(waiver.target)} (first at line {first.line})",
                             waiver.file, waiver.line)
        seen[waiver.key] = waiver
