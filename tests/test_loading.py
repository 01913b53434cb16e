"""Readers and loaders in-process: events (jsonl, json, csv), times, amounts, YAML, contracts, templates."""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.api import load
from checker.errors import CheckError, shorten
from checker.language.contracts import coerce
from checker.language.templates import load_templates
from checker.read.events import (
    MAX_AMOUNT_DIGITS,
    LineError,
    build_event,
    parse_json_value,
    parse_money,
    parse_time,
    read_events,
)
from checker.read.yamlload import load_yaml, position
from tests.conftest import EXAMPLE_CONTRACT, EXAMPLE_EVENTS

BASE = {"id": "e1", "time": "2025-01-21", "type": "cloud_contract", "actor": "openai"}


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


# --- times ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-05-06", dt.datetime(2025, 5, 6, tzinfo=dt.UTC)),
    ("2025-05-06T10:00:00Z", dt.datetime(2025, 5, 6, 10, tzinfo=dt.UTC)),
    ("2025-05-06T10:00:00+02:00", dt.datetime(2025, 5, 6, 8, tzinfo=dt.UTC)),
    ("2025-05-06 10:00:00-07:00", dt.datetime(2025, 5, 6, 17, tzinfo=dt.UTC)),
    ("1900-01-01", dt.datetime(1900, 1, 1, tzinfo=dt.UTC)),
    ("9999-12-31T23:59:59Z", dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)),
])
def test_parse_time_accepts(text: str, expected: dt.datetime) -> None:
    moment = parse_time(text)
    assert moment == expected
    assert moment.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(("value", "message"), [
    ("2025-05-06T10:00:00", "has no UTC offset"),
    ("2024-13-45", "month must be in 1..12"),
    ("1899-12-31", "outside the supported years 1900–9999"),
    ("10000-01-01", "outside the supported years 1900–9999"),
    ("9999-12-31T23:00:00-05:00", "outside the supported years 1900–9999"),
    ("1900-01-01T00:30:00+01:00", "outside the supported years 1900–9999"),
    ("yesterday", "invalid time 'yesterday'"),
    (20250506, "must be an ISO 8601 string, got 20250506"),
    (None, "must be an ISO 8601 string, got null"),
])
def test_parse_time_refuses(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        parse_time(value)
    assert message in str(info.value)


# --- amounts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (0, Decimal(0)),
    (12, Decimal(12)),
    ("1000.50", Decimal("1000.50")),
    (" 7 ", Decimal(7)),
    ("1_000", Decimal(1000)),
    (Decimal("2E-5"), Decimal("0.00002")),
    (Decimal("1E+3"), Decimal(1000)),
    ("-0", Decimal(0)),
    (10 ** MAX_AMOUNT_DIGITS - 1, Decimal(10 ** MAX_AMOUNT_DIGITS - 1)),
    ("1." + "0" * 30, Decimal(1)),
    ("0." + "0" * 19 + "1", Decimal("1e-20")),
])
def test_parse_money_is_exact(value: Any, expected: Decimal) -> None:
    amount = parse_money("amount_usd", value)
    assert amount == expected
    assert isinstance(amount, Decimal)
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int) and exponent <= 0, "no exponent reaches a message"


def test_forty_digit_amount_keeps_every_digit() -> None:
    digits = "1234567890123456789012345678901234567895"
    assert str(parse_money("x_usd", int(digits))) == digits
    assert str(parse_money("x_usd", digits)) == digits


