"""The one table of input limits: every reader (event logs, YAML) checks these, once, in linear time.

A value past a limit is refused with `file:line: what is wrong` (or skipped under --lenient);
nothing is truncated, rounded or left to exhaust memory later in the pipeline.
"""

from __future__ import annotations

from typing import Final

# Files.
MAX_FILE_BYTES: Final = 2 * 1024 * 1024 * 1024  # one event log
MAX_LINE_BYTES: Final = 1024 * 1024  # one JSON line (or one .json array element)
MAX_YAML_BYTES: Final = 5 * 1024 * 1024  # one contract, template, proposal, policy, waiver file
MAX_YAML_DEPTH: Final = 64

# Values inside an event.
MAX_STRING_CHARS: Final = MAX_LINE_BYTES  # one string field
MAX_ID_CHARS: Final = 200  # id, type, actor, ref
MAX_DEPTH: Final = 32  # nesting of lists and objects
# Past this the JSON text is refused before it is decoded: the decoder recurses, and whether it
# runs out of stack depends on the Python version (3.11 fails near 1,000 levels, 3.13 does not).
# Between MAX_DEPTH and this, the decoded record is refused naming the field that nests too deep.
MAX_PARSE_DEPTH: Final = 256
MAX_LIST_ITEMS: Final = 10_000  # one list (each item may become an obligation or an engine fact)
# A number's fixed-point form: at most this many digits before and after the decimal point, so
# `1e300000000` is refused instead of expanding into a 300-million-digit report.
MAX_NUMBER_DIGITS: Final = 100
# Amounts (money) must also add up exactly within the engine's 100-digit decimal context.
MAX_AMOUNT_DIGITS: Final = 40
MAX_AMOUNT_DECIMALS: Final = 20
# Times keep microseconds; more fractional digits than that cannot be compared exactly.
MAX_TIME_FRACTION_DIGITS: Final = 6
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 9999
# A duration written in a contract (days, months, years) stays inside the representable years.
MAX_DURATION_DAYS: Final = 366 * (MAX_YEAR - MIN_YEAR)

LIMITS: Final[dict[str, tuple[int, str]]] = {
    "event log file": (MAX_FILE_BYTES, "bytes"),
    "JSON line / array element": (MAX_LINE_BYTES, "bytes"),
    "YAML file": (MAX_YAML_BYTES, "bytes"),
    "YAML nesting": (MAX_YAML_DEPTH, "levels"),
    "string field": (MAX_STRING_CHARS, "characters"),
    "id, type, actor, ref": (MAX_ID_CHARS, "characters"),
    "event nesting": (MAX_DEPTH, "levels"),
    "JSON text nesting": (MAX_PARSE_DEPTH, "levels"),
    "list": (MAX_LIST_ITEMS, "items"),
    "number": (MAX_NUMBER_DIGITS, "digits before and after the point"),
    "amount": (MAX_AMOUNT_DIGITS, "digits before the point"),
    "amount decimals": (MAX_AMOUNT_DECIMALS, "digits after the point"),
    "fraction of a second": (MAX_TIME_FRACTION_DIGITS, "digits"),
}
