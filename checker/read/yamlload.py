"""YAML with positions: directives, duplicate keys, aliases, object tags and inexact numbers are refused.

One parse: every directive and every parser event passes a guard before the composer sees it,
so an alias (and with it any alias bomb), a non-standard tag (`!!python/object`, `!custom`) or a
`%TAG` directive that would bring one in is refused at its line and column before anything is
built or expanded. Every scalar is then constructed in place, so a value that cannot be read
(a date 2019-13-45, a 5000-digit number, `.nan`) is refused at its own line and column.

Figures are exact (SPEC §10): an integer stays an `int`, and a number with a point or an
exponent is read as the `Decimal` it spells (`YamlFloat.exact`), never through a binary float.
`plain()` hands those Decimals to the models; `.inf`, `.nan` and numbers with more than
`limits.MAX_NUMBER_DIGITS` digits before or after the point are refused where they are written.

Directives (decided for every YAML file the checker reads: contracts, templates, proposals,
policies, waivers, scenarios):
- `%YAML 1.2` is accepted (it is what is read anyway); `%YAML 1.1` is accepted and read by
  YAML 1.1's rules (`yes` is true, `017` is octal), as the file says; any other version is
  refused.
- `%TAG` is refused, whatever its prefix: a handle mapped to a foreign prefix would bring in
  tags under a short name, and the standard tags need no directive (`!!str`, `!!int`, ...).
- Any other directive (`%FOO`) is refused: YAML says to ignore it, but a directive the reader
  does not understand may change what the author meant.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode

from ..errors import CheckError, shorten
from ..limits import MAX_NUMBER_DIGITS, MAX_TIME_FRACTION_DIGITS, MAX_YAML_BYTES, MAX_YAML_DEPTH
from .events import fits_number_limits

STANDARD_PREFIX = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(
    f"{STANDARD_PREFIX}{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)
STR_TAG, INT_TAG, FLOAT_TAG = (f"{STANDARD_PREFIX}{name}" for name in ("str", "int", "float"))
TIMESTAMP_TAG, MAP_TAG, SEQ_TAG = (f"{STANDARD_PREFIX}{name}" for name in ("timestamp", "map", "seq"))
BOOL_TAG = f"{STANDARD_PREFIX}bool"
# Plain scalars that ruamel resolves to YAML 1.1's `=` (value) and `<<` (merge) types: read as text.
TEXT_TAGS = frozenset({STR_TAG, f"{STANDARD_PREFIX}value", f"{STANDARD_PREFIX}merge"})
MERGE_TAG = f"{STANDARD_PREFIX}merge"
COLLECTION_TAGS = {"MappingStartEvent": MAP_TAG, "SequenceStartEvent": SEQ_TAG}
YAML_VERSIONS = ((1, 1), (1, 2))
DECIMAL_RE = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
NOT_FINITE_RE = re.compile(r"[-+]?\.(?:inf|nan)", re.IGNORECASE)
TIME_FRACTION_RE = re.compile(r":[0-9]{2}\.([0-9]*)")
# An integer's digits (sign, underscores, base prefix and leading zeros removed) past this count
# are refused before they are converted: even in base 2 they exceed 10**MAX_NUMBER_DIGITS.
MAX_INT_TEXT = 4 * MAX_NUMBER_DIGITS
TOO_LONG = f"at most {MAX_NUMBER_DIGITS} digits before and after the decimal point"


class YamlFloat(float):
    """A YAML number with a point or an exponent, as written: `exact` is its Decimal value.

    A float only so that code walking the raw tree sees a number; figures are taken from
    `exact` (`plain()` does), never from the binary float.
    """

    __slots__ = ("exact",)
    exact: Decimal

    def __new__(cls, exact: Decimal) -> YamlFloat:
        self = super().__new__(cls, exact)
        self.exact = exact
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (YamlFloat, (self.exact,))

    def __repr__(self) -> str:
        return str(self.exact)

    __str__ = __repr__


class _Refused(Exception):
    """A directive or value refused while parsing; load_yaml names the file."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.line = mark.line + 1 if mark is not None else 1
        self.col = mark.column + 1 if mark is not None else None


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(STANDARD_PREFIX):] if tag.startswith(STANDARD_PREFIX) else tag


def exact_number(text: str, mark: Any) -> Decimal:
    """The Decimal a YAML float spells, digit for digit, or a refusal at `mark`."""
    compact = text.replace("_", "")
    if NOT_FINITE_RE.fullmatch(compact):
        raise _Refused(f"{shorten(text, 40)} is not a finite number: figures must be finite", mark)
    if not DECIMAL_RE.fullmatch(compact):
        raise _Refused(f"{shorten(text, 40)} is not a decimal number (write digits, an optional point and "
                       "exponent, or quote it to mean text)", mark)
    too_long = _Refused(f"the number {shorten(text, 40)} is too long: {TOO_LONG}", mark)
    if len(compact) > 3 * MAX_NUMBER_DIGITS:
        raise too_long
    try:
        value = Decimal(compact)
    except InvalidOperation:
        raise too_long from None
    if not fits_number_limits(value):
        raise too_long
    return value


