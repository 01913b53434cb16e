"""The typed value layer between events and the engine.

JSON has strings, numbers, booleans, null, lists and objects; the engine and the verdict tables
see them with their type kept. Equal-looking values of different JSON types are never equal
(`"34"` is not `34`, `true` is not `1`); numbers are equal by value (`1` is `1.0`). Every
comparison, membership test, de-duplication and engine code goes through `key`, so a value can
never stand for a value of another type anywhere in the pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from decimal import Decimal
from typing import Any

import orjson

STRING, NUMBER, BOOLEAN, NULL, LIST, OBJECT = "string", "number", "boolean", "null", "list", "object"
DATE = "date"  # not JSON: dates written in contract YAML (effective, expires, definitions)


def kind(value: Any) -> str:
    """The JSON type of a value (booleans are not numbers)."""
    if isinstance(value, str):
        return STRING
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, (int, Decimal)):
        return NUMBER
    if value is None:
        return NULL
    if isinstance(value, (list, tuple)):
        return LIST
    if isinstance(value, dict):
        return OBJECT
    if isinstance(value, dt.date):
        return DATE
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def key(value: Any) -> Hashable:
    """A hashable identity that keeps the JSON type: equal keys ⇔ equal typed values.

    Strings are their own key (the common case costs nothing); every other kind is a tagged
    tuple, which no string can equal. Python hashes `1`, `1.0` and `Decimal("1.00")` alike and
    compares them equal, so numbers need no normalising.
    """
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, Decimal)):
        return ("n", value)
    if value is None:
        return ("z",)
    if isinstance(value, (list, tuple)):
        return ("l", tuple(key(v) for v in value))
    if isinstance(value, dict):
        return ("o", tuple(sorted((k, key(v)) for k, v in value.items())))
    if isinstance(value, str):  # a str subclass
        return str(value)
    # Values from contract YAML that JSON lacks (dates): keyed by their own type.
    return (type(value).__name__, value)


def same(left: Any, right: Any) -> bool:
    """Typed equality: values of different JSON types are never equal."""
    if type(left) is str and type(right) is str:
        return left == right
    return key(left) == key(right)


def member(value: Any, collection: Iterable[Any]) -> bool:
    """Typed membership (`"1"` is not in `[1]`)."""
    wanted = key(value)
    return any(key(item) == wanted for item in collection)


def distinct(values: Iterable[Any]) -> list[Any]:
    """The values in order, each typed value once; linear time."""
    seen: set[Hashable] = set()
    out: list[Any] = []
    for value in values:
        k = key(value)
        if k not in seen:
            seen.add(k)
            out.append(value)
    return out


def number_text(value: int | Decimal) -> str:
    """A number in plain decimal notation, one spelling per value (`2.50`, `2.5E0` → `2.5`;
    `1E+2` → `100`); no exponent, no float artefacts (lengths are bounded by limits.py)."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def display(value: Any) -> str:
    """A value as written in JSON (strings bare): `true`, `34`, `["a", 1]`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, Decimal)):
        return number_text(value)
    return orjson.dumps(value, default=_json_default).decode()


TAGS = ("string:", "number:", "boolean:", "null:", "list:", "object:")


def tagged(value: Any) -> str:
    """A text identity for a value that keeps its type: strings bare (so ids of text instances
    never change), others as `number:34`, `boolean:true`; a string that itself starts with a tag
    gets `string:` in front, so no text can pass for a number."""
    if isinstance(value, str):
        return "string:" + value if value.startswith(TAGS) else value
    return f"{kind(value)}:{display(value)}"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(number_text(value))
    raise TypeError(type(value).__name__)
