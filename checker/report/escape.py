"""The one place where text from the data is made safe to show a human.

Every string that comes from an event log, a contract, a waiver file or a path can hold
characters that act on the reader's screen instead of showing: CR returns to the start of the
line (so "breach" can be overprinted with "ok"), LF starts a line the report never wrote (a fake
finding or summary), ESC starts a terminal control sequence, and Unicode bidirectional controls
reorder what is displayed (an id can read backwards). `human()` turns each such character into
a visible escape, so the text is shown as it is, on one line:

    "\\r" "\\n" "\\t"          CR, LF, TAB
    "\\x00" … "\\x1f" "\\x7f"  the other C0 controls and DEL
    "\\x80" … "\\x9f"          C1 controls
    "\\u202e" …                bidirectional controls (U+061C, U+200E/U+200F, U+202A–U+202E,
                               U+2066–U+2069), the line and paragraph separators U+2028/U+2029,
                               and lone surrogates (they cannot be written as UTF-8)

Backslashes are left alone (paths and prose keep them), so the escape is idempotent:
`human(human(s)) == human(s)`.

Every human format goes through here: the terminal text, Markdown, HTML, JUnit and SARIF
message texts, the lint renderer and the warnings printed on standard error. The JSON report is
for machines and keeps exact values.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Characters a human must never receive raw: C0 controls, DEL and C1 controls, the Arabic letter
# mark, LRM and RLM, the bidi embeddings, overrides and isolates, the line and paragraph
# separators, and lone surrogates.
_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff"
UNSAFE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_UNSAFE_IN_JSON = re.compile(f"[\x00-\x09\x0b-\x1f{_BEYOND_C0}]")  # a raw LF in JSON is its structure
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def human(value: object) -> str:
    """`value` as text a human can read literally: every unsafe character shown as an escape."""
    text = value if isinstance(value, str) else str(value)
    return UNSAFE.sub(_escape, text)


def json_safe(document: str) -> str:
    """Serialised JSON with every unsafe character inside its strings written as a `\\uXXXX`
    escape: the values stay exact for a parser, and a person who opens the file sees no
    character that acts on the screen (JSON itself escapes only C0 controls). The JSON must be
    serialised with escaped C0 controls, as `json` and `orjson` do, so a raw LF is structure."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)


# --- numbers ---------------------------------------------------------------------------------

# A number is written in fixed point with at most this many digits before and after the point
# (the event readers' limit); anything longer is written in scientific notation with at most
# this many significant digits, so a value like 1e5000 costs a few bytes, never 5000 digits.
MAX_DIGITS = 100
_INT_BITS = 332  # 2**332 < 10**100: an int of at most this many bits has at most 100 digits


def show_decimal(value: Decimal) -> str:
    """A Decimal as a reader expects it (grouped thousands), bounded in length whatever its exponent."""
    if not value.is_finite():
        return str(value)
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    before = len(digits) + exponent
    after = -exponent
    if before > MAX_DIGITS or after > MAX_DIGITS:
        significant = min(len(digits), MAX_DIGITS)
        mantissa, _, power = format(value, f".{significant - 1}E").partition("E")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{power}"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,f}"


def show_int(value: int) -> str:
    """An integer grouped in thousands from 10 000 on, in scientific notation past 100 digits."""
    if value.bit_length() > _INT_BITS:
        return show_decimal(Decimal(value))
    return f"{value:,}" if abs(value) >= 10_000 else str(value)
