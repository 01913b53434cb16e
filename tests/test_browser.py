"""The HTML report in a real browser: headless Chromium (Debian package) driven by Playwright.

Skipped only when CI is not set and Chromium (or Playwright) is missing; under CI it always runs.
The print tests read the text of Chromium's PDF with `pdftotext` (Debian's poppler-utils): under
CI it must be installed; elsewhere only the text checks are skipped without it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checker.api import run_check
from checker.models import VERDICT_ORDER

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONTRACT = ROOT / "contracts" / "openai-microsoft-2019.yaml"
EXAMPLE_EVENTS = ROOT / "examples" / "openai-microsoft-events.jsonl"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
XSS = "<script>alert(1)</script>"


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def playwright_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


if not os.environ.get("CI") and (chromium_path() is None or not playwright_available()):
    pytest.skip("Chromium or Playwright is not installed (the test runs whenever CI is set)",
                allow_module_level=True)


def cli_report(contract: Path, fmt: str, out: Path, relative: bool = False) -> None:
    """The report of the example log; `relative`: with the paths a user types in the project."""
    paths = [p.relative_to(ROOT) if relative else p for p in (contract, EXAMPLE_EVENTS)]
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "check", "--contract", str(paths[0]), "--events", str(paths[1]),
         "--format", fmt, "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1751328000"},
    )
    assert proc.returncode == 1, proc.stderr  # the example log has breaches


class Visit:
    """One page load, with every request, console message, page error and dialog recorded."""

    def __init__(self, browser: Any, path: Path, width: int = 1280) -> None:
        self.url = path.resolve().as_uri()
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_timeout(200)  # let anything deferred (it should be nothing) happen

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_quiet(self) -> None:
        assert self.requests == [self.url], "requests left the page"
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.dialogs == []


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    assert executable is not None, "CI is set but Chromium is missing: apt-get install chromium"
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def test_example_report_in_chromium(browser: Any, tmp_path: Path) -> None:
    report, findings_file = tmp_path / "report.html", tmp_path / "findings.json"
    cli_report(EXAMPLE_CONTRACT, "html", report)
    cli_report(EXAMPLE_CONTRACT, "json", findings_file)
    doc = json.loads(findings_file.read_text(encoding="utf-8"))
    clauses = run_check(EXAMPLE_CONTRACT, [str(EXAMPLE_EVENTS)]).clauses

    visit = Visit(browser, report)
    page = visit.page
    # summary cards show the JSON counts
    for verdict in VERDICT_ORDER:
        count = page.locator(f'.card[data-verdict="{verdict}"] .count').inner_text()
        assert int(count) == doc["summary"][verdict], verdict
    # every clause has its section, with its legal text
    for c in clauses:
        section = page.locator(f'details.clause[data-clause-id="{c.id}"]')
        assert section.count() == 1, c.id
        assert c.section in section.locator(":scope > summary").inner_text()
        assert " ".join(c.text.split()) in " ".join(section.inner_text().split())
    # the timeline: one SVG mark per finding, class = verdict, all visible
    marks = page.locator("svg.timeline .mark")
    assert marks.count() == len(doc["findings"])
    found = marks.evaluate_all(
        "els => els.map(e => [e.dataset.findingId, e.getAttribute('class'), e.getBBox().width > 0])")
    verdict_of = {f["id"]: f["verdict"] for f in doc["findings"]}
    assert sorted(fid for fid, _, _ in found) == sorted(verdict_of)
    for fid, cls, drawn in found:
        assert verdict_of[fid] in cls.split() and drawn
    assert page.locator("ul.legend li").count() >= len(VERDICT_ORDER)
    # grey zones section lists every grey finding
    grey = [f["id"] for f in doc["findings"] if f["verdict"] == "grey"]
    assert page.locator("#grey-zones li[data-finding-id]").evaluate_all(
        "els => els.map(e => e.dataset.findingId)") == grey
    # clicking a timeline mark goes to its finding
    first = doc["findings"][0]["id"]
    page.locator(f'svg.timeline a[href="#f-{first}"]').click(force=True)
    assert page.evaluate("location.hash") == f"#f-{first}"
    visit.assert_quiet()

    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(visit.url)  # back to the top for the picture
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000

    # print: closed <details> (the kept findings) are shown too
    closed = page.locator("details.group.ok").first
    assert closed.get_attribute("open") is None
    ok_row = closed.locator("tr.finding").first
    assert not ok_row.is_visible()
    page.emulate_media(media="print")
    assert ok_row.is_visible()
    page.close()


def test_script_in_clause_text_is_shown_as_text(browser: Any, tmp_path: Path) -> None:
    contract = tmp_path / "contract.yaml"
    original = EXAMPLE_CONTRACT.read_text(encoding="utf-8")
    anchor = "OpenAI shall make its intellectual property available to Microsoft"
    assert anchor in original
    contract.write_text(original.replace(anchor, f"{XSS} {anchor}", 1), encoding="utf-8")
    report = tmp_path / "report.html"
    cli_report(contract, "html", report)

    visit = Visit(browser, report)
    page = visit.page
    assert page.locator("script").count() == 0
    text = page.locator('details.clause[data-clause-id="ip-access"] blockquote.legal-text').inner_text()
    assert text.startswith(XSS)
    visit.assert_quiet()
    page.close()


# --- layout: from a 400 px phone to a desktop screen ------------------------------------------

# Every element and every run of text, with all <details> opened: what reaches past the
# viewport's left or right edge (the page would scroll sideways or clip it).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth, out = [];
  const name = e => e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || '').split(' ').join('.');
  const beyond = r => r.width > 0 && (r.left < -0.5 || r.right > width + 0.5);
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (beyond(r)) out.push(name(e) + ' ' + r.left.toFixed(1) + '..' + r.right.toFixed(1));
  }
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.data.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    if ([...range.getClientRects()].some(beyond)) out.push('text ' + JSON.stringify(n.data.slice(0, 40)));
  }
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width) out.push('the page scrolls sideways: ' + scroll + ' > ' + width);
  return out;
}"""

