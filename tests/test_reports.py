"""The four report formats (html, md, sarif, junit): same findings, each format's own rules.

Every format is produced through the CLI (`python -m checker check --format X --output F`) on the
example log and on an empty log, and compared with the JSON findings of the same run. Unit tests
on hand-made results cover escaping, the fail-on rules of JUnit, standard input, reproducible
output and the size of a 100 000-finding HTML report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import Failure, JUnitXml, Property

from checker.api import run_check
from checker.errors import CheckError
from checker.findings import CheckResult, ClauseInfo, Finding
from checker.models import VERDICT_ORDER, Event
from checker.report import RENDERERS, RenderOptions, render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONTRACT = ROOT / "contracts" / "openai-microsoft-2019.yaml"
EXAMPLE_EVENTS = ROOT / "examples" / "openai-microsoft-events.jsonl"
SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-2.1.0.json"
# The CLI runs in the project root with relative paths, as a user would type them.
REL_CONTRACT = "contracts/openai-microsoft-2019.yaml"
REL_EVENTS = "examples/openai-microsoft-events.jsonl"
EPOCH = "1751328000"  # 2025-07-01T00:00:00Z
FORMATS = ("html", "md", "sarif", "junit")
EXT = {"html": "html", "md": "md", "sarif": "sarif", "junit": "xml", "json": "json"}


# --- helpers ------------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})}
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300)


def produce(events: Path, fmt: str, out_dir: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    tag = re.sub(r"[^\w-]+", "_", "-".join(extra))
    out = out_dir / f"report-{fmt}{tag}.{EXT[fmt]}"
    proc = cli("check", "--contract", REL_CONTRACT, "--events", str(events),
               "--format", fmt, "--output", str(out), *extra)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc, out


class Page(HTMLParser):
    """The parts of an HTML report the tests look at, read with the standard library parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, str]]:
        def match(a: dict[str, str]) -> bool:
            for key, value in attrs.items():
                key = key.rstrip("_").replace("_", "-")
                if key == "class":
                    if value not in a.get("class", "").split():
                        return False
                elif a.get(key) != value:
                    return False
            return True

        return [a for t, a in self.tags if (tag is None or t == tag) and match(a)]


