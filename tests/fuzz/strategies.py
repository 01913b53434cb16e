"""Hypothesis strategies that build hostile, mostly nearly-valid inputs for `contract-check check`.

Everything starts from the bundled examples (the two contracts, their event logs, rules/ and the
example waivers) and is then mutated, so most inputs get past the readers and reach the engine:

- event logs (.jsonl, .json, .csv, or JSON lines on stdin; one or two files): values of the wrong
  or mixed types in any field (`["1", 1]`, `[true, "True"]`, `[34]`), integers above 64 bits,
  huge exponents (`1e300000000`) anywhere incl. text fields and CSV JSON cells, NaN/Infinity,
  sub-second times and offsets, dates near 1900 and 9999, control and bidirectional characters,
  CR/LF inside ids and names, deep nesting, sizes at and just past every limit of
  `checker/limits.py`, missing correlation fields, duplicate ids, refs to nothing, byte-level
  damage (BOM, CRLF, truncation, bad UTF-8, blank lines);
- contracts: parameters of the wrong type, huge periods, expiry 9999-12-31, a trigger type also
  used as a dependent type, random values at random places;
- rule templates (run with `--rules DIR`): expressions adding text to a number, non-list `when`
  conditions, odd operators, huge or negative deadlines, sums over text fields;
- waivers: exact ids, short prefixes, clause + trigger, wrong types, far expiries;
- YAML oddities in every YAML file: %YAML/%TAG directives, anchors and aliases, tags, huge
  integers, tabs, CRLF, BOM, duplicate keys, deep flow nesting, files at the size limit.

`cases()` draws one `Case`: the files (relative path → bytes), the argv (without `--format`),
and what the driver needs to judge the run.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]


def _limit(name: str, default: int) -> int:
    """A limit of checker/limits.py (its value at the time of writing when the checker cannot be imported)."""
    try:
        from checker import limits
    except Exception:  # the checker is being edited: the fuzzer still runs
        return default
    value = getattr(limits, name, default)
    return value if isinstance(value, int) else default


MAX_LINE_BYTES = _limit("MAX_LINE_BYTES", 1024 * 1024)
MAX_YAML_BYTES = _limit("MAX_YAML_BYTES", 5 * 1024 * 1024)
MAX_YAML_DEPTH = _limit("MAX_YAML_DEPTH", 64)
MAX_ID_CHARS = _limit("MAX_ID_CHARS", 200)
MAX_DEPTH = _limit("MAX_DEPTH", 32)
MAX_LIST_ITEMS = _limit("MAX_LIST_ITEMS", 10_000)
MAX_FIELDS = _limit("MAX_FIELDS", 250)
MAX_NUMBER_DIGITS = _limit("MAX_NUMBER_DIGITS", 100)
MAX_AMOUNT_DIGITS = _limit("MAX_AMOUNT_DIGITS", 40)
MAX_AMOUNT_DECIMALS = _limit("MAX_AMOUNT_DECIMALS", 20)
MAX_TIME_FRACTION_DIGITS = _limit("MAX_TIME_FRACTION_DIGITS", 6)
MAX_DURATION_DAYS = _limit("MAX_DURATION_DAYS", 366 * (9999 - 1900))

Draw = Callable[[st.SearchStrategy[Any]], Any]
FORMATS = ("json", "text", "md", "html", "sarif", "junit")
FAIL_ON = ("breach", "grey", "pending", "never")


_PERMILLE = st.sampled_from(range(1000))


def chance(draw: Draw, p: float) -> bool:
    """True with probability about p (sampled_from is near uniform; wide `integers` ranges are not),
    and False for the simplest draw, so a minimal example takes no rare branch."""
    return bool(draw(_PERMILLE) >= 1000 - round(p * 1000))


# --- values the serialisers write as given ---------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text written verbatim: a number token (`1e300000000`, `NaN`, 101 digits) or deep nesting."""

    text: str


@dataclass
class Rec:
    """One event record before serialisation."""

    fields: dict[str, Any]
    dup: list[tuple[str, Any]] = field(default_factory=list)  # keys written a second time
    pad_to: int | None = None  # JSONL/JSON: pad a `pad` field so the line is exactly this many bytes
    raw: bytes | None = None  # JSONL: this line instead of the serialised record (byte damage)


@dataclass(frozen=True)
class RecordInfo:
    """Where the checker should place one record, and its id when it can be known."""

    file: str
    line: int
    id: str | None


@dataclass
class Case:
    files: dict[str, bytes]
    argv: list[str]  # `check ...` without --format / --output
    events: list[str]  # the --events arguments, in order ("-" for stdin)
    stdin: bytes | None = None
    lenient: bool = False
    fail_on: str = "breach"
    formats: list[str] = field(default_factory=lambda: ["json"])
    as_of: str | None = None
    sink: str | None = None  # "broken-stdout" or "/dev/full": the report cannot be written
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "argv": self.argv, "events": self.events, "lenient": self.lenient, "fail_on": self.fail_on,
            "formats": self.formats, "as_of": self.as_of, "sink": self.sink, "notes": self.notes,
            "stdin": None if self.stdin is None else "stdin.jsonl",
        }

    @classmethod
    def from_json(cls, meta: dict[str, Any], files: dict[str, bytes], stdin: bytes | None) -> Case:
        return cls(files=files, argv=list(meta["argv"]), events=list(meta["events"]), stdin=stdin,
                   lenient=bool(meta["lenient"]), fail_on=str(meta["fail_on"]), formats=list(meta["formats"]),
                   as_of=meta.get("as_of"), sink=meta.get("sink"), notes=list(meta.get("notes", [])))

    def records(self) -> list[RecordInfo]:
        out: list[RecordInfo] = []
        for name in self.events:
            data = self.stdin if name == "-" else self.files.get(name)
            if data is not None:
                out.extend(read_records("<stdin>" if name == "-" else name, data))
        return out

    def shell(self) -> str:
        import shlex

        cmd = "contract-check " + " ".join(shlex.quote(a) for a in self.argv)
        return cmd + (" < stdin.jsonl" if self.stdin is not None and "-" in self.events else "")


# --- reading back what was written (ids and line numbers), independent of the checker ---------


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    obj = dict(pairs)
    if keys.count("id") > 1:
        obj["id"] = None  # which one the checker would read is not ours to guess
    return obj


def _loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_pairs, parse_float=str, parse_int=str, parse_constant=str)


def _id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        eid = value.get("id")
        return eid if isinstance(eid, str) and eid != "" else None
    return None


