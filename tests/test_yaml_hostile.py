"""Hostile YAML (issue 12 classes 3 and 11, issue 11 part 6, SPEC §10 "Figures in contract files are exact").

Every YAML file the checker reads goes through checker/read/yamlload.py; each test states the decision
it pins down. Directives are tried on every kind of file through the CLI (in-process), numbers and
scalars on the loader itself, contract figures on the contract loader.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import limits
from checker.api import load
from checker.cli import main
from checker.errors import CheckError
from checker.language.contracts import coerce, resolve_parameters
from checker.read import yamlload
from checker.read.yamlload import YamlFloat, load_yaml, plain
from tests.conftest import EXAMPLE_CONTRACT, EXAMPLE_EVENTS, ROOT

PROPOSAL = ROOT / "contracts" / "proposals" / "2025-restructuring.yaml"
SCENARIO = ROOT / "tests" / "scenarios" / "right-of-first-refusal.yaml"


def write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> CheckError:
    path = write(tmp_path, text)
    with pytest.raises(CheckError) as info:
        load_yaml(path)
    assert info.value.file == str(path)
    return info.value


# --- directives, on every kind of YAML file ----------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of YAML file: which file of the workspace it is and the command that reads it."""

    target: str
    argv: Callable[[Path], list[str]]


def _check(extra: list[str]) -> Callable[[Path], list[str]]:
    def argv(ws: Path) -> list[str]:
        return ["check", "--contract", str(ws / "contracts" / EXAMPLE_CONTRACT.name), "--events",
                str(ws / EXAMPLE_EVENTS.name), "--format", "json", "--fail-on", "never",
                *[a.replace("WS", str(ws)) for a in extra]]
    return argv


KINDS = {
    "contract": Kind(f"contracts/{EXAMPLE_CONTRACT.name}", _check([])),
    "template": Kind("rules/right-of-first-refusal.yaml", _check(["--rules", "WS/rules"])),
    "waiver": Kind("waivers.yaml", _check(["--waivers", "WS/waivers.yaml"])),
    "proposal": Kind(f"contracts/proposals/{PROPOSAL.name}", lambda ws: [
        "lint", str(ws / "contracts" / "proposals" / PROPOSAL.name), "--rules", str(ws / "rules"),
        "--format", "json", "--fail-on", "never"]),
    "policy": Kind("rules/policies/sanity.yaml", lambda ws: [
        "lint", str(ws / "contracts" / EXAMPLE_CONTRACT.name), "--rules", str(ws / "rules"),
        "--format", "json", "--fail-on", "never"]),
    "scenario": Kind(f"tests/scenarios/{SCENARIO.name}", lambda ws: [
        "test", str(ws / "tests" / "scenarios" / SCENARIO.name), "--format", "json"]),
}


def workspace(tmp: Path) -> Path:
    """A copy of everything the commands read, laid out as in the repository."""
    (tmp / "contracts" / "proposals").mkdir(parents=True)
    (tmp / "tests" / "scenarios").mkdir(parents=True)
    shutil.copyfile(EXAMPLE_CONTRACT, tmp / "contracts" / EXAMPLE_CONTRACT.name)
    shutil.copyfile(PROPOSAL, tmp / "contracts" / "proposals" / PROPOSAL.name)
    shutil.copyfile(SCENARIO, tmp / "tests" / "scenarios" / SCENARIO.name)
    shutil.copyfile(EXAMPLE_EVENTS, tmp / EXAMPLE_EVENTS.name)
    shutil.copyfile(ROOT / "examples" / "openai-microsoft-waivers.yaml", tmp / "waivers.yaml")
    shutil.copytree(ROOT / "rules", tmp / "rules")
    return tmp