# For each finding: cells that overlap one another, content wider than its cell, or a finding
# that overlaps the next one.
FINDINGS_JS = """() => {
  const out = [], boxes = [];
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  for (const row of document.querySelectorAll('tr.finding')) {
    const id = row.dataset.findingId;
    const cells = [...row.cells].filter(c => c.getBoundingClientRect().width > 0 && c.textContent.trim());
    const rects = cells.map(c => c.getBoundingClientRect());
    for (let i = 0; i < cells.length; i++) {
      if (cells[i].scrollWidth > cells[i].clientWidth + 1) out.push(id + ': ' + cells[i].className + ' overflows its cell');
      for (let j = i + 1; j < cells.length; j++)
        if (overlap(rects[i], rects[j])) out.push(id + ': ' + cells[i].className + ' overlaps ' + cells[j].className);
    }
    boxes.push([id, row.getBoundingClientRect()]);
  }
  for (let i = 0; i + 1 < boxes.length; i++)
    if (overlap(boxes[i][1], boxes[i + 1][1])) out.push(boxes[i][0] + ' overlaps ' + boxes[i + 1][0]);
  return out;
}"""


@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = tmp_path_factory.mktemp("example") / "report.html"
    cli_report(EXAMPLE_CONTRACT, "html", report, relative=True)  # as the README's command writes it
    return report


@pytest.mark.parametrize("width", [400, 1280])
def test_report_reads_from_400_px_to_desktop(browser: Any, example_report: Path, width: int) -> None:
    visit = Visit(browser, example_report, width=width)
    page = visit.page
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate(OVERFLOW_JS) == []
    assert page.locator("tr.finding").count() == len(run_check(EXAMPLE_CONTRACT, [str(EXAMPLE_EVENTS)]).findings)
    assert page.evaluate(FINDINGS_JS) == []
    # the text keeps a readable size: findings, and the timeline (its SVG is never scaled down)
    sizes = page.locator("tr.finding td.msg").evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 13
    heights = page.locator("svg.timeline text").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height).filter(h => h > 0)")  # minor ticks hide when narrow
    assert len(heights) >= 5 and min(heights) >= 10
    # every timeline mark lies within the plot, at its full size (12 px; the smallest symbol is 7 px)
    plot = page.locator("svg.timeline").bounding_box()
    assert plot is not None
    for box in page.locator("svg.timeline .mark").evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.width]; })"):
        left, right, size = box
        assert plot["x"] - 0.5 <= left and right <= plot["x"] + plot["width"] + 0.5 and size >= 6
    if width <= 640:  # a finding's id, reason and dates come before its explanation, not beside it
        row = page.locator("tr.finding").first
        fid, msg = (row.locator(sel).bounding_box() for sel in ("td.fid", "td.msg"))
        assert fid is not None and msg is not None and fid["y"] + fid["height"] <= msg["y"] + 1
    visit.assert_quiet()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{width}px.png"), full_page=True)
    page.close()


def test_narrow_report_with_waivers_and_skipped_lines(browser: Any, tmp_path: Path) -> None:
    """The sections only some runs have (waivers, skipped lines) stay within 400 px too."""
    log = tmp_path / "log.jsonl"
    log.write_text(EXAMPLE_EVENTS.read_text(encoding="utf-8") + "not json\n", encoding="utf-8")
    report = tmp_path / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "check", "--contract", str(EXAMPLE_CONTRACT), "--events", str(log),
         "--lenient", "--waivers", str(ROOT / "examples" / "openai-microsoft-waivers.yaml"),
         "--format", "html", "--output", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "SOURCE_DATE_EPOCH": "1751328000"})
    assert proc.returncode == 1, proc.stderr
    visit = Visit(browser, report, width=400)
    page = visit.page
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.locator("#skipped table tr").count() >= 2 and page.locator("#waivers table").count() >= 1
    assert page.locator(".also-skipped").get_attribute("data-count") == "1"
    assert page.evaluate(OVERFLOW_JS) == []
    assert page.evaluate(FINDINGS_JS) == []
    visit.assert_quiet()
    page.close()