def read_records(name: str, data: bytes) -> list[RecordInfo]:
    """Every record of one event file with its line (as the checker numbers it) and its id."""
    suffix = Path(name).suffix.lower() if name != "<stdin>" else ".jsonl"
    out: list[RecordInfo] = []
    if suffix == ".csv":
        # Cells may be as long as the checker allows (far above csv's 128 KiB default): a smaller
        # limit would stop reading at such a row and misjudge the report.
        previous = csv.field_size_limit(len(data) + 1)
        try:
            text = data.decode("utf-8-sig")
            reader = csv.reader(io.StringIO(text, newline=""))
            header = [h.strip() for h in next(reader)]
            while True:
                line = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                if not any(cell.strip() for cell in row):
                    continue
                cell = row[header.index("id")].strip() if "id" in header and len(row) == len(header) else ""
                out.append(RecordInfo(name, line, cell or None))
        except (UnicodeDecodeError, StopIteration, csv.Error, ValueError):
            pass
        finally:
            csv.field_size_limit(previous)
        return out
    if suffix == ".json":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return out
        decoder = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=str, parse_int=str, parse_constant=str)
        ws = re.compile(r"[ \t\n\r]*")
        pos = ws.match(text, 0).end()  # type: ignore[union-attr]
        if not text[pos:pos + 1] == "[":
            return out
        pos = ws.match(text, pos + 1).end()  # type: ignore[union-attr]
        while pos < len(text) and text[pos] != "]":
            try:
                value, end = decoder.raw_decode(text, pos)
            except (json.JSONDecodeError, RecursionError):
                return out
            out.append(RecordInfo(name, text.count("\n", 0, pos) + 1, _id_of(value)))
            pos = ws.match(text, end).end()  # type: ignore[union-attr]
            if text[pos:pos + 1] == ",":
                pos = ws.match(text, pos + 1).end()  # type: ignore[union-attr]
        return out
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    for number, raw in enumerate(body.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = _loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            value = None
        out.append(RecordInfo(name, number, _id_of(value)))
    return out


# --- serialisers ---------------------------------------------------------------------------


def dump_json(value: Any, ascii_only: bool = True) -> str:
    if isinstance(value, Raw):
        return value.text
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else "NaN"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        surrogate = any(0xD800 <= ord(c) <= 0xDFFF for c in value)
        return json.dumps(value, ensure_ascii=ascii_only or surrogate)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(dump_json(v, ascii_only) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{dump_json(str(k), ascii_only)}: {dump_json(v, ascii_only)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


def _record_json(rec: Rec, ascii_only: bool, pretty: bool = False) -> str:
    pairs = [*rec.fields.items(), *rec.dup]
    sep = ",\n  " if pretty else ", "
    body = sep.join(f"{dump_json(str(k), ascii_only)}: {dump_json(v, ascii_only)}" for k, v in pairs)
    text = ("{\n  " + body + "\n}") if pretty else "{" + body + "}"
    if rec.pad_to is not None:
        base = text[:-1] + (", " if pairs else "") + '"pad": ""}'
        missing = rec.pad_to - len(base.encode("utf-8"))
        text = text[:-1] + (", " if pairs else "") + '"pad": "' + "x" * max(0, missing) + '"}'
    return text


def serialise_jsonl(recs: list[Rec], draw: Draw, notes: list[str]) -> bytes:
    ascii_only = draw(st.booleans())
    lines: list[bytes] = []
    for rec in recs:
        if chance(draw, 0.0323):
            lines.append(draw(st.sampled_from([b"", b"   ", b"\t", b"\r"])))
            notes.append("jsonl: blank line")
        lines.append(rec.raw if rec.raw is not None else _record_json(rec, ascii_only).encode("utf-8", "surrogatepass"))
    end = b"\n"
    if chance(draw, 0.0625):
        end = b"\r\n"
        notes.append("jsonl: CRLF line ends")
    data = end.join(lines) + (b"" if chance(draw, 0.1) else end)
    if chance(draw, 0.0476):
        data = b"\xef\xbb\xbf" + data
        notes.append("jsonl: UTF-8 BOM")
    return data


def serialise_json(recs: list[Rec], draw: Draw, notes: list[str]) -> bytes:
    pretty = draw(st.booleans())
    ascii_only = draw(st.booleans())
    parts = [_record_json(r, ascii_only, pretty) for r in recs]
    text = "[\n" + ",\n".join(parts) + "\n]\n"
    if chance(draw, 0.0385) and parts:
        text = text.rstrip().rstrip("]").rstrip() + ",\n]\n"
        notes.append("json: trailing comma")
    return text.encode("utf-8", "surrogatepass")


def _csv_cell(value: Any, draw: Draw) -> str:
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) and ";" not in v and v.strip() for v in value) \
            and draw(st.booleans()):
        return ";".join(value)
    if isinstance(value, (list, dict)):
        return dump_json(value, ascii_only=draw(st.booleans()))
    return dump_json(value)


def serialise_csv(recs: list[Rec], draw: Draw, notes: list[str]) -> bytes:
    header: list[str] = ["id", "time", "type", "actor"]
    for rec in recs:
        for key in rec.fields:
            if key not in header:
                header.append(key)
    if chance(draw, 0.0323):
        header = [h for h in header if h != "actor"]
        notes.append("csv: no actor column")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\n", "\r\n"])))
    writer.writerow(header)
    for rec in recs:
        row = [_csv_cell(rec.fields.get(h), draw) for h in header]
        if chance(draw, 0.0244) and row:
            row = row[:-1]
            notes.append("csv: short row")
        writer.writerow(row)
    return out.getvalue().encode("utf-8", "surrogatepass")


# --- the bundled examples ----------------------------------------------------------------------


def _yaml() -> YAML:
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = None
    y.width = 4096
    y.allow_unicode = True
    y.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    return y


def load_yaml_file(path: Path) -> Any:
    return _yaml().load(path.read_text(encoding="utf-8"))


def dump_yaml(value: Any) -> str:
    out = io.StringIO()
    _yaml().dump(value, out)
    return out.getvalue()


@dataclass(frozen=True)
class Family:
    name: str
    contract_file: Path
    events_file: Path
    windows: tuple[int, ...]  # deadlines the contract states (days), for sub-second edges

    @functools.cached_property
    def contract(self) -> dict[str, Any]:
        data: dict[str, Any] = load_yaml_file(self.contract_file)
        return data

    @functools.cached_property
    def events(self) -> list[dict[str, Any]]:
        lines = self.events_file.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    @functools.cached_property
    def parties(self) -> list[str]:
        return [p["id"] for p in self.contract["contract"]["parties"]]

    @functools.cached_property
    def templates(self) -> list[str]:
        return sorted({c["template"] for c in self.contract["contract"]["clauses"]})

    @functools.cached_property
    def event_types(self) -> list[str]:
        types: set[str] = {e["type"] for e in self.events}
        for clause in self.contract["contract"]["clauses"]:
            for value in clause["parameters"].values():
                if isinstance(value, list) and all(isinstance(v, str) and re.match(r"^[a-z_]+$", v) for v in value):
                    types.update(value)
        return sorted(types)


FAMILIES = (
    Family("openai-microsoft", ROOT / "contracts" / "openai-microsoft-2019.yaml",
           ROOT / "examples" / "openai-microsoft-events.jsonl", (90, 45, 30, 0)),
    Family("helios-larkspur", ROOT / "contracts" / "helios-larkspur-2023.yaml",
           ROOT / "examples" / "helios-larkspur-events.jsonl", (365, 30, 15, 0)),
)
RULES_DIR = ROOT / "rules"
EXAMPLE_WAIVERS = ROOT / "examples" / "openai-microsoft-waivers.yaml"


@functools.cache
def example_findings(family: str) -> list[tuple[str, str, str]]:
    """(finding id, clause, trigger id) of the unmodified example, for waivers; [] if it cannot run."""
    fam = next(f for f in FAMILIES if f.name == family)
    try:
        from checker.api import run_check

        result = run_check(fam.contract_file, [str(fam.events_file)])
        return [(f.id, f.clause, f.events[0].id) for f in result.findings]
    except Exception:
        return []


# --- hostile values --------------------------------------------------------------------------

CONTROL = ["\r", "\n", "\r\n", "\t", "\x00", "\x1b[2J", "\x1b[31m", "\x7f", "\x85", "\x9b", "\u2028", "\u2029",
           "\x0b", "\x0c", "\x08"]
BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
        "\u061c"]
FORGERIES = [
    "oracle\r  ok      declined",
    "google\nbreach  no-offer                     [e99]  0000000000000000\n",
    "sora\n\nsummary: 0 breach, 0 grey\n",
    "x\u202edeclined\u202c",
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "${obligor}",
    "{{ 7*7 }}",
    "| a | b |\n|---|---|",
    "**bold** [link](http://example.com)",
    "]]></failure><x>",
    "\ud800",
    "\udfff",
    "e\u0301",
    "\ufeffmodel_weights",
    "model_weights\u200b",
    "MODEL_WEIGHTS",
    " model_weights",
]
TEXT_NUMBERS = ["1e300000000", "1E+400", "-1e300000000", "NaN", "Infinity", "-0", "0x10", "1_000",
                "12345678901234567890123456789012345678901", "٣", "1e-300000000", "True", "null", "[1e300000000]",
                '{"a": 1e300000000}', "[NaN]", "[" * 40 + "]" * 40]
RAW_NUMBERS = [Raw(t) for t in (
    "1e300000000", "1E400", "-1e300000000", "1e-300000000", "NaN", "Infinity", "-Infinity", "1e308", "1.7976931348623157e309",
    "0.1e-999999999", "-0", "-0.0", "1.0", "1e0", "2e-05", "1E+39", "1E+40", "5e-324",
    "9" * MAX_NUMBER_DIGITS, "9" * (MAX_NUMBER_DIGITS + 1), "0." + "0" * (MAX_NUMBER_DIGITS - 1) + "1",
    "1" + "0" * 5000, "1" * MAX_AMOUNT_DIGITS, "1" * (MAX_AMOUNT_DIGITS + 1),
    "0." + "1" * MAX_AMOUNT_DECIMALS, "0." + "1" * (MAX_AMOUNT_DECIMALS + 1),
)]
BIG_INTS = [2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**64 + 1, -(2**63) - 1, 2**128, 10**MAX_AMOUNT_DIGITS,
            10**MAX_AMOUNT_DIGITS - 1, 10**(MAX_NUMBER_DIGITS - 1), -1, 0, 1, 34]