@pytest.mark.parametrize(("value", "message"), [
    (-1, "must not be negative"),
    ("NaN", "must be a finite amount"),
    ("Infinity", "must be a finite amount"),
    (Decimal("1E+400"), "too large to add up exactly"),
    (10 ** MAX_AMOUNT_DIGITS, "too large to add up exactly"),
    ("0." + "0" * 20 + "1", "too many decimals"),
    (True, "must be an amount, got true"),
    ("12 million", "must be an amount"),
    ([1], "must be an amount"),
    (1.5, "must be an amount"),
])
def test_parse_money_refuses(value: Any, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_money("amount_usd", value)
    assert message in str(info.value)
    assert "'amount_usd'" in str(info.value)


# --- JSON values ----------------------------------------------------------------------------------


def test_json_numbers_are_exact() -> None:
    value = parse_json_value(b'{"a": 0.1, "b": 2e-05, "c": 12345678901234567890123, "d": 1e99}')
    assert value == {"a": Decimal("0.1"), "b": Decimal("0.00002"), "c": 12345678901234567890123,
                     "d": Decimal("1e99")}
    assert not any(isinstance(v, float) for v in value.values())


@pytest.mark.parametrize("number", ["1e100", "1e300000000", "1e-101", "-1e5000"])
def test_numbers_past_the_digit_limit_are_refused(tmp_path: Path, number: str) -> None:
    """Decision: a number whose fixed-point form needs more than 100 digits before or after the
    point is refused at its line (it would otherwise expand into a report of millions of digits)."""
    record = '{"id": "e1", "time": "2025-01-21", "type": "x", "actor": "openai", "note": NUMBER}\n'
    log = write(tmp_path, "big.jsonl", record.replace("NUMBER", number))
    with pytest.raises(CheckError, match=r"big\.jsonl:1: field 'note': the number .* is too long"):
        read_events([log])


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"a": 1,}', "malformed JSON"),
    (b'{"a": "x', "the data ends early"),
    (b'{"a": "caf\xe9"}', "not UTF-8 (byte 0xe9)"),
    (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
])
def test_parse_json_value_refuses(raw: bytes, message: str) -> None:
    with pytest.raises(LineError) as info:
        parse_json_value(raw)
    assert message in str(info.value)