def prefix(path: Path, text: str) -> None:
    path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _normalised(out: str, ws: Path) -> Any:
    """A report with the workspace path removed (two workspaces give the same report)."""
    return json.loads(out.replace(str(ws), "WS")) if out.strip() else out


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[int, Any]]:
    """A command's exit code and report on the workspace, its target file two lines longer (each
    kind run once, when a test first needs it)."""
    results: dict[str, tuple[int, Any]] = {}

    def baseline(name: str) -> tuple[int, Any]:
        if name not in results:
            kind = KINDS[name]
            ws = workspace(tmp_path_factory.mktemp(f"base-{name}"))
            prefix(ws / kind.target, "# two comment lines, so that lines match the files\n# with a directive and '---'\n")
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(kind.argv(ws))
            assert code in (0, 1), (name, err.getvalue())
            results[name] = (code, _normalised(out.getvalue(), ws))
        return results[name]

    return baseline


# Decision: `%YAML 1.2` is what the checker reads anyway, so it is accepted and changes nothing;
# `%YAML 1.1` is accepted too and the file is read by YAML 1.1's rules, as it says (no bundled
# file reads differently under them).
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("directive", ["%YAML 1.2", "%YAML 1.1"])
def test_version_directive_is_accepted_and_changes_nothing(
    kind: str, directive: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    baselines: Callable[[str], tuple[int, Any]],
) -> None:
    ws = workspace(tmp_path)
    prefix(ws / KINDS[kind].target, f"{directive}\n---\n")
    code, out, err = run(KINDS[kind].argv(ws), capsys)
    assert "Traceback" not in err
    assert (code, _normalised(out, ws)) == baselines(kind), err


# Decision: any other directive is refused at its line and column, never ignored: `%TAG` in any
# form (a handle mapped to a foreign prefix would smuggle tags in under a short name, and YAML's
# own tags need no directive), versions other than 1.1 and 1.2, directives YAML does not define,
# a second %YAML directive.
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(("directives", "where", "message"), [
    ("%TAG !e! tag:example.com,2000:", "1:1", "%TAG !e! tag:example.com,2000:: %TAG directives are not allowed"),
    ("%TAG ! tag:yaml.org,2002:python/object/apply:", "1:1", "%TAG ! tag:yaml.org,2002:python/object/apply:: %TAG "),
    ("%TAG !! tag:yaml.org,2002:", "1:1", "%TAG !! tag:yaml.org,2002:: %TAG directives are not allowed"),
    ("%YAML 2.0", "1:1", "%YAML 2.0: only YAML 1.1 and 1.2 are read"),
    ("%YAML 1.0", "1:1", "%YAML 1.0: only YAML 1.1 and 1.2 are read"),
    ("%FOO bar baz", "1:1", "unknown YAML directive %FOO (only %YAML and %TAG are read)"),
    ("# a comment first\n%YAML 1.2\n%YAML 1.2", "3:1", "invalid YAML: found duplicate YAML directive"),
    ("%YAML 1.x", "1:9", "invalid YAML: expected a digit, but found 'x'"),
])
def test_other_directives_are_refused_at_their_line(
    kind: str, directives: str, where: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    ws = workspace(tmp_path)
    target = ws / KINDS[kind].target
    prefix(target, f"{directives}\n---\n")
    code, _, err = run(KINDS[kind].argv(ws), capsys)
    assert code == 2, err
    assert err.startswith(f"contract-check: error: {target}:{where}: {message}"), err
    assert "Traceback" not in err and len(err) < 2000


def test_a_tag_directive_cannot_bring_in_an_object_tag(tmp_path: Path) -> None:
    """Decision: refused at the directive, before the tag it declares is ever used."""
    err = refusal(tmp_path, "%TAG !py! tag:yaml.org,2002:python/object/apply:\n---\na: !py!os.system [echo]\n")
    assert (err.line, err.col) == (1, 1)
    assert "%TAG directives are not allowed" in err.message


# --- numbers: exact, limited, refused where they are written -----------------------------------


def test_limits_come_from_the_one_table() -> None:
    """Decision: limits.py is the one table; yamlload keeps no limits of its own."""
    for name in ("MAX_YAML_BYTES", "MAX_YAML_DEPTH", "MAX_NUMBER_DIGITS", "MAX_TIME_FRACTION_DIGITS"):
        assert getattr(yamlload, name) is getattr(limits, name), name
    assert "MAX_YAML_BYTES =" not in Path(yamlload.__file__).read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "where"), [
    ("a: 1\nparameters:\n  period_days: " + "9" * 5000 + "\n", (3, 16)),  # was line 1: Python's 4300-digit limit
    ("a: 1\nb: [1, 2, " + "1" + "0" * 100 + "]\n", (2, 11)),
    ("a: 1\nb: -" + "1" * 101 + "\n", (2, 4)),
    ("a: 0x" + "f" * 84 + "\n", (1, 4)),
    ("a: 0b1" + "0" * 333 + "\n", (1, 4)),
    ("a: 1e100\n", (1, 4)),
    ("a: 1e300000000\n", (1, 4)),
    ("a: 1e-101\n", (1, 4)),
    ("a: 0." + "0" * 100 + "1\n", (1, 4)),
    ("a: 1e99999999999999999999999999\n", (1, 4)),
    ("a: !!float " + "9" * 5000 + "\n", (1, 4)),
])
def test_numbers_past_the_digit_limit_are_refused_where_written(tmp_path: Path, text: str, where: tuple[int, int]) -> None:
    """Decision: like the event readers, a number whose fixed-point form needs more than
    MAX_NUMBER_DIGITS digits before or after the point is refused, at its own line and column."""
    err = refusal(tmp_path, text)
    assert (err.line, err.col) == where, err
    assert f"is too long: at most {limits.MAX_NUMBER_DIGITS} digits before and after the decimal point" in err.message
    assert len(err.message) < 200


