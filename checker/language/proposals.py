"""Proposals (contracts/proposals/*.yaml): amendments of a contract, loaded as the amended contract.

A proposal names the contract it amends by id and lists changes (set parameters or clause
fields, define terms, remove or add a clause, exempt subjects, offer an equity stake), or gives
a complete new version of the contract. Loading it copies the base contract's YAML tree, applies
the changes to the copy and passes the result through the same loader as any contract
(`parse_contract_tree`, `check_contract`). Every part of the amended tree remembers the file it
was written in, so an error or a lint finding names the proposal's line for what the proposal
wrote and the base contract's line for what it kept.

A proposal says when its terms apply: `effective` (a date) is the day the amendment takes
effect; obligations set off before it keep the terms of the contract it amends (the document
keeps that contract, loaded, as `base_contract`), unless `retroactive: true` (with a
`retroactive_reason`) applies the new terms to earlier events too. A proposal without
`effective` states no date; `contract-check diff` then judges every event under its terms, as
a what-if, and says so.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import CheckError
from ..models import KEBAB, SNAKE, Contract, Strict
from ..read.yamlload import load_yaml, plain
from .contracts import LoadedContract, check_contract, parse_contract_tree
from .templates import LoadedTemplate, validation_error

# Clause parameters an `exempt` change fills (the scoped-disclosure template reads them).
EXEMPT_SUBJECTS = "exempt_subjects"
EXEMPT_IP = "exempt_ip"
EQUITY_DEFINITION = "{holder}_equity_percent"

Loc = tuple[int | str, ...]
CLAUSES: Loc = ("contract", "clauses")


# --- where each part of a tree was written ---------------------------------------------


class Origins:
    """The file each node of an (amended) contract tree comes from, and its line and column there."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.nodes: dict[int, str] = {}
        self.entries: dict[tuple[int, int | str], str] = {}
        self._alive: list[Any] = []  # marked nodes stay referenced, so their ids stay theirs

    def mark_node(self, node: Any, file: str) -> None:
        self.nodes[id(node)] = file
        self._alive.append(node)

    def mark_entry(self, parent: Any, key: int | str, file: str | None) -> None:
        if file is None:
            self.entries.pop((id(parent), key), None)
        else:
            self.entries[(id(parent), key)] = file
        self._alive.append(parent)

    def entry_file(self, parent: Any, key: int | str) -> str | None:
        return self.entries.get((id(parent), key))

    def resolve(self, tree: Any, loc: Loc) -> tuple[str, int | None, int | None]:
        """(file, line, column) of the deepest node of `loc` the tree knows, 1-based."""
        here, line, col, _ = self._walk(tree, loc)
        return here, line, col

    def context(self, tree: Any, loc: Loc) -> str:
        """The file the node at `loc` was written in (its unmarked children were written there too)."""
        return self._walk(tree, loc)[3]

    def _walk(self, tree: Any, loc: Loc) -> tuple[str, int | None, int | None, str]:
        file = self.nodes.get(id(tree), self.base)
        here = file
        line: int | None = None
        col: int | None = None
        node = tree
        if isinstance(node, (CommentedMap, CommentedSeq)) and node.lc.line is not None:
            line, col = node.lc.line + 1, node.lc.col + 1
        for part in loc:
            try:
                if isinstance(node, CommentedMap) and part in node:
                    kl, kc = node.lc.key(part)
                elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                    kl, kc = node.lc.item(part)
                else:
                    break
            except (KeyError, TypeError):
                break
            here = self.entries.get((id(node), part), file)
            line, col = kl + 1, kc + 1
            node = node[part]
            file = self.nodes.get(id(node), here)
        return here, line, col, file


@dataclass(frozen=True)
class AmendedContract(LoadedContract):
    """A contract built from a proposal: positions resolve to the file each part was written in."""

    origins: Origins

    def where(self, loc: Loc) -> tuple[int | None, int | None]:
        _, line, col = self.origins.resolve(self.tree, loc)
        return line, col

    def fail(self, loc: Loc, message: str) -> CheckError:
        file, line, col = self.origins.resolve(self.tree, loc)
        return CheckError(message, file, line, col)