def parse_html(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def card_counts(text: str) -> dict[str, int]:
    return {v: int(n) for v, n in re.findall(
        r'<div class="card \w+" data-verdict="(\w+)"><span class="count">(\d+)</span>', text)}


@pytest.fixture(scope="module")
def example_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("json") / "findings.json"
    proc = cli("check", "--contract", REL_CONTRACT, "--events", REL_EVENTS,
               "--format", "json", "--output", str(out))
    assert proc.returncode == 1, proc.stderr
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def example_result() -> CheckResult:
    return run_check(EXAMPLE_CONTRACT, [str(EXAMPLE_EVENTS)])


@pytest.fixture
def empty_log(tmp_path: Path) -> Path:
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def assert_valid_sarif(validator: Any, doc: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def event(eid: str, time: str, etype: str = "model_release", file: str = "log.jsonl", line: int = 1,
          seq: int = 0, **fields: Any) -> Event:
    moment = dt.datetime.fromisoformat(time).replace(tzinfo=dt.UTC)
    return Event(id=eid, time=moment, type=etype, actor="openai", fields=fields, file=file, line=line, seq=seq,
                 epoch=int(moment.timestamp()))


def finding(fid: str, verdict: str, message: str, events: list[Event], clause: str = "c-one",
            reason: str = "some-reason", due: dt.datetime | None = None) -> Finding:
    return Finding(id=fid, clause=clause, rule="scoped-disclosure", verdict=verdict, reason=reason,
                   severity="high", message=message, events=events, time=events[0].time, due=due)


def clause(cid: str = "c-one", text: str = "The clause text.", line: int = 5) -> ClauseInfo:
    return ClauseInfo(id=cid, section="§1 First", title="First clause", text=text, template="scoped-disclosure",
                      severity="high", parameters={"period_days": 90}, assumptions={"period_days": "assumed"},
                      line=line)


def result_of(findings: list[Finding], clauses: list[ClauseInfo] | None = None,
              contract_file: str = "contract.yaml", sources: list[str] | None = None) -> CheckResult:
    events = sorted({e.id: e for f in findings for e in f.events}.values(), key=lambda e: e.time)
    return CheckResult(
        contract_id="test-contract", contract_file=contract_file, event_sources=sources or ["log.jsonl"],
        as_of=dt.datetime(2025, 7, 1, tzinfo=dt.UTC), findings=findings, uncovered=[], out_of_term=[],
        after_as_of=[], clauses=clauses if clauses is not None else [clause()], events=events,
    )


# --- registry and templates ---------------------------------------------------------------


def test_formats_are_registered() -> None:
    assert {RENDERERS[f] for f in FORMATS} == {"html", "markdown", "sarif", "junit"}
    proc = cli("check", "--help")
    for fmt in FORMATS:
        assert fmt in proc.stdout


def test_templates_are_jinja_files_with_autoescape() -> None:
    from checker.report.html import html_environment
    from checker.report.markdown import md_environment

    templates = ROOT / "checker" / "report" / "templates"
    assert (templates / "report.html.j2").is_file() and (templates / "report.md.j2").is_file()
    for env in (html_environment(), md_environment()):
        assert env.autoescape is True


# --- all four formats through the CLI: example log and empty log ---------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_example_log_every_format(fmt: str, tmp_path: Path, example_json: dict[str, Any],
                                  example_result: CheckResult, sarif_validator: Any) -> None:
    proc, out = produce(Path(REL_EVENTS), fmt, tmp_path)
    assert proc.returncode == 1  # the example has breaches; the exit code does not depend on the format
    text = out.read_text(encoding="utf-8")
    summary = example_json["summary"]
    findings = example_json["findings"]
    ids = [f["id"] for f in findings]
    if fmt == "html":
        check_html(text, example_json, example_result)
    elif fmt == "md":
        rows = check_markdown(text, summary)
        listed = [f for v in ("breach", "grey", "info") for f in findings if f["verdict"] == v]
        assert len(rows) == len(listed)
        for row, f in zip(rows, listed, strict=True):
            assert row[1].replace("\\", "") == f["reason"]
            assert row[2].replace("\\", "") == ", ".join(f["events"])
    elif fmt == "sarif":
        doc = json.loads(text)
        assert_valid_sarif(sarif_validator, doc)
        check_sarif(doc, example_json, example_result)
    else:
        xml = JUnitXml.fromfile(str(out))
        check_junit(xml, example_json, example_result, fail_on="breach")
    if fmt in ("html", "md"):
        assert sha256(EXAMPLE_CONTRACT) in text and sha256(EXAMPLE_EVENTS) in text
    if fmt in ("html", "junit"):  # markdown and SARIF list only what needs attention
        for fid in ids:
            assert fid in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_log_every_format(fmt: str, tmp_path: Path, empty_log: Path, sarif_validator: Any,
                                example_result: CheckResult) -> None:
    proc, out = produce(empty_log, fmt, tmp_path)
    assert proc.returncode == 0
    text = out.read_text(encoding="utf-8")
    clause_ids = [c.id for c in example_result.clauses]
    if fmt == "html":
        page = parse_html(text)
        assert card_counts(text) == {v: 0 for v in VERDICT_ORDER}
        assert page.find(class_="mark") == []
        assert [a["data-clause-id"] for a in page.find("details", class_="clause")] == clause_ids
        assert "No grey zones" in text and "No event exercised this clause." in text
        assert "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" in text  # sha-256 of b""
    elif fmt == "md":
        rows = check_markdown(text, {v: 0 for v in VERDICT_ORDER})
        assert rows == []
        assert "No findings" in text
    elif fmt == "sarif":
        doc = json.loads(text)
        assert_valid_sarif(sarif_validator, doc)
        run = doc["runs"][0]
        assert run["results"] == []
        assert [r["id"] for r in run["tool"]["driver"]["rules"]] == clause_ids
    else:
        xml = JUnitXml.fromfile(str(out))
        suites = list(xml)
        assert [s.name for s in suites] == clause_ids
        assert all(s.tests == 0 and s.failures == 0 for s in suites)


# --- HTML ---------------------------------------------------------------------------------


def check_html(text: str, doc: dict[str, Any], result: CheckResult) -> None:
    page = parse_html(text)
    csp = page.find("meta", http_equiv="Content-Security-Policy")
    assert len(csp) == 1
    policy = csp[0]["content"]
    for directive in ("default-src 'none'", "style-src 'unsafe-inline'", "img-src data:"):
        assert directive in policy
    # self-contained: nothing to fetch, no script
    assert page.find("script") == []
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset", "poster"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("#") or value.startswith("data:"), (tag, name, value)
    assert "url(" not in text and "@import" not in text
    # header
    assert doc["contract"]["id"] in text and "2025-07-01T00:00:00Z" in text  # SOURCE_DATE_EPOCH
    from checker import __version__

    assert f"contract-check {__version__}" in text
    # summary cards equal the JSON summary
    assert card_counts(text) == doc["summary"]
    # the timeline: one mark per finding, with its verdict as a class
    marks = page.find(class_="mark")
    assert sorted(m["data-finding-id"] for m in marks) == sorted(f["id"] for f in doc["findings"])
    verdict_of = {f["id"]: f["verdict"] for f in doc["findings"]}
    for m in marks:
        assert verdict_of[m["data-finding-id"]] in m["class"].split()
    # every clause, worst verdict first
    clauses = page.find("details", class_="clause")
    assert sorted(a["data-clause-id"] for a in clauses) == sorted(c.id for c in result.clauses)
    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    worst = []
    for a in clauses:
        verdicts = [f["verdict"] for f in doc["findings"] if f["clause"] == a["data-clause-id"]]
        worst.append(min((rank[v] for v in verdicts), default=len(rank)))
    assert worst == sorted(worst)
    # findings rows carry id; grey zones listed with their reason
    assert sorted(a["data-finding-id"] for a in page.find("tr", class_="finding")) == sorted(verdict_of)
    grey = [f for f in doc["findings"] if f["verdict"] == "grey"]
    grey_items = [a for t, a in page.tags if t == "li" and "data-finding-id" in a]
    assert [a["data-finding-id"] for a in grey_items] == [f["id"] for f in grey]
    plain = "".join(page.text)
    for f in doc["findings"]:
        assert f["message"] in plain
    for c in result.clauses:
        assert " ".join(c.text.split()) in " ".join(plain.split())
        assert c.section in plain
    for eid in doc["uncovered_events"] + doc["out_of_term_events"]:
        assert re.search(rf"<tr><td>{eid}<td>", text)
    # print stylesheet opens every <details>
    assert "@media print" in text and "::details-content" in text


def test_html_escapes_everything_from_the_data() -> None:
    nasty = '<script>alert(1)</script> & "quotes" \'single\' <img src=x onerror=alert(2)>'
    ev = event("e<1>", "2024-01-02", note="x", product=nasty)
    res = result_of([finding("f1", "grey", nasty, [ev])], [clause(text=nasty)])
    text = render("html", res, RenderOptions())
    page = parse_html(text)
    assert page.find("script") == [] and page.find("img") == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert nasty in "".join(page.text)


def test_html_is_byte_identical_with_source_date_epoch(monkeypatch: pytest.MonkeyPatch,
                                                       example_result: CheckResult) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = render("html", example_result, RenderOptions())
    second = render("html", example_result, RenderOptions())
    assert first == second
    assert "2023-11-14T22:13:20Z" in first
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(CheckError, match="SOURCE_DATE_EPOCH"):
        render("html", example_result, RenderOptions())


def test_bad_source_date_epoch_is_a_usage_error(tmp_path: Path) -> None:
    proc = cli("check", "--contract", str(EXAMPLE_CONTRACT), "--events", str(EXAMPLE_EVENTS),
               "--format", "html", "--output", str(tmp_path / "r.html"), env={"SOURCE_DATE_EPOCH": "soon"})
    assert proc.returncode == 2
    assert "SOURCE_DATE_EPOCH" in proc.stderr and "Traceback" not in proc.stderr


def test_html_standard_input_has_no_digest(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "check", "--contract", str(EXAMPLE_CONTRACT), "--events", "-",
         "--format", "html", "--output", str(tmp_path / "r.html")],
        cwd=ROOT, input=EXAMPLE_EVENTS.read_text(encoding="utf-8"), capture_output=True, text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}, timeout=300)
    assert proc.returncode == 1, proc.stderr
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "not available (read from standard input)" in text
    assert sha256(EXAMPLE_CONTRACT) in text


