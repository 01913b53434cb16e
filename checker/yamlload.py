"""YAML with positions: duplicate keys, aliases and object tags are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import CheckError

MAX_YAML_BYTES = 5 * 1024 * 1024


def _reject_aliases_and_tags(path: Path, text: str) -> None:
    """Scan tokens before composing: an alias bomb must be refused before it expands."""
    yaml = YAML(typ="rt")
    try:
        for event in yaml.parse(text):
            name = type(event).__name__
            mark = event.start_mark
            if name == "AliasEvent":
                raise CheckError(
                    "YAML aliases (*name) are not allowed in contract files; write the value out",
                    path, mark.line + 1, mark.column + 1,
                )
            tag = getattr(event, "tag", None)
            if tag and isinstance(tag, str) and not tag.startswith("tag:yaml.org,2002:"):
                raise CheckError(
                    f"YAML tag {tag!r} is not allowed (no objects are constructed from YAML)",
                    path, mark.line + 1, mark.column + 1,
                )
            if tag and isinstance(tag, str) and tag.startswith("tag:yaml.org,2002:python"):
                raise CheckError(f"YAML tag {tag!r} is not allowed", path, mark.line + 1, mark.column + 1)
    except MarkedYAMLError as exc:
        raise _yaml_error(path, exc) from None
    except YAMLError as exc:
        raise CheckError(f"invalid YAML: {exc}", path) from None


def _yaml_error(path: Path, exc: MarkedYAMLError) -> CheckError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    if "found character '\\t'" in str(problem):
        problem = "tab character: YAML indentation must use spaces"
    if mark is None:
        return CheckError(f"invalid YAML: {problem}", path)
    return CheckError(f"invalid YAML: {problem}", path, mark.line + 1, mark.column + 1)


def load_yaml(path: Path) -> Any:
    """Load one YAML document, keeping ruamel's line/column marks on maps and sequences."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CheckError("file not found", path) from None
    except IsADirectoryError:
        raise CheckError("is a directory, expected a YAML file", path) from None
    except OSError as exc:
        raise CheckError(f"cannot read: {exc.strerror}", path) from None
    if len(raw) > MAX_YAML_BYTES:
        raise CheckError(f"file is {len(raw)} bytes; YAML files are limited to {MAX_YAML_BYTES}", path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CheckError(f"not UTF-8 (byte 0x{raw[exc.start]:02x})", path, line) from None
    _reject_aliases_and_tags(path, text)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        if type(exc).__name__ == "DuplicateKeyError":
            mark = exc.problem_mark
            key = str(exc.problem).split('"')[1] if '"' in str(exc.problem) else "?"
            line = mark.line + 1 if mark else None
            col = mark.column + 1 if mark else None
            raise CheckError(f"duplicate key {key!r}", path, line, col) from None
        raise _yaml_error(path, exc) from None
    except YAMLError as exc:
        raise CheckError(f"invalid YAML: {exc}", path) from None
    if data is None:
        raise CheckError("file is empty", path)
    return data


def position(node: Any, loc: tuple[int | str, ...]) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the deepest node of `loc` that the YAML tree knows."""
    line: int | None = None
    col: int | None = None
    if isinstance(node, (CommentedMap, CommentedSeq)):
        line, col = node.lc.line + 1, node.lc.col + 1
    current = node
    for part in loc:
        if isinstance(current, CommentedMap) and part in current:
            kl, kc = current.lc.key(part)
            line, col = kl + 1, kc + 1
            current = current[part]
        elif isinstance(current, CommentedSeq) and isinstance(part, int) and 0 <= part < len(current):
            il, ic = current.lc.item(part)
            line, col = il + 1, ic + 1
            current = current[part]
        else:
            break
    return line, col


def plain(node: Any) -> Any:
    """Plain Python values (dict, list, str, int, Decimal-safe scalars) from a ruamel tree."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node