def test_numbers_at_the_digit_limit_are_kept_exactly(tmp_path: Path) -> None:
    big = "9" * limits.MAX_NUMBER_DIGITS
    fine = "0." + "0" * (limits.MAX_NUMBER_DIGITS - 1) + "1"
    tree = plain(load_yaml(write(tmp_path, f"a: {big}\nb: -{big}\nc: {fine}\nd: 1e99\ne: 1e-100\nf: 00000{big}\n")))
    assert tree == {"a": int(big), "b": -int(big), "c": Decimal(fine), "d": Decimal("1e99"), "e": Decimal("1e-100"),
                    "f": int(big)}


def test_figures_are_exact_decimals_and_integers_stay_integers(tmp_path: Path) -> None:
    """Decision (SPEC §10): a number with a point or an exponent is the Decimal it spells, never a
    binary float; an integer stays an int."""
    text = ("a: 92000000000.000001\nb: 0.1\nc: 20.000000000000001\nd: 1_000.50\ne: 1e5\nf: -0.0\ng: .5\n"
            "h: 12\ni: 0x1F\nj: 1_000\nk: !!float 7\n")
    tree = load_yaml(write(tmp_path, text))
    values = plain(tree)
    assert values == {"a": Decimal("92000000000.000001"), "b": Decimal("0.1"), "c": Decimal("20.000000000000001"),
                      "d": Decimal("1000.50"), "e": Decimal("1e5"), "f": Decimal("-0.0"), "g": Decimal("0.5"),
                      "h": 12, "i": 31, "j": 1000, "k": Decimal(7)}
    assert str(values["a"]) == "92000000000.000001" and str(values["d"]) == "1000.50"
    assert all(type(v) is Decimal for k, v in values.items() if k in "abcdefgk")
    assert all(type(v) is int for k, v in values.items() if k in "hij")
    # The raw tree (read by code that walks it, e.g. scenario events) carries the exact value too.
    assert isinstance(tree["a"], YamlFloat) and tree["a"].exact == Decimal("92000000000.000001")


@pytest.mark.parametrize(("text", "where"), [
    ("a: 1\nb: .inf\n", (2, 4)),
    ("a: 1\nb:   -.Inf\n", (2, 6)),
    ("a: 1\nb: [1, .NaN]\n", (2, 8)),
    ("a: !!float .nan\n", (1, 4)),
])
def test_infinity_and_nan_are_refused_at_their_line(tmp_path: Path, text: str, where: tuple[int, int]) -> None:
    """Decision: `.inf` and `.nan` are no figures; refused where written, in every YAML file."""
    err = refusal(tmp_path, text)
    assert (err.line, err.col) == where
    assert "is not a finite number" in err.message