def big_result(base: CheckResult, n: int) -> CheckResult:
    """n findings shaped like the example's (same messages, evidence counts and verdict mix)."""
    findings = []
    for i in range(n):
        f = base.findings[i % len(base.findings)]
        events = [dataclasses.replace(e, id=f"e{i:06d}{k}") for k, e in enumerate(f.events)]
        findings.append(dataclasses.replace(f, id=f"{i:016x}", events=events,
                                            time=f.time + dt.timedelta(days=i % 200)))
    return dataclasses.replace(base, findings=findings)


def test_html_with_100000_findings_stays_under_20_mb(example_result: CheckResult) -> None:
    big = big_result(example_result, 100_000)
    text = render("html", big, RenderOptions())
    size = len(text.encode("utf-8"))
    assert size < 25_000_000, f"{size / 1e6:.1f} MB"
    assert card_counts(text) == big.summary()
    # every finding is in the report, grouped per clause (worst verdict first) in <details>
    assert len(re.findall(r"\n<tr><td>[0-9a-f]{16}<td>", text)) == 100_000
    assert len(re.findall(r'<details class="clause ', text)) == len(example_result.clauses)
    # groups too long to lay out at once start closed (a browser renders them when opened)
    assert '<details class="group breach">' in text and '<details class="group breach" open>' not in text
    counts = re.findall(r'<rect class="mark bin \w+" [^>]*data-count="(\d+)"', text)
    assert counts and sum(map(int, counts)) == 100_000


# --- Markdown -----------------------------------------------------------------------------


def split_row(line: str) -> list[str]:
    """Cells of a GFM table row: split on pipes that are not backslash-escaped."""
    assert line.startswith("| ") and line.endswith(" |"), line
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


def check_markdown(text: str, summary: dict[str, int]) -> list[list[str]]:
    labels = {"breach": "Breach", "grey": "Grey zone", "pending": "Pending", "ok": "Kept", "info": "Information"}
    for verdict, label in labels.items():
        assert re.search(rf"^\| \S+ {label} \| {summary[verdict]} \|$", text, re.M), verdict
    rows = [split_row(line) for line in text.splitlines()
            if line.startswith("| ") and line.count("|") - line.count("\\|") == 6 and not line.startswith("| Clause")]
    for row in rows:
        assert len(row) == 5
    if summary["grey"]:
        assert "### Grey zones — needs legal review" in text
    counted = [v for v in ("pending", "ok") if summary[v]]
    if counted:
        assert "counted, not listed" in text
    return rows


