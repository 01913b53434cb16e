"""YAML with positions: duplicate keys, aliases and object tags are refused.

One parse: every parser event passes a guard before the composer sees it, so an alias (and
with it any alias bomb) or a non-standard tag (`!!python/object`, `!custom`) is refused at its
line and column before anything is built or expanded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import CheckError, shorten

MAX_YAML_BYTES = 5 * 1024 * 1024
MAX_YAML_DEPTH = 64
ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)
TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.\d*)?"
    r"(?:[ \t]*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?$"
)


def _show_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _guard(path: Path, get_event: Callable[[], Any]) -> Callable[[], Any]:
    """Wrap the parser's get_event: aliases and foreign tags are refused as they are read."""

    def guarded() -> Any:
        event = get_event()
        mark = event.start_mark
        if type(event).__name__ == "AliasEvent":
            raise CheckError(
                f"YAML aliases (*{shorten(event.anchor, 40)[1:-1]}) are not allowed; write the value out",
                path, mark.line + 1, mark.column + 1,
            )
        tag = getattr(event, "tag", None)
        if isinstance(tag, str) and tag not in ALLOWED_TAGS:
            raise CheckError(
                f"YAML tag {shorten(_show_tag(tag), 80)} is not allowed (no objects are constructed from YAML; "
                "only plain values, lists and mappings)",
                path, mark.line + 1, mark.column + 1,
            )
        return event

    return guarded


def _yaml_error(path: Path, exc: MarkedYAMLError) -> CheckError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    if "found character '\\t'" in str(problem):
        problem = "tab character: YAML indentation must use spaces"
    if mark is None:
        return CheckError(f"invalid YAML: {problem}", path, 1)
    return CheckError(f"invalid YAML: {problem}", path, mark.line + 1, mark.column + 1)


def _duplicate_key_error(path: Path, exc: MarkedYAMLError) -> CheckError:
    mark = exc.problem_mark
    key = str(exc.problem).split('"')[1] if '"' in str(exc.problem) else "?"
    return CheckError(
        f"duplicate key {shorten(key)} (a key may appear once per mapping)", path,
        mark.line + 1 if mark else 1, mark.column + 1 if mark else None,
    )


def _bad_scalar(path: Path, text: str, exc: Exception) -> CheckError:
    """Where a value the YAML parser accepted failed to construct (e.g. the date 2019-13-45)."""
    for event in YAML(typ="rt").parse(text):
        if type(event).__name__ != "ScalarEvent" or event.style is not None or getattr(event, "tag", None):
            continue
        match = TIMESTAMP_RE.match(event.value)
        if not match:
            continue
        try:
            dt.date(int(match[1]), int(match[2]), int(match[3]))
            if match[4] is not None:
                dt.time(int(match[4]), int(match[5]), int(match[6]))
        except ValueError as problem:
            mark = event.start_mark
            return CheckError(f"invalid date {shorten(event.value)}: {problem}", path, mark.line + 1, mark.column + 1)
    return CheckError(f"invalid YAML value: {shorten(str(exc), 200)}", path, 1)


def _load_text(path: Path, text: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.max_depth = MAX_YAML_DEPTH
    constructor, parser = yaml.get_constructor_parser(text)
    parser.get_event = _guard(path, parser.get_event)
    try:
        return constructor.get_single_data()
    finally:
        parser.dispose()


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
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw[:start].count(b"\n") + 1
        raise CheckError(f"not UTF-8 (byte 0x{raw[start]:02x})", path, line) from None
    try:
        data = _load_text(path, text)
    except MarkedYAMLError as exc:
        if type(exc).__name__ == "DuplicateKeyError":
            raise _duplicate_key_error(path, exc) from None
        if type(exc).__name__ == "MaxDepthExceededError":
            mark = exc.problem_mark
            raise CheckError(f"YAML nested more than {MAX_YAML_DEPTH} levels deep", path,
                             mark.line + 1 if mark else 1, mark.column + 1 if mark else None) from None
        raise _yaml_error(path, exc) from None
    except YAMLError as exc:
        raise CheckError(f"invalid YAML: {shorten(str(exc), 200)}", path, 1) from None
    except RecursionError:
        raise CheckError(f"YAML nested more than {MAX_YAML_DEPTH} levels deep", path, 1) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise _bad_scalar(path, text, exc) from None
    if data is None:
        raise CheckError("file is empty", path, 1)
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