@dataclass(frozen=True)
class ExemptionNote:
    """What a proposal's `exempt` change says about one exempted subject beyond the clause data."""

    acquisition_usd: Decimal | None
    board_sign_off: str | None


@dataclass(frozen=True)
class Document:
    """A contract or a proposal file, loaded as the contract it stands for."""

    path: str
    kind: Literal["contract", "proposal"]
    loaded: LoadedContract
    origins: Origins
    proposal_id: str | None = None
    base: str | None = None
    notes: dict[tuple[str, str], ExemptionNote] = field(default_factory=dict)
    # A proposal: the contract it amends (the terms before `effective`), and when its terms apply.
    base_contract: LoadedContract | None = None
    effective: dt.date | None = None
    retroactive: bool = False
    retroactive_reason: str = ""

    def locate(self, loc: Loc) -> tuple[str, int | None, int | None]:
        return self.origins.resolve(self.loaded.tree, loc)


# --- reading files: the working tree or a git revision ----------------------------------


class Source:
    """Reads YAML documents from the working tree, or as committed at a git revision."""

    def __init__(self, rev: str | None = None) -> None:
        self.rev = rev
        self._rev_exists: bool | None = None

    def label(self, path: Path) -> str:
        return str(path) if self.rev is None else f"{self.rev}:{path}"

    def _git(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(["git", *args], capture_output=True, check=False)
        except OSError as exc:
            raise CheckError(f"cannot run git: {exc.strerror}") from None

    def _spec(self, path: Path) -> str:
        rel = os.path.relpath(path) if path.is_absolute() else os.path.normpath(path)
        return f"{self.rev}:./{Path(rel).as_posix()}"

    def revision_exists(self) -> bool:
        """Whether the revision exists (a repository before its first commit has no HEAD)."""
        if self._rev_exists is None:
            if self._git("rev-parse", "--is-inside-work-tree").returncode != 0:
                raise CheckError(f"comparing with git revision {self.rev} needs a git repository; run it inside one")
            self._rev_exists = self._git("rev-parse", "--verify", "--quiet", f"{self.rev}^{{commit}}").returncode == 0
        return self._rev_exists

    def exists(self, path: Path) -> bool:
        if self.rev is None:
            return path.is_file()
        return self.revision_exists() and self._git("cat-file", "-e", self._spec(path)).returncode == 0

    def load(self, path: Path) -> Any:
        if self.rev is None:
            return load_yaml(path)
        shown = self._git("show", self._spec(path))
        if shown.returncode != 0:
            reason = shown.stderr.decode("utf-8", "replace").strip().splitlines()
            raise CheckError(f"not in git revision {self.rev}: {reason[-1] if reason else 'git show failed'}", self.label(path))
        with tempfile.TemporaryDirectory(prefix="contract-check-") as tmp:
            copy_path = Path(tmp) / path.name
            copy_path.write_bytes(shown.stdout)
            try:
                return load_yaml(copy_path)
            except CheckError as exc:
                raise CheckError(exc.message, self.label(path), exc.line, exc.col) from None


WORKING_TREE = Source()


# --- the proposal format ------------------------------------------------------------------


class HeaderChange(Strict):
    id: str | None = Field(default=None, pattern=KEBAB)
    title: str | None = None
    effective: dt.date | None = None
    expires: dt.date | None = None


class SetChange(Strict):
    clause: str
    section: str | None = None
    title: str | None = None
    text: str | None = None
    template: str | None = None
    severity: Literal["high", "medium", "low"] | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)


class RemoveChange(Strict):
    clause: str
    reason: str = ""


class AddChange(Strict):
    clause: dict[str, Any]
    after: str | None = None


class ExemptChange(Strict):
    clause: str
    subjects: list[str]
    ip: list[str]
    acquisition_usd: Decimal | None = Field(default=None, ge=0)
    board_sign_off: dt.date | str | None = None
    reason: str = ""


