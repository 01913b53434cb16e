"""The HTML report in a real browser: headless Chromium (Debian package) driven by Playwright.

Skipped only when CI is not set and Chromium (or Playwright) is missing; under CI it always runs.
"""

from __future__ import annotations

import json
import os
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


def cli_report(contract: Path, fmt: str, out: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "check", "--contract", str(contract), "--events", str(EXAMPLE_EVENTS),
         "--format", fmt, "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1751328000"},
    )
    assert proc.returncode == 1, proc.stderr  # the example log has breaches


class Visit:
    """One page load, with every request, console message, page error and dialog recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.url = path.resolve().as_uri()
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
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