@pytest.mark.parametrize(("fields", "message"), [
    ({"note": "a\x00b"}, "field 'note' contains control character U+0000 (NUL) at character 2"),
    ({"note": "\x1b[2J"}, "control character U+001B (ESC)"),
    ({"note": "\ud800"}, "lone surrogate \\ud800"),
    ({"meta": {"deep": ["ok", "bad\x07"]}}, "field 'meta.deep[1]' contains control character U+0007"),
    ({"note": "x" * (1024 * 1024 + 1)}, "is 1048577 characters long; a field is limited to 1048576"),
    ({"ref": 3}, "'ref' must be an event id string, got 3"),
    ({"bad\x00key": 1}, "a field name contains control character U+0000"),
])
def test_build_event_refuses(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        build_event({**BASE, **fields}, "f.jsonl", 1, 0)
    assert message in str(info.value)
    assert len(str(info.value)) < 300


def test_build_event_accepts_text_and_keeps_fields() -> None:
    event = build_event({**BASE, "note": "tab\tnew\nline ✓ 🚀 مرحبا", "value_usd": "12.50", "tags": ["a", "b"]},
                        "f.jsonl", 3, 7)
    assert event.fields == {"note": "tab\tnew\nline ✓ 🚀 مرحبا", "value_usd": Decimal("12.50"), "tags": ["a", "b"]}
    assert (event.file, event.line, event.seq) == ("f.jsonl", 3, 7)


def test_shorten_truncates_and_shows_json_spelling() -> None:
    assert shorten("x" * 1000).endswith("…")
    assert len(shorten("x" * 1000)) == 60
    assert shorten(True) == "true"
    assert shorten(None) == "null"
    assert shorten(Decimal("1E+400")) == "1E+400"


# --- files ----------------------------------------------------------------------------------------


def test_jsonl_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", "\n" + json.dumps(BASE) + "\n\n  \n" + json.dumps({**BASE, "id": "e2"}) + "\n")
    log = read_events([path])
    assert [(e.id, e.line) for e in log.events] == [("e1", 2), ("e2", 5)]


def test_json_array_elements_know_their_lines(tmp_path: Path) -> None:
    records = [BASE, {**BASE, "id": "e2", "note": "a [string] with {brackets}, and \"quotes\""}, {**BASE, "id": "e3"}]
    path = write(tmp_path, "a.json", json.dumps(records, indent=2))
    log = read_events([path])
    text = Path(path).read_text().splitlines()
    for event in log.events:
        assert text[event.line - 1].strip() == "{"
        assert f'"id": "{event.id}"' in text[event.line]


@pytest.mark.parametrize(("content", "message"), [
    ("[", "malformed JSON"),
    ("[EVENT, ", "the data ends early"),
    ("[EVENT] []", "extra data after the array"),
    ("[EVENT EVENT]", "expected ',' or ']'"),
    ("[EVENT, ]", "trailing comma"),
    ('"events"', "must hold one JSON array"),
])
def test_broken_json_arrays_are_refused_even_leniently(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, "a.json", content.replace("EVENT", json.dumps(BASE)))
    for lenient in (False, True):
        with pytest.raises(CheckError) as info:
            read_events([path], lenient=lenient)
        assert message in info.value.message
        assert info.value.line is not None


def test_empty_json_array_and_empty_json_file(tmp_path: Path) -> None:
    assert read_events([write(tmp_path, "a.json", "[ ]")]).events == []
    assert read_events([write(tmp_path, "b.json", "")]).events == []
    assert read_events([write(tmp_path, "c.json", "\ufeff[]\n")]).events == []


def test_csv_cells(tmp_path: Path) -> None:
    rows = [
        ["id", "time", "type", "actor", "ip", "ref", "note", "amount_usd"],
        ["e1", "2025-01-21", "model_release", "openai", "model_weights;inference_code", "", "a;b", "1;2"],
        ["e2", "2025-01-22", "model_release", "openai", '["model_weights"]', "", "", ""],
        ["e3", "2025-01-23", "model_release", "openai", "model_weights;", "e1", "x", " 12 "],
    ]
    path = tmp_path / "a.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(CheckError) as info:
        read_events([str(path)])
    assert (info.value.line, "'amount_usd' must be an amount, got '1;2'") == (2, info.value.message)
    log = read_events([str(path)], lenient=True)
    assert [s.line for s in log.skipped] == [2]
    e2, e3 = log.events
    assert e2.fields == {"ip": ["model_weights"]}
    assert e3.fields == {"ip": ["model_weights"], "ref": "e1", "note": "x", "amount_usd": Decimal(12)}


def test_csv_field_limit_is_restored(tmp_path: Path) -> None:
    before = csv.field_size_limit()
    big = "x" * 200_000
    path = write(tmp_path, "a.csv", f"id,time,type,actor,note\ne1,2025-01-21,board_meeting,openai,{big}\n")
    assert read_events([path]).events[0].fields["note"] == big
    assert csv.field_size_limit() == before
    huge = write(tmp_path, "b.csv", f"id,time,type,actor,note\ne1,2025-01-21,board_meeting,openai,{'x' * 2_000_000}\n")
    with pytest.raises(CheckError) as info:
        read_events([huge], lenient=True)
    assert "larger than 1048576 characters" in info.value.message
    assert csv.field_size_limit() == before


def test_lenient_keeps_the_record_of_a_skipped_line(tmp_path: Path) -> None:
    lines = [json.dumps(BASE), json.dumps({**BASE, "id": "e2", "time": "2025-01-22T10:00:00", "ref": "e1"}), "{nope"]
    log = read_events([write(tmp_path, "a.jsonl", "\n".join(lines))], lenient=True)
    assert [e.id for e in log.events] == ["e1"]
    assert [(s.line, s.record["id"] if s.record else None) for s in log.skipped] == [(2, "e2"), (3, None)]


def test_example_log_reads(tmp_path: Path) -> None:
    log = read_events([str(EXAMPLE_EVENTS)])
    assert len(log.events) == 50
    assert not log.skipped
    money = [v for e in log.events for k, v in e.fields.items() if k.endswith("_usd")]
    assert money and all(isinstance(v, Decimal) for v in money)


# --- robustness: any bytes give events or a named refusal, never a crash --------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_never_crash_the_jsonl_reader(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.jsonl"
    path.write_bytes(data)
    try:
        read_events([str(path)])
    except CheckError as exc:
        assert exc.file == str(path) and exc.line is not None
    read_events([str(path)], lenient=True)


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                         st.floats(allow_nan=True, allow_infinity=True))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "time", "type", "actor", "ref", "amount_usd", "ip", "note"]),
                       JSON_VALUES, max_size=8))