class EquityChange(Strict):
    holder: str = Field(pattern=SNAKE)
    percent: Any
    text: str = ""


CHANGES: dict[str, type[Strict] | None] = {
    "header": HeaderChange,
    "define": None,  # {name: definition}: checked by the contract model once applied
    "set": SetChange,
    "remove": RemoveChange,
    "add": AddChange,
    "exempt": ExemptChange,
    "equity": EquityChange,
}


class Proposal(Strict):
    id: str = Field(pattern=KEBAB)
    title: str
    amends: str = Field(pattern=KEBAB)
    base_file: str | None = None
    # The day the amendment takes effect (00:00 UTC): earlier obligations keep the old terms ...
    effective: dt.date | None = None
    # ... unless it applies to earlier events too, for a reason the proposal states.
    retroactive: bool = False
    retroactive_reason: str = ""
    summary: str = ""
    sources: list[str] = Field(default_factory=list)
    changes: list[dict[str, Any]] | None = None
    contract: dict[str, Any] | None = None


class ProposalFile(Strict):
    proposal: Proposal


def base_path(proposal_path: Path, proposal: Proposal) -> Path:
    """The base contract: `base_file` relative to the proposal, else `<amends>.yaml` in the parent folder."""
    relative = proposal.base_file or f"../{proposal.amends}.yaml"
    return Path(os.path.normpath(proposal_path.parent / relative))


# --- loading ---------------------------------------------------------------------------------


def document_kind(tree: Any, label: str) -> Literal["contract", "proposal"]:
    if isinstance(tree, dict) and "proposal" in tree:
        return "proposal"
    if isinstance(tree, dict) and "contract" in tree:
        return "contract"
    raise CheckError("expected a top-level 'contract' mapping (a contract) or 'proposal' mapping (a proposal)", label, 1, 1)


def is_contract_document(path: Path) -> bool:
    """Whether a YAML file is meant as a contract (a `contract` mapping) or a proposal (a
    `proposal` mapping). A file that cannot be read or parsed counts as one, so that its error
    is reported rather than skipped; a scenario file (`contract:` names a file) does not."""
    from ..read.yamlload import load_yaml

    try:
        tree = load_yaml(path)
    except CheckError:
        return True
    return isinstance(tree, dict) and any(isinstance(tree.get(key), dict) for key in ("contract", "proposal"))


def load_document(
    path: Path, templates: Mapping[str, LoadedTemplate], source: Source = WORKING_TREE, validate: bool = True
) -> Document:
    """A contract or proposal file as the contract it stands for; validated unless `validate` is false."""
    tree = source.load(path)
    label = source.label(path)
    if document_kind(tree, label) == "contract":
        loaded = parse_contract_tree(Path(label), tree)
        doc = Document(label, "contract", loaded, Origins(label))
    else:
        doc = _Amendment(path, label, tree, source).build()
    if validate:
        check_contract(doc.loaded, templates)
        if doc.base_contract is not None:
            check_contract(doc.base_contract, templates)
    return doc