class ExactConstructor(RoundTripConstructor):
    """ruamel's round-trip constructor with exact numbers and every scalar refused at its position."""

    def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
        if isinstance(node, MappingNode):
            for key_node, _ in node.value:
                if key_node.tag == MERGE_TAG:
                    raise _Refused("YAML merge keys (<<) are not allowed; write the keys out", key_node.start_mark)
                if not isinstance(key_node, ScalarNode):
                    raise _Refused("a mapping key must be a plain name, not a list or a mapping", key_node.start_mark)
        if not isinstance(node, ScalarNode):
            return super().construct_non_recursive_object(node, tag)
        tag = node.tag if tag is None else tag
        mark = node.start_mark
        text = node.value
        if tag in TEXT_TAGS:
            return self.construct_scalar(node)
        if tag == FLOAT_TAG:
            return YamlFloat(exact_number(text, mark))
        if tag == TIMESTAMP_TAG:
            fraction = TIME_FRACTION_RE.search(text)
            if fraction is not None and len(fraction.group(1)) > MAX_TIME_FRACTION_DIGITS:
                raise _Refused(f"time {shorten(text)} has {len(fraction.group(1))} fractional digits; times are compared "
                               f"exactly to the microsecond, so at most {MAX_TIME_FRACTION_DIGITS} can be kept", mark)
        if tag == INT_TAG:
            body = text.replace("_", "").lstrip("+-").lower()
            if body[:2] in ("0x", "0o", "0b"):
                body = body[2:]
            if len(body.lstrip("0")) > MAX_INT_TEXT:
                raise _Refused(f"the number {shorten(text, 40)} is too long: {TOO_LONG}", mark)
        try:
            value = super().construct_non_recursive_object(node, tag)
        except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as exc:
            if tag == TIMESTAMP_TAG:
                raise _Refused(f"invalid date {shorten(text)}: {exc}", mark) from None
            raise _Refused(f"{shorten(text)} is not a valid {_show_tag(str(tag))} value", mark) from None
        if tag == INT_TAG and abs(value) >= 10**MAX_NUMBER_DIGITS:
            raise _Refused(f"the number {shorten(text, 40)} is too long: {TOO_LONG}", mark)
        if tag == BOOL_TAG:
            return bool(value)  # an anchored `true` is ruamel's ScalarBoolean, an int: never a number here
        if isinstance(value, dt.datetime) and type(value) is not dt.datetime:
            return dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                               value.microsecond, value.tzinfo)
        return value


def _guard_events(get_event: Callable[[], Any]) -> Callable[[], Any]:
    """Wrap the parser's get_event: aliases and foreign tags are refused as they are read."""

    def guarded() -> Any:
        event = get_event()
        mark = event.start_mark
        if type(event).__name__ == "AliasEvent":
            raise _Refused(f"YAML aliases (*{shorten(event.anchor, 40)[1:-1]}) are not allowed; write the value out",
                           mark)
        tag = getattr(event, "tag", None)
        if isinstance(tag, str) and tag not in ALLOWED_TAGS:
            raise _Refused(
                f"YAML tag {shorten(_show_tag(tag), 80)} is not allowed (no objects are constructed from YAML; "
                "only plain values, lists and mappings)", mark,
            )
        kind = type(event).__name__
        if isinstance(tag, str) and kind in COLLECTION_TAGS and tag != COLLECTION_TAGS[kind]:
            what = "mapping" if kind == "MappingStartEvent" else "list"
            raise _Refused(f"YAML tag {_show_tag(tag)} cannot tag a {what}", mark)
        return event

    return guarded


def _guard_directives(scan_directive: Callable[[], Any]) -> Callable[[], Any]:
    """Wrap the scanner's scan_directive: see the module doc for what is accepted."""

    def guarded() -> Any:
        token = scan_directive()
        mark = token.start_mark
        if token.name == "YAML":
            major, minor = token.value
            if (major, minor) not in YAML_VERSIONS:
                raise _Refused(f"%YAML {major}.{minor}: only YAML 1.1 and 1.2 are read", mark)
        elif token.name == "TAG":
            handle, prefix = token.value
            raise _Refused(
                f"%TAG {shorten(handle, 40)[1:-1]} {shorten(prefix, 80)[1:-1]}: %TAG directives are not allowed "
                "(no tags beyond YAML's standard !!str, !!int, ... are read)", mark,
            )
        else:
            raise _Refused(f"unknown YAML directive %{shorten(token.name, 40)[1:-1]} (only %YAML and %TAG are read)",
                           mark)
        return token

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


def _load_text(text: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.Constructor = ExactConstructor
    yaml.allow_duplicate_keys = False
    yaml.max_depth = MAX_YAML_DEPTH
    if hasattr(yaml, "doc_infos"):
        # What YAML.load() does before parsing (ruamel ≥ 0.18.7): its scanner records a %YAML
        # directive's version there and fails with an IndexError when the list is empty.
        from ruamel.yaml.docinfo import DocInfo, version

        yaml.doc_infos.append(DocInfo(requested_version=version(yaml.version)))
    constructor, parser = yaml.get_constructor_parser(text)
    scanner = yaml.scanner
    scanner.scan_directive = _guard_directives(scanner.scan_directive)
    parser.get_event = _guard_events(parser.get_event)
    try:
        with warnings.catch_warnings():
            # A reused anchor name is harmless when no alias can refer to it; no warning on stderr.
            warnings.simplefilter("ignore")
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
        raise CheckError(f"file is {len(raw)} bytes; YAML files are limited to {MAX_YAML_BYTES}", path, 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw[:start].count(b"\n") + 1
        raise CheckError(f"not UTF-8 (byte 0x{raw[start]:02x})", path, line) from None
    try:
        data = _load_text(text)
    except _Refused as exc:
        raise CheckError(exc.message, path, exc.line, exc.col) from None
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
    """Plain Python values (dict, list, str, int, exact Decimal, date) from a ruamel tree."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, YamlFloat):
        return node.exact
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return Decimal(repr(node))  # not from load_yaml: its shortest spelling, never its binary expansion
    if isinstance(node, str):
        return str(node)
    return node