def test_any_json_record_gives_an_event_or_a_value_error(record: dict[str, Any]) -> None:
    raw = json.dumps(record).encode()
    try:
        value = parse_json_value(raw)
        build_event(value, "f.jsonl", 1, 0)
    except ValueError as exc:
        assert str(exc)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=50))
def test_printable_text_round_trips(text: str) -> None:
    raw = json.dumps({**BASE, "product": text}).encode()
    assert build_event(parse_json_value(raw), "f.jsonl", 1, 0).fields["product"] == text


# --- YAML -----------------------------------------------------------------------------------------


def test_alias_bomb_is_refused_before_expanding(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 12):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(CheckError) as info:
        load_yaml(path)
    assert time.monotonic() - started < 2
    assert (info.value.line, info.value.col) == (2, 8)
    assert "aliases" in info.value.message


@pytest.mark.parametrize(("text", "where", "message"), [
    ("a: 1\na: 2\n", (2, 1), "duplicate key 'a'"),
    ("a: !!python/object:os.system x\n", (1, 4), "YAML tag '!!python/object:os.system' is not allowed"),
    ("a: !custom x\n", (1, 4), "YAML tag '!custom' is not allowed"),
    ("a: !!binary aGk=\n", (1, 4), "YAML tag '!!binary' is not allowed"),
    ("a: !!set {x}\n", (1, 4), "YAML tag '!!set' is not allowed"),
    ("a:\n\tb: 1\n", (2, 1), "tab character"),
    ("a: 2019-02-30\n", (1, 4), "invalid date '2019-02-30': day is out of range for month"),
    ("a: " + "[" * 100 + "]" * 100 + "\n", None, "nested more than 64 levels"),
    ("a: *nowhere\n", (1, 4), "aliases"),
    ("--- 1\n--- 2\n", None, "invalid YAML"),
    ("# nothing\n", (1, None), "file is empty"),
])
def test_yaml_refusals(tmp_path: Path, text: str, where: tuple[int, int | None] | None, message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CheckError) as info:
        load_yaml(path)
    assert message in info.value.message
    assert info.value.file == str(path) and info.value.line is not None
    if where is not None:
        assert (info.value.line, info.value.col) == where


def test_yaml_bom_and_positions(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbfa:\n  b: [1, 2]\n  c: 2019-07-22\n")
    tree = load_yaml(path)
    assert tree["a"]["c"] == dt.date(2019, 7, 22)
    assert position(tree, ("a", "b")) == (2, 3)
    assert position(tree, ("a", "b", 1)) == (2, 10)
    assert position(tree, ("a", "missing")) == (1, 1)


# --- contracts and templates ----------------------------------------------------------------------


def test_bundled_templates_and_example_contract_load() -> None:
    templates = load_templates()
    assert {"scoped-disclosure", "right-of-first-refusal", "contract-term"} <= set(templates)
    contract, _ = load(EXAMPLE_CONTRACT)
    assert [c.id for c in contract.contract.clauses][:2] == ["ip-access", "acquired-ip"]


@pytest.mark.parametrize(("kind", "raw", "message"), [
    ("party", ["openai"], "is not a party"),
    ("party", {"id": "openai"}, "is not a party"),
    ("days", True, "whole number of days"),
    ("days", 1.5, "whole number of days"),
    ("percent", "twenty", "expected a number"),
    ("percent", float("nan"), "finite"),
    ("money", -1, "out of range"),
    ("clauses", ["nope"], "unknown clause 'nope'"),
    ("event_types", ["Bad-Type"], "not a snake_case event type"),
    ("date", "2019-07-22", "expected a date"),
])
def test_parameter_types(kind: str, raw: Any, message: str) -> None:
    contract, _ = load(EXAMPLE_CONTRACT)
    with pytest.raises(ValueError) as info:
        coerce(kind, raw, contract.contract)
    assert message in str(info.value)