class _Amendment:
    """Applies one proposal's changes to a copy of its base contract's tree."""

    def __init__(self, path: Path, label: str, tree: Any, source: Source) -> None:
        extra = [k for k in tree if k != "proposal"]
        if extra:
            line, col = tree.lc.key(extra[0])
            message = f"unknown top-level key {extra[0]!r} (a proposal file has only 'proposal')"
            raise CheckError(message, label, line + 1, col + 1)
        try:
            self.proposal = ProposalFile.model_validate(plain(tree)).proposal
        except ValidationError as exc:
            raise validation_error(Path(label), tree, exc, "proposal") from None
        self.path = path
        self.label = label
        self.tree = tree
        self.node: CommentedMap = tree["proposal"]
        self.source = source
        self.notes: dict[tuple[str, str], ExemptionNote] = {}
        self.origins = Origins(label)
        self.work = CommentedMap()
        p = self.proposal
        if (p.changes is None) == (p.contract is None):
            raise self.fail(("proposal",), "a proposal has either 'changes' (amendments) or 'contract' (a complete new version)")
        if p.retroactive and p.effective is None:
            raise self.fail(("proposal", "retroactive"),
                            "retroactive: true needs the date the amendment takes effect ('effective')")
        if p.retroactive and not p.retroactive_reason.strip():
            raise self.fail(("proposal", "retroactive"), "retroactive: true needs a stated 'retroactive_reason': "
                            "applying new terms to past events is a decision the proposal must explain")
        if p.retroactive_reason and not p.retroactive:
            raise self.fail(("proposal", "retroactive_reason"),
                            "retroactive_reason is given but the proposal is not retroactive (add retroactive: true)")

    def fail(self, loc: Loc, message: str) -> CheckError:
        _, line, col = Origins(self.label).resolve(self.tree, loc)
        return CheckError(message, self.label, line, col)

    def build(self) -> Document:
        p = self.proposal
        base = base_path(self.path, p)
        if not self.source.exists(base):
            where = "base_file" if p.base_file else "amends"
            raise self.fail(("proposal", where), f"the contract it amends is not at {self.source.label(base)}")
        base_tree = self.source.load(base)
        base_label = self.source.label(base)
        if isinstance(base_tree, dict) and "proposal" in base_tree:
            raise self.fail(("proposal", "amends"), f"{base_label} is a proposal; a proposal amends a contract")
        base_id = base_tree.get("contract", {}).get("id") if isinstance(base_tree, dict) else None
        if base_id != p.amends:
            raise self.fail(("proposal", "amends"), f"amends {p.amends!r}, but {base_label} holds contract {base_id!r}")
        if p.contract is not None:
            kl, kc = self.node.lc.key("contract")
            self.work.lc.line, self.work.lc.col = kl, kc
            self.work["contract"] = self.node["contract"]
            self.work.lc.add_kv_line_col("contract", [kl, kc, *self.node.lc.value("contract")])
        else:
            self.origins = Origins(base_label)
            self.work = copy.deepcopy(base_tree)
            for index, change in enumerate(self.node["changes"]):
                self.apply(index, change)
        origins, work = self.origins, self.work
        try:
            Contract.model_validate(plain(work["contract"]))
        except ValidationError as exc:
            loc = tuple(p for p in exc.errors()[0]["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            file, line, col = origins.resolve(work, ("contract", *loc))
            message = validation_error(Path(file), work["contract"], exc, "contract").message
            raise CheckError(f"the amended contract: contract.{message}", file, line, col) from None
        loaded = parse_contract_tree(Path(self.label), work)
        amended = AmendedContract(loaded.contract, loaded.file, loaded.tree, origins)
        if p.effective is not None and p.effective > amended.contract.expires:
            raise self.fail(("proposal", "effective"), f"the amendment takes effect on {p.effective}, after the "
                            f"contract it makes expires ({amended.contract.expires}): it would govern no event")
        before = parse_contract_tree(Path(base_label), base_tree)
        return Document(self.label, "proposal", amended, origins, p.id, base_label, dict(self.notes),
                        before, p.effective, p.retroactive, p.retroactive_reason.strip())

    # -- one change ---------------------------------------------------------------------------
    def apply(self, index: int, change: Any) -> None:
        loc: Loc = ("proposal", "changes", index)
        if not isinstance(change, CommentedMap) or len(change) != 1 or next(iter(change)) not in CHANGES:
            raise self.fail(loc, f"a change is one of {', '.join(CHANGES)} (a mapping with one of these keys)")
        kind = str(next(iter(change)))
        body = change[kind]
        model = CHANGES[kind]
        if model is not None:
            try:
                spec: Any = model.model_validate(plain(body))
            except ValidationError as exc:
                err = validation_error(Path(self.label), body, exc, kind)
                if err.line is None:
                    err = self.fail((*loc, kind), err.message)
                raise CheckError(f"changes[{index}].{kind}.{err.message}", self.label, err.line, err.col) from None
        elif not isinstance(body, CommentedMap) or not body:
            raise self.fail((*loc, kind), "define takes a mapping of definition names to definitions")
        else:
            spec = None
        getattr(self, "change_" + kind)((*loc, kind), body, spec)

    def change_header(self, loc: Loc, body: CommentedMap, spec: HeaderChange) -> None:
        for name in body:
            self.put(self.work["contract"], name, body, name)

    def change_define(self, loc: Loc, body: CommentedMap, spec: None) -> None:
        definitions = self.child_map(self.work["contract"], "definitions", body)
        for name in body:
            self.put(definitions, name, body, name)

    def change_set(self, loc: Loc, body: CommentedMap, spec: SetChange) -> None:
        clause = self.clauses()[self.clause_index(loc, spec.clause)]
        for name in body:
            if name not in ("clause", "parameters"):
                self.put(clause, name, body, name)
        if spec.parameters:
            parameters = self.child_map(clause, "parameters", body)
            for name in body["parameters"]:
                self.put(parameters, name, body["parameters"], name)

    def change_remove(self, loc: Loc, body: CommentedMap, spec: RemoveChange) -> None:
        clauses = self.clauses()
        index = self.clause_index(loc, spec.clause)
        items = self.seq_items(clauses, CLAUSES)
        del items[index]
        self.reset_seq(clauses, items)

    def change_add(self, loc: Loc, body: CommentedMap, spec: AddChange) -> None:
        clauses = self.clauses()
        node = body["clause"]
        new_id = spec.clause.get("id")
        if any(isinstance(c, dict) and c.get("id") == new_id for c in clauses):
            raise self.fail((*loc, "clause", "id"), f"clause {new_id!r} already exists; use 'set' to change it")
        items = self.seq_items(clauses, CLAUSES)
        at = len(items) if spec.after is None else self.clause_index((*loc, "after"), spec.after) + 1
        clone = copy.deepcopy(node)
        self.origins.mark_node(clone, self.label)
        items.insert(at, (clone, [node.lc.line, node.lc.col], self.label))
        self.reset_seq(clauses, items)

    def change_exempt(self, loc: Loc, body: CommentedMap, spec: ExemptChange) -> None:
        index = self.clause_index(loc, spec.clause)
        parameters = self.child_map(self.clauses()[index], "parameters", body)
        for name, key in ((EXEMPT_SUBJECTS, "subjects"), (EXEMPT_IP, "ip")):
            current = parameters.get(name)
            if current is None:
                current = CommentedSeq()
            elif not isinstance(current, CommentedSeq):
                raise self.fail((*loc, key), f"clause {spec.clause!r} gives {name} as a {type(current).__name__}, not a list")
            items = self.seq_items(current, (*CLAUSES, index, "parameters", name))
            given = body[key]
            for i, value in enumerate(given):
                if value not in [item for item, _, _ in items]:
                    items.append((value, list(given.lc.item(i)), self.label))
            merged = CommentedSeq()
            self.reset_seq(merged, items)
            self.set_entry(parameters, name, merged, body, key)
        sign_off = spec.board_sign_off
        note = ExemptionNote(spec.acquisition_usd, None if sign_off in (None, "") else str(sign_off))
        for subject in spec.subjects:
            self.notes[(spec.clause, subject)] = note

    def change_equity(self, loc: Loc, body: CommentedMap, spec: EquityChange) -> None:
        parties = [p.get("id") for p in self.work["contract"].get("parties", []) if isinstance(p, dict)]
        if spec.holder not in parties:
            raise self.fail((*loc, "holder"), f"{spec.holder!r} is not a party of the contract ({', '.join(map(str, parties))})")
        definition = CommentedMap()
        definition.lc.line, definition.lc.col = body.lc.line, body.lc.col
        value = body["percent"]
        definition["value"] = copy.deepcopy(value) if isinstance(value, (CommentedMap, CommentedSeq)) else value
        definition["unit"] = "percent"
        definition["text"] = spec.text or f"Equity stake offered to {spec.holder}, in percent."
        percent_at = [*body.lc.key("percent"), *body.lc.value("percent")]
        holder_at = [*body.lc.key("holder"), *body.lc.value("holder")]
        for key in definition:
            definition.lc.add_kv_line_col(key, percent_at if key == "value" else holder_at)
        self.origins.mark_node(definition, self.label)
        definitions = self.child_map(self.work["contract"], "definitions", body)
        name = EQUITY_DEFINITION.format(holder=spec.holder)
        definitions[name] = definition
        definitions.lc.add_kv_line_col(name, [body.lc.line, body.lc.col, body.lc.line, body.lc.col])
        self.origins.mark_entry(definitions, name, self.label)

    # -- tree surgery that keeps positions ------------------------------------------------------
    def clauses(self) -> CommentedSeq:
        clauses = self.work["contract"].get("clauses")
        if not isinstance(clauses, CommentedSeq):
            raise CheckError("the base contract has no list of clauses", self.origins.base)
        return clauses

    def clause_index(self, loc: Loc, clause_id: str) -> int:
        for index, clause in enumerate(self.clauses()):
            if isinstance(clause, dict) and clause.get("id") == clause_id:
                return index
        known = ", ".join(str(c.get("id")) for c in self.clauses() if isinstance(c, dict))
        raise self.fail((*loc, "clause") if loc[-1] != "after" else loc,
                        f"no clause {clause_id!r} in contract {self.proposal.amends!r} (clauses: {known})")

    def put(self, parent: CommentedMap, key: Any, src: CommentedMap, src_key: Any) -> None:
        """parent[key] = a copy of src[src_key], placed where the proposal wrote it."""
        value = src[src_key]
        clone = copy.deepcopy(value) if isinstance(value, (CommentedMap, CommentedSeq)) else value
        if isinstance(clone, (CommentedMap, CommentedSeq)):
            self.origins.mark_node(clone, self.label)
        self.set_entry(parent, key, clone, src, src_key)

    def set_entry(self, parent: CommentedMap, key: Any, value: Any, src: CommentedMap, src_key: Any) -> None:
        parent[key] = value
        parent.lc.add_kv_line_col(key, [*src.lc.key(src_key), *src.lc.value(src_key)])
        self.origins.mark_entry(parent, key, self.label)
        if isinstance(value, (CommentedMap, CommentedSeq)):
            self.origins.mark_node(value, self.label)

    def child_map(self, parent: CommentedMap, key: str, near: CommentedMap) -> CommentedMap:
        """parent[key] as a mapping, created (placed at `near`) when the base has none."""
        child = parent.get(key)
        if isinstance(child, CommentedMap):
            return child
        created = CommentedMap()
        created.lc.line, created.lc.col = near.lc.line, near.lc.col
        parent[key] = created
        parent.lc.add_kv_line_col(key, [near.lc.line, near.lc.col, near.lc.line, near.lc.col])
        self.origins.mark_entry(parent, key, self.label)
        self.origins.mark_node(created, self.label)
        return created

    def seq_items(self, seq: CommentedSeq, loc: Loc) -> list[tuple[Any, list[int], str]]:
        """The items of the sequence at `loc` with their positions and the file each was written in."""
        written_in = self.origins.context(self.work, loc)
        items: list[tuple[Any, list[int], str]] = []
        for i, item in enumerate(seq):
            try:
                pos = list(seq.lc.item(i))
            except (KeyError, TypeError):
                pos = [seq.lc.line or 0, seq.lc.col or 0]
            items.append((item, pos, self.origins.entry_file(seq, i) or written_in))
        return items

    def reset_seq(self, seq: CommentedSeq, items: list[tuple[Any, list[int], str]]) -> None:
        for i in range(len(seq)):
            self.origins.mark_entry(seq, i, None)
        seq.clear()
        if seq.lc.data is not None:
            seq.lc.data.clear()
        for i, (item, pos, file) in enumerate(items):
            seq.append(item)
            seq.lc.add_kv_line_col(i, pos)
            self.origins.mark_entry(seq, i, file)
        if items and seq.lc.line is None:
            seq.lc.line, seq.lc.col = items[0][1][0], items[0][1][1]