MIXED_LISTS: list[list[Any]] = [
    ["1", 1], [1, "1"], [True, "True"], ["True", True], [34], ["model_weights", 34], [34, "model_weights"],
    [1, 1.0], [1.0, "1.0"], [None, "null"], [False, 0], [0, "0"], [2**64, "18446744073709551616"],
    [2**64], [2**64 + 1, 2**64 + 1], [[1], "[1]"], [{"a": 1}], [[]], [], ["model_weights", "model_weights"],
    ["model_weights", "Model_Weights"], [Raw("1e300000000")], ["x", Raw("NaN")],
    [Raw("1E400"), "1E400"], ["", " "], ["a;b"], ["inference_code", ["model_weights"]],
]
TEXT_FIELDS = ["product", "provider", "target", "subject", "period", "kind", "investor", "decision", "reason", "note",
               "customer", "sku", "acquirer", "conditional_on", "clause", "to", "verified_by"]
LIST_FIELDS = ["ip", "exempt", "conditions"]
CORRELATION_FIELDS = ["provider", "ref", "to", "decision", "subject", "ip", "product", "target", "revenue_usd",
                      "amount_usd", "period", "sku", "customer", "unit_price_usd", "conditional_on", "clause", "exempt",
                      "profits_usd", "run_rate_usd", "actor", "time", "type", "id"]

EDGE_TIMES = [
    "1900-01-01", "1900-01-01T00:00:00Z", "1900-01-01T00:30:00+01:00", "1900-01-01T00:00:00.000001Z",
    "1899-12-31T23:00:00-01:00", "1899-12-31", "9999-12-31", "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:00:00-05:00", "9999-12-31T23:59:59+00:00", "9999-12-31T22:00:00-01:59", "0001-01-01",
    "10000-01-01", "+2025-01-21", "2025-01-21T00:00:00.5Z", "2025-01-21T00:00:00." + "9" * (MAX_TIME_FRACTION_DIGITS + 1) + "Z",
    "2025-01-21T00:00:00.123456789+00:00", "2025-01-21T00:00:00,5Z", "2025-01-21 00:00:00Z", "2025-01-21t00:00:00z",
    "20250121", "20250121T000000Z", "2025-W04-2", "2025-021", "2025-01-21T24:00:00Z", "2025-01-21T23:59:60Z",
    "2025-02-29", "2024-02-29T12:00:00+14:00", "2024-02-29T12:00:00-12:00", "2025-01-21T00:00:00+24:00",
    "2025-01-21T00:00:00+23:59:59.999999", "2025-01-21T00:00:00+05:30:15", " 2025-01-21 ", "2025-1-21", "", "now",
    "2025-01-21T00:00Z", "2025-01-21T00Z", "2025-01-21T00:00:00-00:00", "2025-01-21T00:00:00.000000+00:00",
    "١٢٣٤-٠١-٠١", "2025-01-21\n", "2025-01-21\r", "2025-01-21T00:00:00.999999999999999999999999Z",
]
EDGE_AS_OF = ["", "today", "20240101", "2024-01-01", "2025-07-01T00:00:00.5Z", "9999-12-31", "1900-01-01",
              "2025-07-01T00:00:00", "2025-13-01", "1e300000000", "2025-07-01T00:00:00.9999999Z", "2019-07-21",
              "2031-01-01", "9999-12-31T23:59:59.999999Z", "2025-06-30T23:59:59.999999-00:01", " 2025-07-01"]
SUBSECOND = [dt.timedelta(microseconds=m) for m in (-999_999, -800_000, -500_000, -1, 0, 1, 1000, 500_000,
                                                    800_000, 999_000, 999_999)]


def hostile_text(draw: Draw) -> str:
    choice = draw(st.integers(0, 6))
    if choice == 0:
        return str(draw(st.sampled_from(FORGERIES)))
    if choice == 1:
        return str(draw(st.sampled_from(TEXT_NUMBERS)))
    if choice == 2:
        base = str(draw(st.sampled_from(["oracle", "gpt-4", "model_weights", "e34", "restructuring", "x"])))
        pos = draw(st.integers(0, len(base)))
        return base[:pos] + str(draw(st.sampled_from(CONTROL + BIDI))) + base[pos:]
    if choice == 3:
        pieces = draw(st.lists(st.sampled_from([*CONTROL, *BIDI, "a", "b", " ", ";", ",", '"', "\\", "[", "{"]),
                               min_size=1, max_size=12))
        return "".join(pieces)
    if choice == 4:
        return str(draw(st.text(max_size=12)))
    if choice == 5:
        return "x" * int(draw(st.sampled_from([MAX_ID_CHARS, MAX_ID_CHARS + 1, 5000])))
    return str(draw(st.sampled_from(["", " ", "none", "None", "true", "0", "accept", "decline", "ACCEPT", "accept "])))


def deep(depth: int, kind: str = "list") -> Raw:
    """Lists or objects nested `depth` levels deep (as text: no recursion when written)."""
    if kind == "list":
        return Raw("[" * depth + "]" * depth)
    return Raw('{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1))


def hostile_value(draw: Draw, text_ok: bool = True) -> Any:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.sampled_from(BIG_INTS))
    if choice == 1:
        return draw(st.sampled_from(RAW_NUMBERS))
    if choice == 2:
        return draw(st.sampled_from(MIXED_LISTS))
    if choice == 3:
        return draw(st.sampled_from([True, False, None, 0.5, 1.0, -0.0, 1e-7, 1e300, {}, {"value": 1}, [], [[]]]))
    if choice == 4:
        return deep(int(draw(st.sampled_from([MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 200]))),
                    str(draw(st.sampled_from(["list", "dict"]))))
    if choice == 5:
        return draw(st.floats(allow_nan=False, allow_infinity=False))
    if choice == 6:
        return draw(st.integers(min_value=-(2**70), max_value=2**70))
    if choice == 7:
        return draw(st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["1", "a", "model_weights"]), st.booleans(),
                                       st.none()), max_size=4))
    return hostile_text(draw) if text_ok else draw(st.sampled_from(BIG_INTS))


def hostile_time(draw: Draw) -> str:
    if draw(st.booleans()):
        return str(draw(st.sampled_from(EDGE_TIMES)))
    moment = draw(st.datetimes(min_value=dt.datetime(1899, 12, 30), max_value=dt.datetime(9999, 12, 31, 23, 59, 59, 999999)))
    return format_time(moment, draw)


def format_time(moment: dt.datetime, draw: Draw) -> str:
    """A naive UTC instant written with a random offset and precision (the same instant)."""
    minutes = draw(st.sampled_from([0, 0, 0, 60, -300, 330, -720, 840, 1439, -1439, 1]))
    tz = dt.timezone(dt.timedelta(minutes=minutes))
    try:
        local = moment.replace(tzinfo=dt.UTC).astimezone(tz)
    except OverflowError:
        local = moment.replace(tzinfo=dt.UTC)
    spec = draw(st.sampled_from(["auto", "microseconds", "milliseconds", "seconds"]))
    text = local.isoformat(timespec=spec)
    if text.endswith("+00:00") and draw(st.booleans()):
        text = text[:-6] + "Z"
    return text


def parse_example_time(text: str) -> dt.datetime:
    """A time of the bundled examples as a naive UTC datetime."""
    if len(text) == 10:
        return dt.datetime.fromisoformat(text)
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(tzinfo=None)


# --- event logs ------------------------------------------------------------------------------


class Log:
    def __init__(self, family: Family, recs: list[Rec]) -> None:
        self.family = family
        self.recs = recs
        self.next = 1

    def fresh_id(self) -> str:
        self.next += 1
        return f"z{self.next}"

    def pick(self, draw: Draw, pred: Callable[[Rec], bool] | None = None) -> Rec | None:
        pool = [r for r in self.recs if pred is None or pred(r)]
        return draw(st.sampled_from(pool)) if pool else None

    def of_type(self, draw: Draw, *types: str) -> Rec | None:
        return self.pick(draw, lambda r: r.fields.get("type") in types)


def _base_log(draw: Draw, family: Family, notes: list[str]) -> Log:
    events = copy.deepcopy(family.events)
    if draw(st.booleans()):
        keep = draw(st.lists(st.booleans(), min_size=len(events), max_size=len(events)))
        kept = [e for e, k in zip(events, keep, strict=True) if k]
        if not chance(draw, 0.1):  # mostly keep refs consistent
            ids = {e["id"] for e in kept}
            kept = [e for e in kept if e.get("ref") is None or e["ref"] in ids]
        notes.append(f"events: {len(kept)} of the {len(events)} example events")
        events = kept
    if not chance(draw, 0.25):
        for e in events:
            e.pop("note", None)
    return Log(family, [Rec(e) for e in events])