@pytest.mark.parametrize(("text", "where", "message"), [
    ("a: !!float abc\n", (1, 4), "'abc' is not a decimal number"),
    ("%YAML 1.1\n---\na: 1:30.5\n", (3, 4), "'1:30.5' is not a decimal number"),
    ("a: !!int 1.5\n", (1, 4), "'1.5' is not a valid !!int value"),
    ("a: !!bool maybe\n", (1, 4), "'maybe' is not a valid !!bool value"),
    ("a: 2019-01-01T10:00:00.1234567Z\n", (1, 4), "has 7 fractional digits"),
    ("a:\n  b: 2019-13-45\n", (2, 6), "invalid date '2019-13-45': month must be in 1..12"),
    ("a: !!str {b: 1}\n", (1, 4), "YAML tag !!str cannot tag a mapping"),
    ("a: !!seq {b: 1}\n", (1, 4), "YAML tag !!seq cannot tag a mapping"),
    ("a: !!map [1]\n", (1, 4), "YAML tag !!map cannot tag a list"),
    ("a:\n  <<: {b: 1}\n  c: 2\n", (2, 3), "YAML merge keys (<<) are not allowed"),
    ("? [a]\n: b\n", (1, 3), "a mapping key must be a plain name"),
    ("? {a: 1}\n: b\n", (1, 3), "a mapping key must be a plain name"),
])
def test_unreadable_scalars_are_refused_at_their_line(
    tmp_path: Path, text: str, where: tuple[int, int], message: str,
) -> None:
    """Decision: a scalar that cannot be read as its (explicit or implicit) type, a time finer than
    the microsecond, a tag on the wrong kind of node, a merge key or a list/mapping as a key is
    refused at its position (each was a wrong value, a silent truncation or a line-1 report)."""
    err = refusal(tmp_path, text)
    assert (err.line, err.col) == where, err
    assert message in err.message


def test_standard_tags_and_odd_plain_scalars_give_plain_values(tmp_path: Path) -> None:
    """Decision: `!!str 1` is the text '1' (ruamel gave a TaggedScalar object that no model
    accepts); a plain `=` or `<<` value is text; times keep their microseconds."""
    tree = plain(load_yaml(write(tmp_path, "a: !!str 1\nb: !!int 0o17\nc: =\nd: <<\n"
                                           "e: 2019-01-01T10:00:00.123456Z\nf: !!timestamp 2019-01-01\n")))
    assert tree["a"] == "1" and type(tree["a"]) is str
    assert tree["b"] == 15 and tree["c"] == "=" and tree["d"] == "<<"
    assert tree["e"] == dt.datetime(2019, 1, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)
    assert tree["f"] == dt.date(2019, 1, 1)


def test_anchored_scalars_keep_their_type(tmp_path: Path) -> None:
    """Decision: an anchor changes nothing about a value (ruamel made an anchored `true` an int
    subclass, which read as the number 1, and times its own datetime subclass)."""
    tree = load_yaml(write(tmp_path, "a: &t true\nb: &n 5\nc: &s hi\nd: 2019-01-01T10:00:00+02:00\n"))
    assert tree["a"] is True
    values = plain(tree)
    assert values == {"a": True, "b": 5, "c": "hi",
                      "d": dt.datetime(2019, 1, 1, 8, tzinfo=dt.UTC)}
    assert [type(v) for v in values.values()] == [bool, int, str, dt.datetime]
    assert type(tree["d"]) is dt.datetime


YAML_TOKENS = ["%YAML 1.2\n", "%YAML 1.1\n", "%TAG ! x:\n", "---\n", "a: ", "b:\n  ", "- ", "[", "]", "{", "}", ", ",
               ": ", "? ", "1", "1.5", "1e40", "1e400", "9" * 120, ".inf", ".nan", "0x1F", "0o7", "1_000", "1:30",
               "1:30.5", "yes", "~", "=", "<<", "&a ", "*a", "!!str ", "!!int ", "!!float ", "!!bool ", "!!timestamp ",
               "!!python/object ", "2019-01-01", "2019-13-45", "2019-01-01T10:00:00.1234567Z", "'q'", "\n", "\t",
               "-0.0", "+.5", ".5", "1.", "x", " ", "12.50", "# c\n", "|\n  x\n"]