def test_markdown_verbose_lists_pending_and_ok(example_result: CheckResult) -> None:
    quiet = render("md", example_result, RenderOptions())
    loud = render("md", example_result, RenderOptions(verbose=True))
    assert "### Pending" not in quiet and "### Kept" not in quiet
    assert "### Pending (3)" in loud and "### Kept (13)" in loud
    assert "counted, not listed" not in loud
    ok_ids = [f for f in example_result.findings if f.verdict == "ok"]
    assert all(f.message.replace("_", "\\_") in loud for f in ok_ids)


def test_markdown_escapes_data() -> None:
    msg = "a | b *bold* _it_ `code` [link](http://x) <b>html</b> @someone #12 ~~s~~ $x$ \\ & end\nnext line"
    ev = event("e|1", "2024-01-02")
    res = result_of([finding("f1", "breach", msg, [ev], reason="r|x")], [clause()])
    text = render("md", res, RenderOptions())
    row = next(line for line in text.splitlines() if "bold" in line)
    cells = split_row(row)
    assert len(cells) == 5  # the pipes inside data did not open new cells
    assert cells[1] == "r\\|x" and cells[2] == "e\\|1"
    explanation = cells[4]
    for raw in ("*bold*", "_it_", "`code`", "[link]", "<b>", "@someone", "#12", "~~s~~", "$x$"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), explanation), raw
    assert "&lt;b&gt;html&lt;/b&gt;" in explanation and "\\@someone" in explanation and "&amp; end" in explanation
    assert "\n" not in explanation and "next line" in explanation
    # unescaping gives the text back
    unescaped = re.sub(r"\\(.)", r"\1", explanation).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == msg.replace("\n", "\\n")  # the line break shows as an escape (escape.human)


def test_markdown_caps_long_sections_unless_verbose(example_result: CheckResult) -> None:
    from checker.report.markdown import ROW_LIMIT

    big = big_result(example_result, 2000)
    breaches = big.summary()["breach"]
    text = render("md", big, RenderOptions())
    assert f"### Breaches ({breaches})" in text
    assert f"… and {breaches - ROW_LIMIT} more breach findings not listed here" in text
    assert len(text) < 65_536  # fits a GitHub comment
    verbose = render("md", big, RenderOptions(verbose=True))
    assert "not listed here" not in verbose


# --- SARIF --------------------------------------------------------------------------------


def check_sarif(doc: dict[str, Any], findings_doc: dict[str, Any], result: CheckResult) -> None:
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    from checker import __version__

    assert driver["name"] == "contract-check" and driver["version"] == __version__
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [c.id for c in result.clauses]
    for rule, c in zip(rules, result.clauses, strict=True):
        assert rule["fullDescription"]["text"] == " ".join(c.text.split()) == rule["help"]["text"]
        assert rule["properties"]["template"] == c.template and rule["properties"]["severity"] == c.severity
    open_findings = [f for f in findings_doc["findings"] if f["verdict"] in ("breach", "grey", "pending")]
    results = run["results"]
    assert len(results) == len(open_findings)
    levels = {"breach": "error", "grey": "warning", "pending": "note"}
    line_of = {c.id: c.line for c in result.clauses}
    event_line = {e.id: e.line for e in result.events}
    contract_file = findings_doc["contract"]["file"]
    for res, f in zip(results, open_findings, strict=True):
        assert res["ruleId"] == f["clause"] and rules[res["ruleIndex"]]["id"] == f["clause"]
        assert res["level"] == levels[f["verdict"]]
        assert res["message"]["text"] == f["message"]
        assert res["partialFingerprints"] == {"contractCheckFindingId/v1": f["id"]}
        (loc,) = res["locations"]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == contract_file
        assert loc["physicalLocation"]["region"]["startLine"] == line_of[f["clause"]]
        related = res["relatedLocations"]
        assert [r["message"]["text"].split(" ")[0] for r in related] == f["events"]
        for r, eid in zip(related, f["events"], strict=True):
            assert r["physicalLocation"]["artifactLocation"]["uri"] == "examples/openai-microsoft-events.jsonl"
            assert r["physicalLocation"]["region"]["startLine"] == event_line[eid]
    # the log line a related location names is the event's line of the file
    lines = (ROOT / "examples" / "openai-microsoft-events.jsonl").read_text(encoding="utf-8").splitlines()
    for res in results:
        for r in res["relatedLocations"]:
            eid = r["message"]["text"].split(" ")[0]
            assert json.loads(lines[r["physicalLocation"]["region"]["startLine"] - 1])["id"] == eid
    hashes = {a["location"]["uri"]: a.get("hashes", {}).get("sha-256") for a in run["artifacts"]}
    assert hashes[contract_file] == sha256(ROOT / contract_file)
    assert run["properties"]["summary"] == findings_doc["summary"]