def m_field(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    keys = list(rec.fields) + TEXT_FIELDS + LIST_FIELDS + ["amount_usd", "new_field", "x_usd"]
    key = str(draw(st.sampled_from(keys)))
    value = hostile_value(draw)
    rec.fields[key] = value
    return f"{rec.fields.get('id')!r}.{key} = {_show(value)}"


def m_mixed_list(draw: Draw, log: Log) -> str:
    rec = log.pick(draw, lambda r: any(isinstance(v, list) for v in r.fields.values())) or log.pick(draw)
    if rec is None:
        return "no event"
    keys = [k for k, v in rec.fields.items() if isinstance(v, list)] or LIST_FIELDS
    key = str(draw(st.sampled_from(keys)))
    value = list(draw(st.sampled_from(MIXED_LISTS)))
    if draw(st.booleans()) and isinstance(rec.fields.get(key), list):
        value = list(rec.fields[key]) + value
    rec.fields[key] = value
    return f"{rec.fields.get('id')!r}.{key} = {_show(value)}"


def m_huge_number(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    key = str(draw(st.sampled_from(list(rec.fields) + TEXT_FIELDS)))
    value = draw(st.sampled_from([Raw("1e300000000"), Raw("1E400"), Raw("-1e300000000"),
                                  Raw("1e-300000000"), 2**64, 2**64 + 1, 2**63, Raw("9" * 200),
                                  [Raw("1e300000000")], [2**64, 2**64 + 1], "1e300000000", "[1e300000000]"]))
    rec.fields[key] = value
    return f"{rec.fields.get('id')!r}.{key} = {_show(value)}"


def m_time(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    value = hostile_time(draw)
    rec.fields["time"] = value
    return f"{rec.fields.get('id')!r}.time = {value!r}"


def m_subsecond(draw: Draw, log: Log) -> str:
    """An event set a window ± a fraction of a second after the event it refers to (or any other)."""
    rec = log.pick(draw, lambda r: isinstance(r.fields.get("ref"), str))
    if rec is None:
        rec = log.pick(draw)
    if rec is None:
        return "no event"
    by_id = {r.fields["id"]: r for r in log.recs if isinstance(r.fields.get("id"), str)}
    anchor = by_id.get(rec.fields.get("ref")) or log.pick(draw)
    if anchor is None or not isinstance(anchor.fields.get("time"), str):
        return "no anchor"
    try:
        base = parse_example_time(anchor.fields["time"])
    except ValueError:
        return "bad anchor time"
    days = int(draw(st.sampled_from(log.family.windows)))
    delta = draw(st.sampled_from(SUBSECOND))
    try:
        moment = base + dt.timedelta(days=days) + delta
    except OverflowError:
        return "overflow"
    rec.fields["time"] = format_time(moment, draw)
    return f"{rec.fields.get('id')!r}.time = {rec.fields['time']!r} ({anchor.fields.get('id')!r} + {days} d + {delta})"


def m_control(draw: Draw, log: Log) -> str:
    """CR/LF, control or bidi characters in an id (renamed everywhere) or a name."""
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    if draw(st.booleans()):
        old = rec.fields.get("id")
        new = str(draw(st.sampled_from([f"{old}\r", f"{old}\rok", f"\r{old}", f"{old}\n", f"{old}\u202e", f"{old}\t",
                                        f"{old}\x1b[0m", f"{old}\u2028", f"{old} ", f"{old}\x85"])))
        for r in log.recs:
            if r.fields.get("id") == old:
                r.fields["id"] = new
            if r.fields.get("ref") == old:
                r.fields["ref"] = new
        return f"id {old!r} renamed {new!r}"
    keys = [k for k in rec.fields if k in TEXT_FIELDS] or TEXT_FIELDS
    key = str(draw(st.sampled_from(keys)))
    value = str(draw(st.sampled_from(FORGERIES)))
    if draw(st.booleans()) and isinstance(rec.fields.get(key), str):
        value = rec.fields[key] + value
    rec.fields[key] = value
    return f"{rec.fields.get('id')!r}.{key} = {value!r}"


def m_nesting(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    depth = int(draw(st.sampled_from([MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 1000])))
    key = str(draw(st.sampled_from(["extra", "ip", "conditions", "product"])))
    rec.fields[key] = deep(depth, str(draw(st.sampled_from(["list", "dict"]))))
    return f"{rec.fields.get('id')!r}.{key} nested {depth} deep"


def m_limits(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    what = draw(st.integers(0, 5))
    eid = rec.fields.get("id")
    if what == 0:
        key = str(draw(st.sampled_from(["id", "type", "actor", "ref"])))
        n = int(draw(st.sampled_from([MAX_ID_CHARS, MAX_ID_CHARS + 1])))
        old = rec.fields.get(key)
        value = ("a" * n) if key != "type" else ("t" + "_" * (n - 1))
        rec.fields[key] = value
        if key == "id":
            for r in log.recs:
                if r.fields.get("ref") == old:
                    r.fields["ref"] = value
        return f"{eid!r}.{key} is {n} characters"
    if what == 1:
        n = int(draw(st.sampled_from([MAX_LIST_ITEMS, MAX_LIST_ITEMS + 1])))
        key = str(draw(st.sampled_from(["ip", "exempt", "conditions", "extra"])))
        kind = draw(st.integers(0, 2))
        items: list[Any] = (["model_weights"] * n if kind == 0 else [f"k{i}" for i in range(n)] if kind == 1
                            else [i for i in range(n)])
        rec.fields[key] = items
        return f"{eid!r}.{key} lists {n} items ({['one repeated', 'distinct', 'integers'][kind]})"
    if what == 2:
        n = int(draw(st.sampled_from([MAX_FIELDS, MAX_FIELDS + 1])))
        for i in range(n - len(rec.fields)):
            rec.fields[f"f{i:03d}"] = i
        return f"{eid!r} has {n} fields"
    if what == 3:
        n = int(draw(st.sampled_from([MAX_LINE_BYTES - 1, MAX_LINE_BYTES, MAX_LINE_BYTES + 1])))
        rec.pad_to = n
        return f"{eid!r} padded to a {n}-byte line"
    if what == 4:
        key = str(draw(st.sampled_from(["amount_usd", "revenue_usd", "value_usd", "profits_usd", "unit_price_usd"])))
        value = draw(st.sampled_from([
            "9" * MAX_AMOUNT_DIGITS, "9" * (MAX_AMOUNT_DIGITS + 1), "1." + "1" * MAX_AMOUNT_DECIMALS,
            "1." + "1" * (MAX_AMOUNT_DECIMALS + 1), Raw("9" * MAX_AMOUNT_DIGITS + "." + "9" * MAX_AMOUNT_DECIMALS),
            Raw("1E+39"), Raw("1E+40"), "1e39", "1e40", "-0", "0E-30", " 5 ", "1_000", "0x10", "5.", ".5",
            "+5", "1e-21", "1e-20", 10**MAX_AMOUNT_DIGITS - 1, 10**MAX_AMOUNT_DIGITS,
        ]))
        rec.fields[key] = value
        return f"{eid!r}.{key} = {_show(value)}"
    n = int(draw(st.sampled_from([MAX_NUMBER_DIGITS, MAX_NUMBER_DIGITS + 1])))
    key = str(draw(st.sampled_from(list(rec.fields) + ["extra"])))
    rec.fields[key] = Raw("7" * n) if draw(st.booleans()) else Raw("0." + "7" * n)
    return f"{eid!r}.{key} is a {n}-digit number"


def m_drop(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    keys = [k for k in rec.fields if k in CORRELATION_FIELDS] or list(rec.fields)
    key = str(draw(st.sampled_from(keys)))
    if not chance(draw, 0.25):
        rec.fields.pop(key, None)
        return f"{rec.fields.get('id')!r} without {key!r}"
    rec.fields[key] = draw(st.sampled_from([None, "", [], {}]))
    return f"{rec.fields.get('id')!r}.{key} = {_show(rec.fields[key])}"


def m_ids(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    other = log.pick(draw)
    if rec is None or other is None:
        return "no event"
    what = draw(st.integers(0, 4))
    if what == 0:
        rec.fields["id"] = other.fields.get("id")
        return f"duplicate id {other.fields.get('id')!r}"
    if what == 1:
        rec.fields["ref"] = str(draw(st.sampled_from(["nowhere", "", " e34", "E34"])))
        return f"{rec.fields.get('id')!r}.ref = {rec.fields['ref']!r} (names nothing)"
    if what == 2:
        rec.fields["ref"] = rec.fields.get("id")
        return f"{rec.fields.get('id')!r} refers to itself"
    if what == 3:
        rec.fields["ref"] = other.fields.get("id")
        other.fields["ref"] = rec.fields.get("id")
        return f"{rec.fields.get('id')!r} and {other.fields.get('id')!r} refer to each other"
    rec.fields["id"] = draw(st.sampled_from([7, 7.0, ["e1"], {"id": "e1"}, True, Raw("1e300000000"), "", None]))
    return f"id = {_show(rec.fields['id'])}"


def m_required(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    key = str(draw(st.sampled_from(["type", "actor", "time"])))
    if key == "type":
        value: Any = draw(st.sampled_from([*log.family.event_types, "Cloud Contract", "cloud-contract", "_x", "a" * 201]))
    elif key == "actor":
        value = draw(st.sampled_from([*log.family.parties, "oracle", "OpenAI", ["openai"], 1, "openai\r"]))
    else:
        value = draw(st.sampled_from([1737417600, 1737417600.5, ["2025-01-21"], None, True]))
    rec.fields[key] = value
    return f"{rec.fields.get('id')!r}.{key} = {_show(value)}"


def m_dup_key(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    key = str(draw(st.sampled_from(list(rec.fields))))
    rec.dup.append((key, hostile_value(draw)))
    return f"{rec.fields.get('id')!r}: key {key!r} written twice"


def m_raw(draw: Draw, log: Log) -> str:
    """Byte damage to one JSONL line (the record's id becomes unknown)."""
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    line = _record_json(rec, True).encode("utf-8", "surrogatepass")
    what = draw(st.integers(0, 6))
    cut = draw(st.integers(1, max(1, len(line) - 1)))
    if what == 0:
        rec.raw = line[:cut]
    elif what == 1:
        rec.raw = line[:cut] + b"\xe9" + line[cut:]
    elif what == 2:
        rec.raw = line.replace(b'", "', b'\x00", "', 1)
    elif what == 3:
        rec.raw = b"[" + line + b"]"
    elif what == 4:
        rec.raw = line + b" }"
    elif what == 5:
        rec.raw = line.replace(b'", "', b'\t", "', 1)
    else:
        rec.raw = line.replace(b", ", b",\r ", 1)
    damage = ["truncated", "bad UTF-8", "raw NUL", "array", "extra brace", "raw tab", "raw CR"][what]
    return f"{rec.fields.get('id')!r}: line damaged ({damage})"


def m_clone(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    n = int(draw(st.sampled_from([2, 10, 200])))
    for _ in range(n):
        clone = Rec(copy.deepcopy(rec.fields))
        clone.fields["id"] = log.fresh_id()
        log.recs.append(clone)
    return f"{rec.fields.get('id')!r} cloned {n} times"


def m_conditions(draw: Draw, log: Log) -> str:
    rec = log.of_type(draw, "approval", "consent", "price_grant") or log.pick(draw)
    if rec is None:
        return "no event"
    value = draw(st.sampled_from(["board-seat", "", " ", {}, {"a": 1}, 5, 0, True, None, [[]], [""], [None],
                                  Raw("1e300000000"), "1e300000000", [2**64], ["x"] * 3]))
    rec.fields["conditions"] = value
    return f"{rec.fields.get('id')!r}.conditions = {_show(value)}"


def m_type_swap(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    rec.fields["type"] = draw(st.sampled_from(log.family.event_types))
    return f"{rec.fields.get('id')!r}.type = {rec.fields['type']!r}"


def m_actor_swap(draw: Draw, log: Log) -> str:
    rec = log.pick(draw)
    if rec is None:
        return "no event"
    rec.fields["actor"] = draw(st.sampled_from(log.family.parties))
    if "to" in rec.fields or draw(st.booleans()):
        rec.fields["to"] = draw(st.sampled_from([*log.family.parties, "nobody"]))
    return f"{rec.fields.get('id')!r} actor/to swapped"


def _stories(draw: Draw, log: Log) -> str:
    """Small event sequences aimed at known weak spots (type confusion, sub-second edges, ...)."""
    fam = log.family
    obligor = fam.parties[0] if fam.name == "openai-microsoft" else "larkspur"
    holder = fam.parties[1] if fam.name == "openai-microsoft" else "helios"
    launch_type = "product_launch" if fam.name == "openai-microsoft" else "model_release"
    base = dt.datetime(2025, 3, 3) if fam.name == "openai-microsoft" else dt.datetime(2024, 3, 3)
    when = base + draw(st.sampled_from(SUBSECOND))
    t0 = format_time(when, draw)
    story = draw(st.integers(0, 6))
    add = log.recs.append
    a, b, c = log.fresh_id(), log.fresh_id(), log.fresh_id()
    if story == 0:  # mixed types in the IP list and in the disclosure
        kinds = list(draw(st.sampled_from(MIXED_LISTS)))
        add(Rec({"id": a, "time": t0, "type": launch_type, "actor": obligor, "product": "p", "ip": kinds}))
        disclosed = list(draw(st.sampled_from(MIXED_LISTS)))
        add(Rec({"id": b, "time": t0, "type": "ip_disclosure", "actor": obligor, "to": holder, "ref": a, "ip": disclosed}))
        return f"story: launch ip={_show(kinds)}, disclosure ip={_show(disclosed)}"
    if story == 1:  # a payment or disclosure a fraction of a second after the window
        days = int(draw(st.sampled_from(fam.windows)))
        late = format_time(when + dt.timedelta(days=days) + draw(st.sampled_from(SUBSECOND)), draw)
        if fam.name == "openai-microsoft":
            add(Rec({"id": a, "time": t0, "type": "revenue_report", "actor": obligor, "period": "q", "revenue_usd": 1000}))
            add(Rec({"id": b, "time": late, "type": "revenue_share_payment", "actor": obligor, "to": holder, "ref": a,
                     "amount_usd": 200}))
        else:
            add(Rec({"id": a, "time": t0, "type": "marketplace_report", "actor": "helios", "period": "q", "revenue_usd": 1000}))
            add(Rec({"id": b, "time": late, "type": "marketplace_payment", "actor": "helios", "to": "larkspur", "ref": a,
                     "amount_usd": 150}))
        return f"story: report at {t0!r}, payment at {late!r}"
    if story == 2:  # a milestone a fraction of a second after (or before) a trigger it ends
        moved = format_time(when + draw(st.sampled_from(SUBSECOND)), draw)
        if fam.name == "openai-microsoft":
            add(Rec({"id": a, "time": t0, "type": "model_release", "actor": obligor, "product": "m", "ip": ["model_weights"]}))
            add(Rec({"id": b, "time": moved, "type": "agi_declaration", "actor": obligor, "profits_usd": 10**12}))
        else:
            add(Rec({"id": a, "time": t0, "type": "capacity_order", "actor": obligor, "provider": "nimbus", "amount_usd": 5}))
            add(Rec({"id": b, "time": moved, "type": "scale_milestone_declaration", "actor": obligor,
                     "run_rate_usd": 10**10, "verified_by": "auditor"}))
        return f"story: trigger at {t0!r}, milestone at {moved!r}"
    if story == 3:  # an offer without the field its clause correlates on, then a contract
        offer, response, trigger = (("rofr_offer", "rofr_response", "cloud_contract") if fam.name == "openai-microsoft"
                                    else ("first_offer", "first_offer_response", "capacity_order"))
        fields: dict[str, Any] = {"id": a, "time": t0, "type": offer, "actor": obligor, "to": holder}
        if draw(st.booleans()):
            fields["provider"] = draw(st.sampled_from([None, 7, ["x"], 2**64, "", Raw("1e300000000")]))
        add(Rec(fields))
        add(Rec({"id": b, "time": t0, "type": response, "actor": holder, "ref": a,
                 "decision": draw(st.sampled_from(["decline", "accept", 1, ["decline"], None]))}))
        add(Rec({"id": c, "time": t0, "type": trigger, "actor": obligor, "provider": "x", "amount_usd": 1}))
        return "story: offer without a usable provider, response, contract"
    if story == 4:  # many list items on an event
        n = int(draw(st.sampled_from([1000, MAX_LIST_ITEMS])))
        items = ["model_weights"] * n if draw(st.booleans()) else [f"k{i}" for i in range(n)]
        add(Rec({"id": a, "time": t0, "type": draw(st.sampled_from([launch_type, "board_meeting"])), "actor": obligor,
                 "product": "big", "ip": items}))
        return f"story: {n}-item ip list"
    if story == 5:  # approvals and dependents of a restructuring with odd conditions
        action, approval, dependent, subject = (
            ("restructuring", "approval", "fundraising", "restructuring") if fam.name == "openai-microsoft"
            else ("change_of_control", "consent", "share_purchase", "change_of_control"))
        add(Rec({"id": a, "time": t0, "type": action, "actor": obligor}))
        add(Rec({"id": b, "time": format_time(when + draw(st.sampled_from(SUBSECOND)), draw), "type": approval,
                 "actor": holder, "subject": subject, "conditions": hostile_value(draw)}))
        add(Rec({"id": c, "time": t0, "type": dependent, "actor": obligor, "conditional_on": subject}))
        return "story: action, approval with odd conditions, dependent"
    # a huge number in a text field of an addressed event
    key = str(draw(st.sampled_from(["product", "period", "provider", "note"])))
    add(Rec({"id": a, "time": t0, "type": launch_type, "actor": obligor, "product": "x", "ip": ["model_weights"],
             key: draw(st.sampled_from([Raw("1e300000000"), Raw("1e5000"), Raw("-1e-300000000"),
                                        2**64, Raw("1e400")]))}))
    return f"story: huge exponent in {key}"


EVENT_MUTATIONS: list[Callable[[Draw, Log], str]] = [
    m_field, m_mixed_list, m_huge_number, m_time, m_subsecond, m_control, m_nesting, m_limits, m_drop, m_ids,
    m_required, m_dup_key, m_raw, m_clone, m_conditions, m_type_swap, m_actor_swap, _stories,
]


def _show(value: Any) -> str:
    text = dump_json(value)
    return text if len(text) <= 80 else text[:77] + "..."


def event_log(draw: Draw, family: Family, notes: list[str]) -> list[Rec]:
    log = _base_log(draw, family, notes)
    count = draw(st.sampled_from([0, 1, 1, 2, 2, 3, 4]))
    for _ in range(count):
        mutation = draw(st.sampled_from(EVENT_MUTATIONS))
        notes.append(f"{mutation.__name__}: {mutation(draw, log)}")
    return log.recs


# --- YAML files --------------------------------------------------------------------------------

_SCALAR_LINE = re.compile(r"^(?P<indent>\s*(?:- )?)(?P<key>[A-Za-z_][\w-]*): (?P<value>[^\s&*!|>\[{#'\"][^#]*)$")
_KEY_LINE = re.compile(r"^(?P<indent>\s*(?:- )?)(?P<key>[A-Za-z_][\w-]*):(?P<rest>.*)$")


def yaml_oddity(draw: Draw, text: str) -> tuple[str, str]:
    """One YAML oddity applied to a YAML text; returns the new text and a note."""
    lines = text.split("\n")
    scalar = [i for i, line in enumerate(lines) if _SCALAR_LINE.match(line)]
    keyed = [i for i, line in enumerate(lines) if _KEY_LINE.match(line)]
    what = draw(st.integers(0, 13))
    if what == 0:
        directive = str(draw(st.sampled_from([
            "%YAML 1.2\n---\n", "%YAML 1.1\n---\n", "%TAG !e! tag:example.com,2000:\n---\n",
            "%TAG ! tag:yaml.org,2002:\n---\n", "%FOO bar baz\n---\n", "%YAML 1.2\n%YAML 1.2\n---\n", "%YAML 2.0\n---\n",
            "%TAG !! tag:example.com,2000:\n---\n"])))
        return directive + text, f"directive {directive.splitlines()[0]!r}"
    if what == 1 and len(scalar) >= 2:
        i, j = sorted(draw(st.lists(st.sampled_from(scalar), min_size=2, max_size=2, unique=True)))
        mi, mj = _SCALAR_LINE.match(lines[i]), _SCALAR_LINE.match(lines[j])
        assert mi is not None and mj is not None
        lines[i] = f"{mi['indent']}{mi['key']}: &a {mi['value']}"
        lines[j] = f"{mj['indent']}{mj['key']}: *a"
        return "\n".join(lines), f"alias: line {j + 1} = *a (anchored line {i + 1})"
    if what == 2 and scalar:
        i = draw(st.sampled_from(scalar))
        m = _SCALAR_LINE.match(lines[i])
        assert m is not None
        tag = str(draw(st.sampled_from(["!!str", "!!int", "!!float", "!!bool", "!!null", "!!binary", "!!timestamp",
                                        "!!python/object/apply:os.system", "!custom", "!e!thing", "!!set", "!!omap",
                                        "!<tag:yaml.org,2002:str>", "!!python/name:os.system"])))
        lines[i] = f"{m['indent']}{m['key']}: {tag} {m['value']}"
        return "\n".join(lines), f"tag {tag} on line {i + 1}"
    if what == 3 and scalar:
        i = draw(st.sampled_from(scalar))
        m = _SCALAR_LINE.match(lines[i])
        assert m is not None
        value = str(draw(st.sampled_from([
            "99999999999999999999999999999999", "18446744073709551616", "-9223372036854775809", "1e400", ".inf", "-.inf",
            ".nan", "0x7FFFFFFFFFFFFFFFFF", "0o777777777777777777777777", "1_000_000", "190:20:30", "+12", "0b1010",
            "1" * 5000, "1" + "0" * 4400, "1e300000000", "yes", "no", "on", "off", "~", "2019-07-22 10:00:00 +02:00",
            "2019-07-22T25:00:00Z", "9999-12-31", "0001-01-01", "2019-02-29"])))
        lines[i] = f"{m['indent']}{m['key']}: {value}"
        return "\n".join(lines), f"line {i + 1}: {m['key']}: {value[:40]}"
    if what == 4 and keyed:
        i = draw(st.sampled_from(keyed))
        how = draw(st.integers(0, 2))
        if how == 0:
            stripped = lines[i].lstrip(" ")
            lines[i] = "\t" + stripped if len(stripped) < len(lines[i]) else "\t" + lines[i]
        elif how == 1:
            lines[i] = lines[i].replace(": ", ":\t", 1)
        else:
            lines[i] = lines[i] + "\t# tab"
        return "\n".join(lines), f"tab on line {i + 1}"
    if what == 5:
        return text.replace("\n", "\r\n"), "CRLF line ends"
    if what == 6:
        return "\ufeff" + text, "BOM"
    if what == 7 and keyed:
        i = draw(st.sampled_from(keyed))
        lines.insert(i + 1, lines[i])
        return "\n".join(lines), f"line {i + 1} written twice (duplicate key)"
    if what == 8 and scalar:
        i = draw(st.sampled_from(scalar))
        m = _SCALAR_LINE.match(lines[i])
        assert m is not None
        n = int(draw(st.sampled_from([MAX_YAML_DEPTH - 2, MAX_YAML_DEPTH, MAX_YAML_DEPTH + 1, 1000])))
        lines[i] = f"{m['indent']}{m['key']}: {'[' * n}{']' * n}"
        return "\n".join(lines), f"line {i + 1}: flow list nested {n} deep"
    if what == 9:
        target = int(draw(st.sampled_from([MAX_YAML_BYTES, MAX_YAML_BYTES + 1])))
        body = text if text.endswith("\n") else text + "\n"
        missing = target - len(body.encode("utf-8")) - 2
        if missing <= 0:
            return text, "no padding"
        return body + "#" + "x" * (missing) + "\n", f"padded with a comment to {target} bytes"
    if what == 10 and scalar:
        i = draw(st.sampled_from(scalar))
        m = _SCALAR_LINE.match(lines[i])
        assert m is not None
        char = str(draw(st.sampled_from(["\x01", "\x00", "\x1b", "\u202e", "\u2028", "\x85", "\ud800", "\r"])))
        lines[i] = f"{m['indent']}{m['key']}: {m['value']}{char}x"
        return "\n".join(lines), f"line {i + 1}: raw {char!r}"
    if what == 11:
        extra = str(draw(st.sampled_from(["...\n", "---\nextra: 1\n", "--- \n", "\n...\n---\n"])))
        return text + extra, f"document markers {extra!r}"
    if what == 12 and keyed:
        i = draw(st.sampled_from(keyed))
        m = _KEY_LINE.match(lines[i])
        assert m is not None
        key = str(draw(st.sampled_from(["? [a, b]", "~", "1", "true", "<<", "2019-07-22", "''", "? |\n  x\n"])))
        indent = m["indent"].replace("- ", "  ")
        lines.insert(i + 1, f"{indent}{key}: x" if not key.startswith("?") else f"{indent}{key}\n{indent}: x")
        return "\n".join(lines), f"odd key {key!r} after line {i + 1}"
    if what == 13:
        return text.encode("utf-8", "surrogatepass").decode("latin-1"), "re-encoded as Latin-1 text (mojibake)"
    return text, "no oddity"


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    node = doc
    for key in path:
        node = node[key]
    return node


YAML_VALUES: list[Any] = [
    "text", "", " ", 1, 0, -1, 2**64, 10**30, 1.5, True, False, None, [], {}, [1, "a"], {"days": "x"}, "${x}",
    "obligation.nonexistent", "$nope", dt.date(9999, 12, 31), dt.date(1900, 1, 1), [None], [[1]], {"value": "x"},
    {"definition": "nope"}, {"value": 1, "definition": "x"}, "1e300000000", 10**MAX_DURATION_DAYS.bit_length(),
    MAX_DURATION_DAYS, MAX_DURATION_DAYS + 1, "model_weights", ["cloud_contract"], "a\u202eb", "x\ny",
]


def mutate_contract(draw: Draw, family: Family, notes: list[str]) -> dict[str, Any]:
    doc = copy.deepcopy(family.contract)
    for _ in range(draw(st.integers(1, 3))):
        try:
            _mutate_contract_once(draw, doc, notes)
        except (TypeError, KeyError, IndexError, AttributeError, ValueError):
            notes.append("contract: (a later mutation did not apply to the mutated document)")
    return doc


def _mutate_contract_once(draw: Draw, doc: dict[str, Any], notes: list[str]) -> None:
    c = doc["contract"]
    what = draw(st.integers(0, 9))
    clause = draw(st.sampled_from(c["clauses"]))
    params: dict[str, Any] = clause["parameters"]
    name = str(draw(st.sampled_from(sorted(params))))
    if what == 0:
        value = draw(st.sampled_from(YAML_VALUES))
        params[name] = value
        notes.append(f"contract: {clause['id']}.{name} = {value!r}")
    elif what == 1:
        days = [k for k in params if k.endswith("_days")] or [name]
        key = str(draw(st.sampled_from(days)))
        value = draw(st.sampled_from([10**6, 10**9, 10**20, 2**63, 2**64, MAX_DURATION_DAYS, MAX_DURATION_DAYS + 1,
                                      -1, 0, 3_000_000, 10**400, 1.5, "90", {"value": 10**20}]))
        params[key] = value
        notes.append(f"contract: {clause['id']}.{key} = {str(value)[:40]}")
    elif what == 2:
        c["expires"] = draw(st.sampled_from([dt.date(9999, 12, 31), dt.date(9999, 12, 30), "9999-12-31", 99991231,
                                             dt.datetime(9999, 12, 31, 23, 59, 59), dt.date(1900, 1, 1)]))
        if draw(st.booleans()):
            c["effective"] = draw(st.sampled_from([dt.date(1900, 1, 1), dt.date(9999, 12, 31), dt.date(1899, 12, 31),
                                                   "2019-07-22T00:00:00.5Z"]))
        notes.append(f"contract: effective {c['effective']!r}, expires {c['expires']!r}")
    elif what == 3:  # a trigger type also used as a dependent (or another role's) type
        typed = [k for k, v in params.items() if isinstance(v, list) and v and all(isinstance(x, str) for x in v)]
        if len(typed) >= 2:
            src, dst = draw(st.lists(st.sampled_from(typed), min_size=2, max_size=2, unique=True))
            params[dst] = [*params[dst], *params[src]] if draw(st.booleans()) else list(params[src])
            notes.append(f"contract: {clause['id']}.{dst} = {params[dst]!r} (also {src})")
        else:
            all_types = sorted({t for cl in c["clauses"] for v in cl["parameters"].values() if isinstance(v, list)
                                for t in v if isinstance(t, str)})
            params[name] = [draw(st.sampled_from(all_types))]
            notes.append(f"contract: {clause['id']}.{name} = {params[name]!r}")
    elif what == 4:
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        value = draw(st.sampled_from(YAML_VALUES))
        _set(doc, path, value)
        notes.append(f"contract: {'.'.join(map(str, path))} = {value!r}")
    elif what == 5:
        params.pop(name)
        notes.append(f"contract: {clause['id']} without {name}")
    elif what == 6:
        definitions = c.get("definitions") or {}
        if definitions:
            key = str(draw(st.sampled_from(sorted(definitions))))
            definitions[key]["value"] = draw(st.sampled_from(YAML_VALUES + [10**50, "1e300000000", -5, 0]))
            notes.append(f"contract: definition {key} = {definitions[key]['value']!r}")
    elif what == 7:
        text_key = str(draw(st.sampled_from(["text", "title", "section", "id"])))
        clause[text_key] = str(clause.get(text_key, "")) + str(draw(st.sampled_from(FORGERIES + CONTROL + BIDI)))
        notes.append(f"contract: {clause['id']}.{text_key} with odd characters")
    elif what == 8:
        ends = [cl for cl in c["clauses"] if "ends" in cl["parameters"]]
        if ends:
            others = [cl["id"] for cl in c["clauses"]]
            ends[0]["parameters"]["ends"] = draw(st.sampled_from([
                [ends[0]["id"]], others, [], "ip-access", ["contract-term"], [others[0], others[0]]]))
            notes.append(f"contract: ends = {ends[0]['parameters']['ends']!r}")
    else:
        party = draw(st.sampled_from(c["parties"]))
        party["id"] = draw(st.sampled_from(["x", party["id"].upper(), party["id"] + "\r", c["parties"][0]["id"], 1, ""]))
        notes.append(f"contract: party id {party['id']!r}")


def _rule_targets(doc: Any) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {"arith": [], "cond": [], "when": [], "deadline": [], "of": [], "each": []}
    for path in _paths(doc):
        node = _get(doc, path)
        if isinstance(node, dict) and ("plus" in node or "minus" in node):
            found["arith"].append((*path, "plus" if "plus" in node else "minus"))
        if isinstance(node, list) and len(node) == 3 and isinstance(node[1], str) and node[1] in (
                "==", "!=", "<", "<=", ">", ">=", "in", "not in"):
            found["cond"].append(path)
        if path and path[-1] == "when":
            found["when"].append(path)
        if path and path[-1] == "deadline_days":
            found["deadline"].append(path)
        if path and path[-1] == "of":
            found["of"].append(path)
        if path and path[-1] in ("each", "partition"):
            found["each"].append(path)
    return found


def mutate_template(draw: Draw, doc: dict[str, Any], notes: list[str]) -> None:
    targets = _rule_targets(doc)
    # Weighted: expressions (arithmetic, comparisons, conditions) are where templates meet the events.
    what = draw(st.sampled_from([0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 7]))
    literal = draw(st.sampled_from(["text", "abc", "5", "", True, None, [1], {"days": "x"}, 2**64, 1.5, "${due}",
                                    "obligation.product", "now", "deadline"]))
    if what == 0 and targets["arith"]:
        path = draw(st.sampled_from(targets["arith"]))
        operands = _get(doc, path)
        if isinstance(operands, list) and operands:
            operands[draw(st.integers(0, len(operands) - 1))] = literal
            notes.append(f"rules: {doc.get('id')}: {'.'.join(map(str, path))} has operand {literal!r}")
            return
    if what in (0, 1) and targets["cond"]:
        path = draw(st.sampled_from(targets["cond"]))
        cond = _get(doc, path)
        side = draw(st.sampled_from([0, 2]))
        cond[side] = literal if draw(st.booleans()) else {"plus": [cond[side], literal]}
        if chance(draw, 0.25):
            cond[1] = draw(st.sampled_from(["in", "not in", "<", "=="]))
        notes.append(f"rules: {doc.get('id')}: condition {'.'.join(map(str, path))} = {cond!r}")
        return
    if what == 2 and targets["when"]:
        path = draw(st.sampled_from(targets["when"]))
        value = draw(st.sampled_from([{"exists": "x"}, "now >= deadline", 5, None, [{}], [[]], [["now"]], [[1, "==", 1]],
                                      [{"missing": 5}], [{"exists": ["a"]}], [{"nonempty": "obligation"}], "[]", {}]))
        _set(doc, path, value)
        notes.append(f"rules: {doc.get('id')}: {'.'.join(map(str, path))} = {value!r} (non-list conditions)")
        return
    if what == 3 and targets["deadline"]:
        path = draw(st.sampled_from(targets["deadline"]))
        value = draw(st.sampled_from([10**9, 10**20, -1, -(10**9), "90", "$nope", 1.5, None, MAX_DURATION_DAYS + 1, 2**64]))
        _set(doc, path, value)
        notes.append(f"rules: {doc.get('id')}: deadline_days = {value!r}")
        return
    if what == 4 and targets["of"]:
        path = draw(st.sampled_from(targets["of"]))
        value = draw(st.sampled_from(["product", "note", "id", "time", "type", "ip", "{subject_field}", "ref->provider",
                                      "nothing", "", "item"]))
        _set(doc, path, value)
        notes.append(f"rules: {doc.get('id')}: {'.'.join(map(str, path))} = {value!r} (sum over a non-money field)")
        return
    if what == 5 and targets["each"]:
        path = draw(st.sampled_from(targets["each"]))
        value = draw(st.sampled_from(["provider", "product", "time", "id", "nothing", "ref->ref", "ref->ip", "item", "ip"]))
        _set(doc, path, value)
        notes.append(f"rules: {doc.get('id')}: {'.'.join(map(str, path))} = {value!r}")
        return
    if what == 6:
        rows = [p for p in targets["when"]]
        if rows:
            path = draw(st.sampled_from(rows))[:-1]
            row = _get(doc, path)
            key = str(draw(st.sampled_from(["message", "verdict", "reason", "evidence", "final"])))
            row[key] = draw(st.sampled_from(["${nope}", "${", "$$", "${due} ${paid} ${shortfall}", "maybe", "Not Kebab",
                                             ["nope"], "yes", 1, "${trigger_date}\r\nbreach"]))
            notes.append(f"rules: {doc.get('id')}: {'.'.join(map(str, path))}.{key} = {row[key]!r}")
            return
    paths = [p for p in _paths(doc) if p]
    path = draw(st.sampled_from(paths))
    value = draw(st.sampled_from(YAML_VALUES))
    _set(doc, path, value)
    notes.append(f"rules: {doc.get('id')}: {'.'.join(map(str, path))} = {value!r}")


def waivers_doc(draw: Draw, family: Family, notes: list[str]) -> Any:
    known = example_findings(family.name)
    entries: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 4))):
        what = draw(st.integers(0, 7))
        entry: dict[str, Any] = {"justification": "reviewed", "approver": "counsel",
                                 "expires": draw(st.sampled_from([dt.date(2026, 12, 31), dt.date(9999, 12, 31),
                                                                  dt.date(1900, 1, 1), dt.date(2025, 7, 1)]))}
        if known and what <= 2:
            fid, clause, trigger = draw(st.sampled_from(known))
            if what == 0:
                entry["finding"] = fid
            elif what == 1:
                entry["finding"] = fid[: draw(st.integers(1, 15))]
            else:
                entry["clause"], entry["trigger"] = clause, trigger
        elif what == 3:
            entry["finding"] = draw(st.sampled_from(["0000", "ffff", "1234567890123456", "12345678901234567", "ABCD",
                                                     "g000", "", 1234, 1234.0, ["abcd"], None]))
        elif what == 4:
            entry["clause"], entry["trigger"] = (draw(st.sampled_from(["cloud-rofr", "nope", "", 1, "ip-access"])),
                                                 draw(st.sampled_from(["e34", "e34\r", "", 34, ["e34"], "x" * 300])))
        elif what == 5:
            entry["finding"], entry["clause"], entry["trigger"] = "abcd", "cloud-rofr", "e34"
        elif what == 6:
            entry["expires"] = draw(st.sampled_from(["2026-02-30", 20261231, "tomorrow", None, "9999-12-31T23:59:59Z",
                                                     dt.datetime(2026, 1, 1, 12, 0), "10000-01-01"]))
            entry["finding"] = known[0][0] if known else "abcd"
        else:
            entry.pop(draw(st.sampled_from(["justification", "approver", "expires"])))
            entry["finding"] = known[0][0] if known else "abcd"
            if draw(st.booleans()):
                entry["extra"] = 1
        entries.append(entry)
    shape = draw(st.integers(0, 12))
    doc: Any = {"waivers": entries}
    if shape == 0:
        doc = entries
    elif shape == 1:
        doc = {"waivers": entries[0] if entries else None}
    elif shape == 2:
        doc = {"waivers": entries, "extra": 1}
    elif shape == 3 and entries:
        doc = {"waivers": entries + [entries[0]]}
    notes.append(f"waivers: {len(entries)} entries, shape {shape}")
    return doc


# --- the whole case ------------------------------------------------------------------------------


def _yaml_file(draw: Draw, doc: Any, notes: list[str], what: str, oddity_odds: int = 4) -> bytes:
    text = dump_yaml(doc)
    if chance(draw, 1 / (oddity_odds + 1)):
        for _ in range(draw(st.integers(1, 2))):
            text, note = yaml_oddity(draw, text)
            notes.append(f"{what}: YAML {note}")
    return text.encode("utf-8", "surrogatepass")


@st.composite
def cases(draw: Draw) -> Case:
    family: Family = draw(st.sampled_from(FAMILIES))
    notes: list[str] = [f"family: {family.name}"]
    files: dict[str, bytes] = {}

    # Contract: the example as written, or mutated (structure, then YAML oddities).
    roll = draw(st.integers(0, 9))
    if roll < 6:
        files["contract.yaml"] = family.contract_file.read_bytes()
    else:
        doc = mutate_contract(draw, family, notes) if roll < 9 else copy.deepcopy(family.contract)
        files["contract.yaml"] = _yaml_file(draw, doc, notes, "contract", oddity_odds=1 if roll == 9 else 4)
    argv = ["check", "--contract", "contract.yaml"]

    # Events: one or two files, any format, maybe on stdin.
    recs = event_log(draw, family, notes)
    split = draw(st.integers(0, len(recs))) if chance(draw, 0.15) else len(recs)
    parts = [recs[:split], recs[split:]] if split < len(recs) else [recs]
    events: list[str] = []
    stdin: bytes | None = None
    for index, part in enumerate(parts):
        fmt = str(draw(st.sampled_from(["jsonl", "jsonl", "jsonl", "json", "csv"])))
        if any(r.raw is not None for r in part):
            fmt = "jsonl"
        if fmt == "jsonl":
            data = serialise_jsonl(part, draw, notes)
        elif fmt == "json":
            data = serialise_json(part, draw, notes)
        else:
            data = serialise_csv(part, draw, notes)
        if fmt == "jsonl" and stdin is None and chance(draw, 0.0625):
            stdin = data
            events.append("-")
            notes.append("events: JSON lines on standard input")
            continue
        name = "events.jsonl" if index == 0 and fmt == "jsonl" else f"events-{index + 1}.{fmt}"
        files[name] = data
        events.append(name)
    for name in events:
        argv += ["--events", name]

    # Rule templates: a copy of rules/ with one or two templates mutated.
    if chance(draw, 0.2):
        rules = {p.name: p.read_bytes() for p in sorted(RULES_DIR.glob("*.yaml"))}
        for _ in range(draw(st.integers(1, 2))):
            name = f"{draw(st.sampled_from(family.templates + ['contract-term']))}.yaml"
            doc = load_yaml_file(RULES_DIR / name)
            mutate_template(draw, doc, notes)
            rules[name] = _yaml_file(draw, doc, notes, f"rules/{name}")
        for name, data in rules.items():
            files[f"rules/{name}"] = data
        argv += ["--rules", "rules"]

    # Waivers.
    if chance(draw, 0.167):
        if family.name == "openai-microsoft" and chance(draw, 0.25):
            files["waivers.yaml"] = _yaml_file(draw, load_yaml_file(EXAMPLE_WAIVERS), notes, "waivers", oddity_odds=0)
        else:
            files["waivers.yaml"] = _yaml_file(draw, waivers_doc(draw, family, notes), notes, "waivers", oddity_odds=5)
        argv += ["--waivers", "waivers.yaml"]

    as_of: str | None = None
    if chance(draw, 0.167):
        as_of = draw(st.one_of(st.sampled_from(EDGE_AS_OF),
                               st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(9999, 12, 30))
                               .map(lambda d: d.isoformat() + "Z")))
        argv += ["--as-of", str(as_of)]
    lenient = chance(draw, 0.333)
    if lenient:
        argv.append("--lenient")
    fail_on = str(draw(st.sampled_from(FAIL_ON)))
    argv += ["--fail-on", fail_on]
    if chance(draw, 0.0244):
        argv += ["--jobs", "2"]
    formats = ["json"]
    if chance(draw, 0.333):
        formats.append(str(draw(st.sampled_from(FORMATS[1:]))))
        if formats[-1] == "md" and draw(st.booleans()):
            argv.append("--verbose")
    sink: str | None = None
    if chance(draw, 0.0244):
        sink = str(draw(st.sampled_from(["broken-stdout", "/dev/full"])))
        notes.append(f"the report cannot be written ({sink})")
    return Case(files=files, argv=argv, events=events, stdin=stdin, lenient=lenient, fail_on=fail_on, formats=formats,
                as_of=as_of, sink=sink, notes=notes)