def _only_plain_values(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            _only_plain_values(item)
    elif isinstance(value, list):
        for item in value:
            _only_plain_values(item)
    else:
        assert value is None or type(value) in (bool, int, str, Decimal, dt.date, dt.datetime), type(value)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(YAML_TOKENS), min_size=1, max_size=14))
def test_any_yaml_gives_plain_values_or_a_refusal_with_a_line(tmp_path_factory: pytest.TempPathFactory,
                                                               tokens: list[str]) -> None:
    """The loader's property: exact plain values (never a float, never a ruamel object), or a
    CheckError naming file and line; never another exception."""
    path = tmp_path_factory.mktemp("yaml") / "f.yaml"
    path.write_text("".join(tokens), encoding="utf-8")
    try:
        values = plain(load_yaml(path))
    except CheckError as exc:
        assert exc.file == str(path) and exc.line is not None
        return
    _only_plain_values(values)


# --- contract figures and parameter types -------------------------------------------------------


def _patched(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE_CONTRACT.read_text(encoding="utf-8")
    assert old in text
    return write(tmp_path, text.replace(old, new, 1), "contract.yaml")


def _params(path: Path, clause_id: str) -> dict[str, Any]:
    contract, templates = load(path)
    index = next(i for i, c in enumerate(contract.contract.clauses) if c.id == clause_id)
    clause = contract.contract.clauses[index]
    return resolve_parameters(contract, index, clause, templates[clause.template])


@pytest.mark.parametrize(("value", "expected"), [
    ("92000000000.000001", Decimal("92000000000.000001")),
    ("0.1", Decimal("0.1")),
    ("1e10", Decimal("1e10")),
    ("'92000000000.000001'", Decimal("92000000000.000001")),
])
def test_contract_money_figures_reach_the_program_exactly(tmp_path: Path, value: str, expected: Decimal) -> None:
    """Decision (issue 11 part 6): an unquoted `92000000000.000001` is read exactly, never rounded."""
    path = _patched(tmp_path, "      value: 92000000000\n", f"      value: {value}\n")
    cap = _params(path, "revenue-share")["cap"]
    assert type(cap) is Decimal and cap == expected and str(cap) == str(expected)


def test_contract_percent_figure_is_exact(tmp_path: Path) -> None:
    path = _patched(tmp_path, "      value: 20\n", "      value: 20.000000000000001\n")
    share = _params(path, "revenue-share")["share_percent"]
    assert share == Decimal("20.000000000000001") != Decimal(20)


def test_example_contract_parameters_keep_their_types() -> None:
    values = _params(EXAMPLE_CONTRACT, "revenue-share")
    assert values["share_percent"] == 20 and type(values["share_percent"]) is Decimal
    assert values["cap"] == 92_000_000_000 and type(values["cap"]) is Decimal
    assert values["window_days"] == 45 and type(values["window_days"]) is int


@pytest.mark.parametrize(("old", "new", "message"), [
    ("        period_days:\n          value: 90\n", "        period_days:\n          value: 1000000000\n",
     f"parameter 'period_days': 1000000000 days is too long: at most {limits.MAX_DURATION_DAYS} days"),
    ("        period_days:\n          value: 90\n", "        period_days:\n          value: 1e9\n",
     "parameter 'period_days': expected a whole number of days ≥ 0, got 1E+9"),
    ("        period_days:\n          value: 90\n", "        period_days:\n          value: -1\n",
     "parameter 'period_days': expected a whole number of days ≥ 0, got -1"),
    ("        period_days:\n          value: 90\n", "        period_days:\n          value: 90.5\n",
     "parameter 'period_days': expected a whole number of days ≥ 0, got 90.5"),
    ("        period_days:\n          value: 90\n", "        period_days:\n          value: 90.0\n",
     "parameter 'period_days': expected a whole number of days ≥ 0, got 90.0"),
])
def test_days_parameters_are_whole_bounded_numbers_at_the_clause_line(
    tmp_path: Path, old: str, new: str, message: str,
) -> None:
    """Decision: a duration is a whole number of days from 0 to limits.MAX_DURATION_DAYS, written as
    an integer (`90.0` is refused too: a figure with a point is a decimal); refused at the parameter."""
    path = _patched(tmp_path, old, new)
    with pytest.raises(CheckError) as info:
        load(path)
    line = EXAMPLE_CONTRACT.read_text(encoding="utf-8")[: EXAMPLE_CONTRACT.read_text(encoding="utf-8").index(old)]
    assert (info.value.file, info.value.line, info.value.col) == (str(path), line.count("\n") + 1, 9)
    assert info.value.message.startswith(message), info.value.message


@pytest.mark.parametrize(("value", "message"), [
    ("100.5", "100.5 is out of range (0–100)"),
    ("-1", "-1 is out of range (0–100)"),
    ("1e3", "1E+3 is out of range (0–100)"),
    ("0." + "0" * 20 + "1", "has too many decimals (at most 20 after the point)"),
    (".nan", "'.nan' is not a finite number"),
])
def test_percent_figures_are_refused_at_the_definition(tmp_path: Path, value: str, message: str) -> None:
    """Decision: a percent is 0–100 with at most MAX_AMOUNT_DECIMALS decimals (so a share of an
    amount adds up exactly); refused at the definition's value."""
    path = _patched(tmp_path, "      value: 20\n", f"      value: {value}\n")
    with pytest.raises(CheckError) as info:
        load(path)
    assert (info.value.line, info.value.col) == ((14, 14) if value == ".nan" else (14, 7))
    assert message in info.value.message, info.value.message


@pytest.mark.parametrize(("kind", "raw", "message"), [
    ("days", limits.MAX_DURATION_DAYS + 1, "days is too long"),
    ("days", Decimal("1.5"), "whole number of days"),
    ("days", "30", "whole number of days"),
    ("money", Decimal("1e40"), "too large to add up exactly"),
    ("money", "9" * 5000, "is too long"),
    ("money", Decimal("0." + "0" * 20 + "1"), "too many decimals"),
    ("money", Decimal("Infinity"), "finite"),
    ("money", "1e99999999999999999999", "expected a number"),
    ("percent", Decimal("NaN"), "finite"),
    ("percent", float("inf"), "finite"),
    ("date", dt.datetime(2019, 7, 22, tzinfo=dt.UTC), "expected a date"),
    ("date", dt.date(1899, 12, 31), "outside the supported years"),
])
def test_parameter_coercion_refuses(kind: str, raw: Any, message: str) -> None:
    contract, _ = load(EXAMPLE_CONTRACT)
    with pytest.raises(ValueError) as info:
        coerce(kind, raw, contract.contract)
    assert message in str(info.value)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    ("days", limits.MAX_DURATION_DAYS, limits.MAX_DURATION_DAYS),
    ("days", 0, 0),
    ("percent", Decimal("100"), Decimal(100)),
    ("percent", Decimal("12.5000000000000000000000"), Decimal("12.5")),  # trailing zeros are no decimals
    ("money", Decimal("9" * 40 + ".00"), Decimal("9" * 40)),
    ("money", 10**39, Decimal(10**39)),
])
def test_parameter_coercion_accepts_up_to_the_limits(kind: str, raw: Any, expected: Any) -> None:
    contract, _ = load(EXAMPLE_CONTRACT)
    assert coerce(kind, raw, contract.contract) == expected


def test_contract_years_are_within_the_supported_range(tmp_path: Path) -> None:
    """Decision: contract dates live in the same years as event times (limits.MIN_YEAR–MAX_YEAR)."""
    path = _patched(tmp_path, "  effective: 2019-07-22\n", "  effective: 1899-07-22\n")
    with pytest.raises(CheckError) as info:
        load(path)
    assert (info.value.line, info.value.col) == (10, 3)
    assert "effective 1899-07-22 is outside the supported years 1900–9999" in info.value.message