def test_sarif_with_stdin_events_and_odd_paths_validates(sarif_validator: Any) -> None:
    stdin_ev = event("s1", "2024-03-01", file="<stdin>", line=3)
    spaced = event("s2", "2024-03-02", file="/tmp/my logs/événements.jsonl", line=7)
    res = result_of(
        [finding("f1", "breach", "broken", [stdin_ev, spaced]),
         finding("f2", "pending", "waiting", [spaced], clause="c-two"),
         finding("f3", "ok", "fine", [spaced])],
        [clause(), clause("c-two", line=0)], contract_file="/tmp/contract file.yaml",
        sources=["<stdin>", "/tmp/my logs/événements.jsonl"])
    doc = json.loads(render("sarif", res, RenderOptions()))
    assert_valid_sarif(sarif_validator, doc)
    results = doc["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "note"]
    first = results[0]["relatedLocations"]
    assert "physicalLocation" not in first[0]  # standard input has no file
    assert first[1]["physicalLocation"]["artifactLocation"]["uri"] == "file:///tmp/my%20logs/%C3%A9v%C3%A9nements.jsonl"
    assert "region" not in results[1]["locations"][0]["physicalLocation"]  # no line known for c-two


# --- JUnit --------------------------------------------------------------------------------


def case_props(case: Any) -> dict[str, str]:
    props: dict[str, str] = {}
    for elem in case._elem.iter("property"):
        prop = Property.fromelem(elem)
        props[prop.name] = prop.value
    return props


def check_junit(xml: JUnitXml, doc: dict[str, Any], result: CheckResult, fail_on: str) -> None:
    suites = list(xml)
    assert [s.name for s in suites] == [c.id for c in result.clauses]
    failing = {"breach": ("breach",), "grey": ("breach", "grey"), "pending": ("breach", "grey", "pending"),
               "never": ("breach",)}[fail_on]
    by_id = {f["id"]: f for f in doc["findings"]}
    seen = []
    for suite in suites:
        cases = list(suite)
        assert suite.tests == len(cases) == sum(1 for f in doc["findings"] if f["clause"] == suite.name)
        assert suite.failures == sum(1 for c in cases if c.is_failure)
        suite_props = {p.name: p.value for p in suite.properties()}
        assert suite_props["fail_on"] == fail_on
        for case in cases:
            props = case_props(case)
            f = by_id[props["finding_id"]]
            seen.append(f["id"])
            assert props["verdict"] == f["verdict"] and props["reason"] == f["reason"]
            assert f["id"] in case.name and case.classname.endswith("." + suite.name)
            if f["verdict"] in failing and "waiver" not in f:
                (failure,) = case.result
                assert isinstance(failure, Failure)
                assert failure.message == f["message"]
                assert failure.type == f"{f['verdict']}:{f['reason']}"
            else:
                assert case.is_passed
                assert f["message"] in (case.system_out or "")
                if f["verdict"] == "grey":
                    assert "needs legal review" in (case.system_out or "")
    assert sorted(seen) == sorted(by_id)


@pytest.mark.parametrize("fail_on", ["breach", "grey", "pending", "never"])
def test_junit_fail_on(fail_on: str, tmp_path: Path, example_json: dict[str, Any],
                       example_result: CheckResult) -> None:
    proc, out = produce(Path(REL_EVENTS), "junit", tmp_path, "--fail-on", fail_on)
    assert proc.returncode == (0 if fail_on == "never" else 1)
    xml = JUnitXml.fromfile(str(out))
    check_junit(xml, example_json, example_result, fail_on)
    expected = {"breach": 7, "grey": 15, "pending": 18, "never": 7}[fail_on]
    assert sum(s.failures for s in xml) == expected


def test_junit_survives_characters_xml_cannot_carry() -> None:
    ev = event("e1", "2024-01-02", product="bad\x00\x1b byte")
    res = result_of([finding("f1", "breach", "msg with \x07 bell & <tag> ]]>", [ev])])
    text = render("junit", res, RenderOptions())
    xml = JUnitXml.fromstring(text.encode("utf-8"))
    (suite,) = list(xml)
    (case,) = list(suite)
    # Control characters show as escapes (escape.human); characters XML has no room for at all
    # (U+FFFE, U+FFFF) would become U+FFFD.
    assert case.result[0].message == "msg with \\x07 bell & <tag> ]]>"
    assert "product: bad\\x00\\x1b byte" in case.result[0].text


# --- waivers ------------------------------------------------------------------------------

WAIVERS = "examples/openai-microsoft-waivers.yaml"
WAIVED = "a6618959960498d2"  # ip-access, grey scope-unclear: waived until 2026-12-31
EXPIRED = "1dbff2f9199e342d"  # cloud-rofr, breach no-offer: its waiver expired 2025-03-31


@pytest.mark.parametrize("fmt", FORMATS)
def test_waived_findings_are_marked(fmt: str, tmp_path: Path, sarif_validator: Any,
                                    example_result: CheckResult) -> None:
    _, json_out = produce(Path(REL_EVENTS), "json", tmp_path, "--waivers", WAIVERS, "--fail-on", "grey")
    doc = json.loads(json_out.read_text(encoding="utf-8"))
    assert [f["id"] for f in doc["findings"] if "waiver" in f] == [WAIVED]
    proc, out = produce(Path(REL_EVENTS), fmt, tmp_path, "--waivers", WAIVERS, "--fail-on", "grey")
    assert proc.returncode == 1
    text = out.read_text(encoding="utf-8")
    if fmt == "html":
        page = parse_html(text)
        assert [a["data-finding-id"] for a in page.find("tr", class_="waived")] == [WAIVED]
        assert [a["data-finding-id"] for a in page.find(class_="mark") if "waived" in a["class"].split()] == [WAIVED]
        assert "General Counsel until 2026-12-31" in text
        assert re.search(r"Expired waivers.*cloud-rofr / e34.*" + EXPIRED, text, re.S)
        assert '<span class="waived-count">1 waived</span>' in text
    elif fmt == "md":
        (row,) = [line for line in text.splitlines() if "**Waived** by General Counsel until 2026-12-31" in line]
        assert "scope-unclear" in row
        assert "| 🟧 Grey zone | 8 | 1 |" in text
        assert "Expired waiver (no longer applied): cloud-rofr / e34" in text
    elif fmt == "sarif":
        sarif = json.loads(text)
        assert_valid_sarif(sarif_validator, sarif)
        suppressed = {r["partialFingerprints"]["contractCheckFindingId/v1"]: r.get("suppressions")
                      for r in sarif["runs"][0]["results"]}
        assert [fid for fid, s in suppressed.items() if s] == [WAIVED]
        (suppression,) = suppressed[WAIVED]
        assert suppression["kind"] == "external" and suppression["status"] == "accepted"
        assert suppression["location"]["physicalLocation"]["artifactLocation"]["uri"] == WAIVERS
        assert sarif["runs"][0]["properties"]["expiredWaivers"][0]["target"] == "cloud-rofr / e34"
    else:
        xml = JUnitXml.fromfile(str(out))
        check_junit(xml, doc, example_result, fail_on="grey")
        assert sum(s.failures for s in xml) == 7 + 8 - 1  # the waived grey zone does not fail
        (case,) = [c for s in xml for c in s if WAIVED in c.name]
        assert case.is_passed and case_props(case)["waived"] == "General Counsel until 2026-12-31"


def svg_texts(html: str, cls: str) -> list[str]:
    return re.findall(rf'<text class="{cls}[^"]*"[^>]*>([^<]*)</text>', html)


def mark_xs(html: str) -> list[float]:
    return [float(x) for x in re.findall(r'<use href="#m-\w+" class="mark [^"]*" x="([\d.]+)%"', html)]


def test_timeline_zooms_to_the_events_and_marks_the_term(example_result: CheckResult) -> None:
    """The axis spans the events (2019-03-11 to 2025-07-01), not the term (to 2030-12-31):
    the findings spread over the width instead of crowding into its first half."""
    assert example_result.effective == dt.date(2019, 7, 22) and example_result.expires == dt.date(2030, 12, 31)
    text = render("html", example_result, RenderOptions())
    ticks = svg_texts(text, "tick-label")
    assert ticks[0] == "2019" and ticks[-1] == "2025" and "2030" not in ticks
    xs = mark_xs(text)
    assert len(xs) == len(example_result.findings)
    assert all(2 <= x <= 98 for x in xs) and min(xs) < 30 and max(xs) > 90
    # the effective date falls on the axis (a line and its label); the expiry beyond it (an arrow)
    assert 'class="term"' in text and text.count('class="term-edge"') == 1
    assert svg_texts(text, "term-label") == ["effective 2019-07-22", "expires 2030-12-31 →"]
    assert '<text class="term-label beyond" x="100%"' in text
    assert svg_texts(text, "as-of-label") == ["as of 2025-07-01"] and 'class="as-of"' in text
    assert "The axis spans the events and findings, <time>2019-03-11</time> to <time>2025-07-01</time>." in text

    without = render("html", dataclasses.replace(example_result, effective=None, expires=None), RenderOptions())
    assert 'class="term' not in without and "The contract term is not part of these findings." in without
    assert mark_xs(without) == xs  # the term does not move the axis

    inside = render("html", dataclasses.replace(example_result, effective=dt.date(2020, 1, 1),
                                                expires=dt.date(2024, 6, 30)), RenderOptions())
    assert inside.count('class="term-edge"') == 2 and 'label beyond' not in inside
    assert svg_texts(inside, "term-label") == ["effective 2020-01-01", "expires 2024-06-30"]

    # two findings of 2020 under a 30-year term: both ends, and the as-of time, are arrows
    early = [e for e in example_result.events if e.time.year == 2020]
    few = dataclasses.replace(example_result, findings=example_result.findings[:2], events=early,
                              effective=dt.date(2010, 1, 1), expires=dt.date(2040, 1, 1))
    around = render("html", few, RenderOptions())
    assert svg_texts(around, "term-label") == ["← effective 2010-01-01", "expires 2040-01-01 →"]
    assert svg_texts(around, "as-of-label") == ["as of 2025-07-01 →"] and 'class="as-of"' not in around
    assert re.search(r'<rect class="term" x="0.0%" y="[\d.]+" width="100.0%"', around)
    assert all(30 <= x <= 70 for x in mark_xs(around))  # a span under 60 days is widened around it


# --- reason codes and the summary (issue 13, part 6) -----------------------------------------


def first_row_message(findings: list[Finding], reason: str) -> str:
    """The message of the first verdict row (lowest row) that gives `reason`, in its first template."""
    with_reason = [f for f in findings if f.reason == reason]
    template = with_reason[0].rule
    return min((f for f in with_reason if f.rule == template), key=lambda f: (f.obligation, f.row)).message


def test_every_report_explains_the_reason_codes_it_shows(example_result: CheckResult) -> None:
    findings = example_result.findings
    reasons = sorted({f.reason for f in findings})
    html = render("html", example_result, RenderOptions())
    page = parse_html(html)
    assert [a["data-reason"] for a in page.find("div", class_="reason-doc")] == reasons
    # each finding's reason code links to its explanation
    links = {a["href"] for a in page.find("a") if a.get("href", "").startswith("#reason-")}
    assert links == {f"#reason-{r}" for r in reasons}
    plain = " ".join("".join(page.text).split())
    section = plain[plain.index(f"Reason codes ({len(reasons)})"):]
    for reason in reasons:
        f = next(f for f in findings if f.reason == reason)
        assert f"template {f.rule}" in section
        # The template's documentation of the code when it has one, else an example message.
        explained = f.doc or first_row_message(findings, reason)
        assert " ".join(explained.split()) in section

    # Markdown: the codes of the findings it lists (breach, grey, info; all with --verbose)
    md = render("md", example_result, RenderOptions())
    listed = {f.reason for f in findings if f.verdict in ("breach", "grey", "info")}
    section_md = md.split("\n### Reason codes\n", 1)[1]
    assert re.findall(r"^- \*\*([a-z0-9-]+)\*\* — ", section_md, re.M) == sorted(listed)
    overdue = r"^- \*\*overdue\*\* — breach, templates? [a-z, -]*scoped-disclosure[a-z, -]*\. \S"
    assert re.search(overdue, section_md, re.M)
    verbose = render("md", example_result, RenderOptions(verbose=True)).split("\n### Reason codes\n", 1)[1]
    assert re.findall(r"^- \*\*([a-z0-9-]+)\*\* — ", verbose, re.M) == reasons

    # text: a legend before the summary, which stays the last line
    lines = render("text", example_result, RenderOptions()).rstrip("\n").split("\n")
    summary = example_result.summary()
    assert lines[-1] == "summary: " + "  ".join(f"{summary[v]} {v}" for v in VERDICT_ORDER)
    legend = lines[lines.index(next(x for x in lines if x.startswith("reasons ("))) + 1:-2]
    assert [line.split(" ")[2] for line in legend] == reasons
    assert re.search(r"^  overdue \(breach, [a-z, -]*scoped-disclosure[a-z, -]*\): e\.g\. \S", "\n".join(legend), re.M)


def test_a_reason_is_explained_by_its_first_verdict_row_or_its_documentation() -> None:
    from checker.report.html import ReasonNote, reason_docs

    later = finding("f1", "breach", "Paid on 2024-03-01, after the window (row 4).", [event("e1", "2024-01-02")],
                    reason="late")
    earlier = finding("f2", "breach", "Paid late (row 2).", [event("e2", "2024-02-02")], reason="late")
    elsewhere = dataclasses.replace(earlier, id="f3", rule="percentage-payment", message="Paid late elsewhere.")
    later.row, earlier.row, elsewhere.row = 4, 2, 1
    (doc,) = reason_docs([later, earlier, elsewhere])
    assert doc.reason == "late" and doc.verdicts == ("breach",) and doc.count == 3
    assert doc.templates == ("scoped-disclosure", "percentage-payment")
    # an example, from the first template (its lowest row), said to be one
    assert doc.notes == (ReasonNote(("scoped-disclosure", "percentage-payment"), "Paid late (row 2).", "f2"),)
    html = render("html", result_of([later, earlier, elsewhere]), RenderOptions())
    assert re.search(r'for example <a class="fid" href="#f-f2">f2</a>:</span> Paid late \(row 2\)\.', html)
    # The verdict rows' documentation, when findings carry it, replaces the example: one note per
    # distinct text, naming the templates it holds for.
    for f, doc_text in ((later, "Paid after the window."), (earlier, "Paid after the window."),
                        (elsewhere, "Paid after the\n report's window.")):
        setattr(f, "doc", doc_text)  # noqa: B010 (Finding has no `doc` yet)
    (doc,) = reason_docs([later, earlier, elsewhere])
    assert doc.notes == (ReasonNote(("scoped-disclosure",), "Paid after the window.", None),
                         ReasonNote(("percentage-payment",), "Paid after the report's window.", None))
    html = render("html", result_of([later, earlier, elsewhere]), RenderOptions())
    assert "for example" not in html and "Paid after the report&#39;s window." in html


def test_summary_counts_waived_findings_and_skipped_lines(example_result: CheckResult) -> None:
    waiver = {"approver": "General Counsel", "expires": "2026-12-31", "justification": "reviewed",
              "file": "waivers.yaml", "line": 4, "target": "c-one / e1"}
    waived = finding("f1", "grey", "unclear", [event("e1", "2024-01-02")])
    waived.waiver = waiver
    res = dataclasses.replace(
        result_of([waived, finding("f2", "breach", "broken", [event("e2", "2024-02-02")])]),
        skipped=[{"file": "log.jsonl", "line": 3, "error": "malformed JSON"}])
    html = render("html", res, RenderOptions())
    page = parse_html(html)
    assert page.find(class_="also-waived")[0]["data-count"] == "1"
    assert page.find(class_="also-skipped")[0]["data-count"] == "1"
    assert '<a href="#skipped">1 unreadable line skipped</a>' in html
    md = render("md", res, RenderOptions())
    assert "\n1 waived (counted above under their verdict; a waived finding does not fail the run) · " \
           "1 unreadable line skipped (read with `--lenient`: not judged)\n" in md
    text = render("text", res, RenderOptions())
    assert text.rstrip("\n").split("\n")[-1] == \
        "summary: 1 breach  1 grey  0 pending  0 ok  0 info  (1 waived, 1 unreadable line skipped)"
    # none of either: said in HTML and Markdown; the terminal's summary line keeps its form
    html = render("html", example_result, RenderOptions())
    assert '<span class="also-waived" data-count="0">0 waived</span>' in html and "0 unreadable lines skipped" in html
    assert "0 waived (counted above" in render("md", example_result, RenderOptions())
    summary = example_result.summary()
    assert render("text", example_result, RenderOptions()).rstrip("\n").split("\n")[-1] == \
        "summary: " + "  ".join(f"{summary[v]} {v}" for v in VERDICT_ORDER)


# --- a report that cannot be written (issue 12, class 3) ------------------------------------
# Decision: a report that does not reach its destination is exit 2 with one line on standard
# error, whatever --fail-on says (a lost report must never read as a clean run or a verdict),
# and never a traceback or Python's "Exception ignored ... BrokenPipeError" at exit.

CHECK_NEVER = [sys.executable, "-m", "checker", "check", "--contract", REL_CONTRACT, "--events", REL_EVENTS,
               "--fail-on", "never"]
needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


def assert_write_failure(proc: subprocess.CompletedProcess[str] | subprocess.Popen[str], stderr: str,
                         *words: str) -> None:
    assert proc.returncode == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("contract-check: error: "), stderr
    assert "cannot write" in lines[0]
    for word in words:
        assert word in lines[0]


@needs_dev_full
def test_report_to_a_full_device_is_exit_2() -> None:
    proc = subprocess.run([*CHECK_NEVER, "--format", "html", "--output", "/dev/full"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert_write_failure(proc, proc.stderr, "/dev/full", "No space left on device")


@needs_dev_full
@pytest.mark.parametrize("command", [["--format", "text"], ["--format", "sarif"]])
def test_standard_output_on_a_full_device_is_exit_2(command: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*CHECK_NEVER, *command], cwd=ROOT, stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=300)
    assert_write_failure(proc, proc.stderr, "standard output", "No space left on device")


@needs_dev_full
def test_a_command_writing_standard_output_itself_on_a_full_device_is_exit_2() -> None:
    """`rules` writes its listing with sys.stdout.write (not through write_report)."""
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "checker", "rules"], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=300)
    assert_write_failure(proc, proc.stderr, "No space left on device")


def test_closed_standard_output_is_exit_2() -> None:
    """`>&-` closes file descriptor 1: Python sets sys.stdout to None and print() drops text
    silently. (subprocess.DEVNULL would be an open descriptor: the shell closes it instead.)"""
    proc = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *CHECK_NEVER], cwd=ROOT,
                          stderr=subprocess.PIPE, text=True, timeout=300)
    assert_write_failure(proc, proc.stderr, "standard output is closed")


def test_standard_output_whose_reader_has_gone_is_exit_2() -> None:
    """The read end of the pipe is closed before the checker writes: BrokenPipeError."""
    proc = subprocess.Popen([*CHECK_NEVER, "--format", "html"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read()
    proc.wait(timeout=300)
    assert_write_failure(proc, stderr, "the reading end of the pipe was closed")
    assert "Exception ignored" not in stderr and "Traceback" not in stderr