# --- print ------------------------------------------------------------------------------------

# Chromium's PDF of the example: 37-38 pages (A4) and 38-39 (Letter) before the print stylesheet
# was made compact (words cut inside narrow table columns, pages left half empty); 13 and 13 since.
# The bound leaves room for longer messages.
MAX_PRINT_PAGES = 16
PAGE_RE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def pdftotext_path() -> str | None:
    return shutil.which("pdftotext")


@pytest.fixture(scope="module")
def example_pdf(browser: Any, example_report: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example report printed by Chromium (A4 and Letter), and the text of its page."""
    page = browser.new_page()
    page.goto(example_report.resolve().as_uri(), wait_until="load")
    page.emulate_media(media="print")
    out = tmp_path_factory.mktemp("pdf")
    pdfs = {}
    for size in ("A4", "Letter"):
        path = out / f"report-{size}.pdf"
        path.write_bytes(page.pdf(format=size))
        pdfs[size] = path
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pdfs["A4"], ARTIFACTS / "report.pdf")
    # Every run of text the printed page holds (one text node at a time: a word is never glued
    # to the next element's), for telling a word split by the layout from two words.
    nodes = page.evaluate("""() => { const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), out = [];
      for (let n = w.nextNode(); n; n = w.nextNode()) out.push(n.data); return out; }""")
    page.close()
    return {"pdfs": pdfs, "tokens": {t for n in nodes for t in n.split()}}


@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_print_is_compact(example_pdf: dict[str, Any], size: str) -> None:
    pages = len(PAGE_RE.findall(example_pdf["pdfs"][size].read_bytes()))
    assert 1 <= pages <= MAX_PRINT_PAGES, f"{pages} pages"


def pdf_pages(path: Path) -> list[str]:
    executable = pdftotext_path()
    if executable is None:
        assert not os.environ.get("CI"), "CI is set but pdftotext is missing: apt-get install poppler-utils"
        pytest.skip("pdftotext (poppler-utils) is not installed (the test runs whenever CI is set)")
    proc = subprocess.run([executable, "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=120, check=True)
    return proc.stdout.decode("utf-8").split("\f")[:-1]  # a form feed ends every page


def split_words(lines: list[str], tokens: set[str]) -> list[tuple[str, str]]:
    """Line ends where the layout cut a word: the two pieces joined are (part of) a word of the
    page and one piece alone is not; or a hyphen at the end of a line that the word does not have."""

    def within(text: str) -> bool:
        return any(text in token for token in tokens)

    words = [line.split() for line in lines if line.split()]
    cuts = []
    for before, after in zip(words, words[1:], strict=False):
        a, b = before[-1], after[0]
        if a.endswith("-"):
            if not within(a + b) and within(a[:-1] + b):
                cuts.append((a, b))  # hyphenation: the hyphen is not in the text
        elif (a not in tokens or b not in tokens) and within(a + b):
            cuts.append((a, b))
    return cuts


def test_printed_text_has_every_finding_and_no_split_word(example_pdf: dict[str, Any]) -> None:
    pages = pdf_pages(example_pdf["pdfs"]["A4"])
    assert len(pages) <= MAX_PRINT_PAGES
    assert all(page.strip() for page in pages), "an empty page"
    lines = [line for page in pages for line in page.splitlines()]
    assert split_words(lines, example_pdf["tokens"]) == []
    # the key findings: every finding's id, every breach and grey zone in full, the reason codes
    text = " ".join(" ".join(lines).split())
    result = run_check(EXAMPLE_CONTRACT, [str(EXAMPLE_EVENTS)])
    for f in result.findings:
        assert f.id in text
        if f.verdict in ("breach", "grey"):
            assert " ".join(f.message.split()) in text, f.message
    assert "Reason codes" in text
    for reason in {f.reason for f in result.findings}:
        assert reason in text


def test_split_word_check_catches_a_cut_word() -> None:
    tokens = {"model_weights", "of", "DALL-E", "2", "disclosed"}
    assert split_words(["the model_weig", "hts of DALL-E 2"], tokens) == [("model_weig", "hts")]
    assert split_words(["was disclo-", "sed"], tokens) == [("disclo-", "sed")]
    assert split_words(["of DALL-", "E 2 was"], tokens) == []  # a break at the word's own hyphen
    assert split_words(["weights of", "DALL-E 2"], tokens) == []
