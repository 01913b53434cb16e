"""Run a case through `checker.cli.main(argv)` and judge the outcome against the fuzzer's property.

The property, for every input:

- exit 0 or 1 with a report that reconciles: the JSON summary counts equal the findings'
  verdicts; every event of the log is in exactly one of: cited by findings, `uncovered_events`,
  `out_of_term_events`, `after_as_of_events`, or (under --lenient) a skipped line; finding ids are
  unique; no id is reported that the log does not hold; the exit code agrees with --fail-on; the
  report's `as_of` is the --as-of given; every other format exits the same way and is well formed
  (SARIF is JSON, JUnit is XML, text and Markdown carry no raw control or bidirectional
  characters);
- or exit 2 with nothing on standard output and stderr starting `contract-check: error: FILE:LINE`
  (`file:line[:col]: message`, FILE one of the inputs; `--as-of` and an unwritable report are the
  only messages without a line), under 2000 characters;
- never an exception escaping main(), a traceback, exit 3 or any other code, and always within the
  time and memory budget (and a report of sane size).

Each run happens in a forked copy of this process: `main(argv)` is called directly (no new
interpreter, stdout/stderr redirected into StringIO, in the case's temp directory), while the
fork keeps durable-rules' per-ruleset memory (never freed) from piling up over thousands of runs,
lets a run that hangs inside C code be killed, and gives an exact peak RSS (wait4's ru_maxrss)
for the memory budget. Without os.fork the run happens in this process (`isolate=False`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import io
import json
import os
import re
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .strategies import FORGERIES, Case

PREFIX = "contract-check: error: "
WHERE_RE = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+)(?::(?P<col>\d+))?: \S")
MAX_STDERR = 2000
FAIL_LEVELS: dict[str, tuple[str, ...]] = {
    "breach": ("breach",),
    "grey": ("breach", "grey"),
    "pending": ("breach", "grey", "pending"),
    "never": (),
}
VERDICTS = ("breach", "grey", "pending", "ok", "info")
# Characters a human-readable report must never print raw: C0 controls but tab and LF, DEL, C1
# controls, line/paragraph separators and bidirectional controls.
UNSAFE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
NEWLINE_FORGERIES = [f for f in FORGERIES if "\n" in f or "\r" in f]
MARKUP_FORGERIES = [f for f in FORGERIES if "<" in f]


@dataclass(frozen=True)
class Budget:
    seconds: float = 20.0  # wall time of one run
    memory_mb: float = 500.0  # peak RSS growth of one run
    report_mb: float = 64.0  # size of one report
    grace_seconds: float = 5.0  # after `seconds`, a run stuck in C code is killed
    hard_memory_mb: float = 3000.0  # a run growing past this is killed (protects the machine)


@dataclass
class Run:
    label: str
    argv: list[str]
    code: int | None = None
    stdout: str = ""
    stdout_size: int = 0
    stderr: str = ""
    escaped: str | None = None  # traceback of an exception that escaped main()
    seconds: float = 0.0
    peak_mb: float | None = None
    killed: str | None = None  # "time" or "memory"


@dataclass(frozen=True)
class Problem:
    kind: str  # the failure class (stable across inputs: no ids, numbers or quoted values)
    detail: str
    run: str


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)


class OverBudget(BaseException):
    """Raised inside a run when its time is up (a BaseException: the checker must not swallow it)."""


class BrokenStdout(io.StringIO):
    """Standard output whose reader went away: writing fails (flushing nothing does not)."""

    def write(self, s: str) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


# --- running ---------------------------------------------------------------------------------


def materialise(case: Case, directory: Path) -> None:
    for name, data in case.files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _on_alarm(signum: int, frame: Any) -> None:
    raise OverBudget(f"over the time budget (signal {signum})")


def _call_main(argv: list[str], cwd: Path, stdin: bytes | None, broken: bool, seconds: float) -> dict[str, Any]:
    """Call main(argv) with redirected streams; the raw result (run in the child, or in-process)."""
    from checker.cli import main

    old_cwd = os.getcwd()
    old_stdin = sys.stdin
    old_handler = signal.getsignal(signal.SIGALRM) if _main_thread() else None
    out: io.StringIO = BrokenStdout() if broken else io.StringIO()
    err = io.StringIO()
    result: dict[str, Any] = {"code": None, "escaped": None, "killed": None}
    started = time.perf_counter()
    try:
        os.chdir(cwd)
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
        if old_handler is not None:
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                result["code"] = main(argv)
        except SystemExit as exc:
            result["code"] = exc.code if isinstance(exc.code, int) else 1
        except OverBudget:
            result["escaped"] = traceback.format_exc()
            result["killed"] = "time"
        except BaseException:
            result["escaped"] = traceback.format_exc()
    finally:
        if old_handler is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        result["seconds"] = time.perf_counter() - started
        sys.stdin = old_stdin
        os.chdir(old_cwd)
    result["stdout"] = "" if broken else out.getvalue()
    result["stderr"] = err.getvalue()
    return result


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def run_main(argv: list[str], cwd: Path, budget: Budget, *, label: str = "", stdin: bytes | None = None,
             broken_stdout: bool = False, isolate: bool = True) -> Run:
    run = Run(label=label, argv=list(argv))
    if not isolate or not hasattr(os, "fork"):
        return _run_here(run, cwd, budget, stdin, broken_stdout)
    resdir = Path(tempfile.mkdtemp(prefix="cc-fuzz-run-"))
    base = _rss_mb()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: run, write the result, leave without running any cleanup of the parent
        try:
            result = _call_main(argv, cwd, stdin, broken_stdout, budget.seconds)
            limit = int(budget.report_mb * 2**20) + 1
            report = _encode(result.pop("stdout"))
            result["stdout_size"] = len(report)
            (resdir / "stdout").write_bytes(report[:limit])
            (resdir / "stderr").write_bytes(_encode(result.pop("stderr"))[: 1 << 20])
            (resdir / "result.json").write_text(json.dumps(result))
        finally:
            os._exit(0)
    started = time.monotonic()
    status = 0
    rusage: Any = None
    try:
        pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    except OSError:
        pidfd = None
    try:
        while True:
            if pidfd is not None:
                select.select([pidfd], [], [], 0.02)
            else:
                time.sleep(0.01)
            waited, status, rusage = os.wait4(pid, os.WNOHANG)
            if waited == pid:
                break
            elapsed = time.monotonic() - started
            grown = _rss_mb(pid) - base
            if grown > budget.hard_memory_mb or elapsed > budget.seconds + budget.grace_seconds:
                run.killed = "memory" if grown > budget.hard_memory_mb else "time"
                os.kill(pid, signal.SIGKILL)
                _, status, rusage = os.wait4(pid, 0)
                break
    finally:
        if pidfd is not None:
            os.close(pidfd)
    run.seconds = time.monotonic() - started
    if rusage is not None:
        run.peak_mb = max(0.0, rusage.ru_maxrss / 1024 - base)
    try:
        if (resdir / "result.json").exists():
            result = json.loads((resdir / "result.json").read_text())
            run.code = result["code"]
            run.escaped = result["escaped"]
            run.killed = run.killed or result["killed"]
            run.seconds = result["seconds"]
            run.stdout_size = result["stdout_size"]
            run.stdout = (resdir / "stdout").read_bytes().decode("utf-8", "surrogatepass")
            run.stderr = (resdir / "stderr").read_bytes().decode("utf-8", "surrogatepass")
        elif run.killed is None:
            run.escaped = f"the run died without a result (wait status {status})"
    finally:
        shutil.rmtree(resdir, ignore_errors=True)
    return run


def _run_here(run: Run, cwd: Path, budget: Budget, stdin: bytes | None, broken: bool) -> Run:
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base = _rss_mb()
    result = _call_main(run.argv, cwd, stdin, broken, budget.seconds)
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # ru_maxrss is a high-water mark: growth is known only when this run raised it.
    run.peak_mb = max(0.0, peak_after - base) if peak_after > peak_before else None
    run.code, run.escaped, run.killed, run.seconds = result["code"], result["escaped"], result["killed"], result["seconds"]
    run.stdout, run.stderr = result["stdout"], result["stderr"]
    run.stdout_size = len(_encode(run.stdout))
    return run


def check_case(case: Case, budget: Budget | None = None, isolate: bool = True, stop_at: float | None = None) -> Outcome:
    """Run every format of the case and judge each run (the formats after the first only before `stop_at`)."""
    budget = budget or Budget()
    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix="cc-fuzz-") as tmp:
        cwd = Path(tmp)
        materialise(case, cwd)
        first: Run | None = None
        for fmt in case.formats:
            if first is not None and stop_at is not None and time.monotonic() > stop_at:
                break
            argv = [*case.argv, "--format", fmt]
            if case.sink == "/dev/full":
                argv += ["--output", "/dev/full"]
            run = run_main(argv, cwd, budget, label=fmt, stdin=case.stdin, broken_stdout=case.sink == "broken-stdout",
                           isolate=isolate)
            outcome.runs.append(run)
            outcome.problems += judge(case, run, budget, first)
            if first is None:
                first = run
    return outcome


# --- judging -----------------------------------------------------------------------------------


def normalise(message: str, limit: int = 70) -> str:
    """A message with its particulars (quoted values, numbers, paths) replaced, for grouping."""
    text = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "'…'", message.strip().splitlines()[0] if message.strip() else "")
    text = re.sub(r"\b[0-9a-f]{16}\b", "ID", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    text = re.sub(r"\S+\.(jsonl|json|csv|yaml)\b", "FILE", text)
    return text[:limit]


def where_raised(tb: str) -> str:
    """`ExceptionType at checker/module.py:function` from a traceback's text."""
    frames = re.findall(r'File "([^"]+)", line \d+, in (\S+)', tb)
    lines = [line for line in tb.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "?"
    exc = last.split(":", 1)[0].strip() if not last.startswith(" ") else "?"
    exc = exc.rsplit(".", 1)[-1]
    ours = [(f, fn) for f, fn in frames if "/checker/" in f.replace("\\", "/")]
    file, func = (ours or frames or [("?", "?")])[-1]
    short = file.replace("\\", "/").split("/checker/", 1)[-1]
    short = f"checker/{short}" if ours else Path(file).name
    return f"{exc} at {short}:{func}"


def _input_files(case: Case) -> set[str]:
    names = {os.path.normpath(n) for n in case.files}
    if case.stdin is not None:
        names.add("<stdin>")
    return names


def _line_count(case: Case, name: str) -> int:
    data = case.stdin if name == "<stdin>" else case.files.get(name, b"")
    return (data or b"").count(b"\n") + (data or b"").count(b"\r") + 2


def judge(case: Case, run: Run, budget: Budget, first: Run | None = None) -> list[Problem]:
    problems: list[Problem] = []

    def add(kind: str, detail: str) -> None:
        problems.append(Problem(kind, detail, run.label))

    if run.killed == "time" or run.seconds > budget.seconds:
        interrupted = run.escaped if run.killed == "time" and run.escaped else None
        where = f" in {where_raised(interrupted).split(' at ', 1)[-1]}" if interrupted else ""
        add(f"time budget: over {budget.seconds:g} s{where}",
            f"run took {run.seconds:.1f} s" + (f"\n{interrupted[-3000:]}" if interrupted else ""))
    if run.escaped and run.killed != "time":
        add(f"exception escaped main(): {where_raised(run.escaped)}", run.escaped[-3000:])
    if run.killed == "memory" or (run.peak_mb is not None and run.peak_mb > budget.memory_mb):
        add(f"memory budget: over {budget.memory_mb:g} MB", f"peak RSS growth {run.peak_mb or 0:.0f} MB")
    if "Traceback (most recent call last)" in run.stderr:
        add(f"traceback printed: {where_raised(run.stderr)}", run.stderr[-3000:])
    if run.code is None:
        return problems
    if run.stdout_size > budget.report_mb * 2**20:
        add(f"report over {budget.report_mb:g} MB", f"{run.stdout_size} bytes")
    if run.code == 3:
        message = run.stderr.split("no report written:", 1)[-1]
        add(f"exit 3: {normalise(message)}", run.stderr[:MAX_STDERR])
    elif run.code not in (0, 1, 2):
        add(f"exit {run.code}", run.stderr[:MAX_STDERR])
    bad = UNSAFE_RE.search(run.stderr)
    if bad:
        add(f"stderr prints raw {_char_name(bad.group())}", repr(run.stderr[max(0, bad.start() - 60): bad.end() + 60]))
    if case.sink is not None:
        if run.code in (0, 1):
            add("report could not be written but the run exits 0/1", f"sink {case.sink}, exit {run.code}")
        if run.code == 2 and not run.stderr.startswith(PREFIX):
            add("exit 2 without 'contract-check: error:'", run.stderr[:MAX_STDERR])
        return problems
    if run.code == 2:
        problems += [Problem(k, d, run.label) for k, d in judge_refusal(case, run)]
    elif run.code in (0, 1):
        if run.label == "json":
            problems += [Problem(k, d, run.label) for k, d in judge_report(case, run)]
        else:
            problems += [Problem(k, d, run.label) for k, d in judge_format(run, _multiline_strings(case))]
    if first is not None and first.code in (0, 1, 2) and run.code in (0, 1, 2) and run.code != first.code:
        add(f"--format {run.label} exits {run.code} where --format {first.label} exits {first.code}",
            f"{first.label}: {first.stderr[:500]!r}\n{run.label}: {run.stderr[:500]!r}")
    return problems


def _char_name(ch: str) -> str:
    import unicodedata

    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'control')}"


def judge_refusal(case: Case, run: Run) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if run.stdout_size:
        out.append(("exit 2 with a partial report on stdout", run.stdout[:500]))
    if len(run.stderr) >= MAX_STDERR:
        out.append((f"exit 2 with a message of {MAX_STDERR}+ characters", run.stderr[:500]))
    if not run.stderr.startswith(PREFIX):
        out.append(("exit 2 without 'contract-check: error:'", run.stderr[:MAX_STDERR]))
        return out
    message = run.stderr[len(PREFIX):]
    where = WHERE_RE.match(message)
    if where is None:
        if case.as_of is not None and message.startswith("--as-of"):
            return out
        out.append((f"exit 2 without file:line: {normalise(message)}", run.stderr[:MAX_STDERR]))
        return out
    name = os.path.normpath(where["file"])
    if name not in _input_files(case):
        out.append((f"exit 2 names a file that is no input: {normalise(message)}", run.stderr[:MAX_STDERR]))
    elif not 1 <= int(where["line"]) <= _line_count(case, name):
        out.append((f"exit 2 names a line past the end of the file: {normalise(message)}", run.stderr[:MAX_STDERR]))
    return out


def _expected_as_of(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if len(text.strip()) <= 10 and value.tzinfo is None and value.time() == dt.time():
        return value.replace(tzinfo=dt.UTC)
    if value.tzinfo is None:
        return None
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return None


def judge_report(case: Case, run: Run) -> list[tuple[str, str]]:
    """The JSON report reconciles with the input."""
    out: list[tuple[str, str]] = []
    try:
        run.stdout.encode("utf-8")
    except UnicodeEncodeError as exc:
        out.append(("report is not valid UTF-8", str(exc)))
    try:
        doc = json.loads(run.stdout)
    except ValueError as exc:
        return [*out, ("report is not JSON", f"{exc}: {run.stdout[:300]!r}")]
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        return [*out, ("report has no findings list", run.stdout[:300])]
    findings: list[dict[str, Any]] = doc["findings"]
    summary = doc.get("summary") or {}
    counts = Counter(str(f.get("verdict")) for f in findings)
    for verdict in set(counts) | set(VERDICTS):
        if verdict not in VERDICTS:
            out.append(("finding with an unknown verdict", verdict))
        elif summary.get(verdict, 0) != counts.get(verdict, 0):
            out.append(("summary does not count the findings", f"{verdict}: summary {summary.get(verdict)}, "
                                                                f"findings {counts.get(verdict, 0)}"))
    ids = [str(f.get("id")) for f in findings]
    twice = sorted(i for i, n in Counter(ids).items() if n > 1)
    if twice:
        out.append(("two findings share an id", ", ".join(map(str, twice[:5]))))
    if any(not f.get("events") for f in findings):
        out.append(("finding rests on no event", str([f.get("id") for f in findings if not f.get("events")][:5])))

    # Accounting: every record of the log in exactly one place.
    records = case.records()
    skipped_lines = doc.get("skipped_lines") or []
    if skipped_lines and not case.lenient:
        out.append(("skipped lines without --lenient", str(skipped_lines[:3])))
    skipped = {(os.path.normpath(str(s.get("file"))), s.get("line")) for s in skipped_lines if isinstance(s, dict)}
    starts = {(os.path.normpath(r.file), r.line) for r in records}
    for file, line in sorted(skipped - starts, key=repr):
        out.append(("skipped line that is no record of the log", f"{file}:{line}"))
    count: Counter[str] = Counter()
    for key in ("uncovered_events", "out_of_term_events", "after_as_of_events"):
        for eid in doc.get(key) or []:
            count[eid] += 1
    for eid in {e for f in findings for e in (f.get("events") or [])}:
        count[eid] += 1
    by_id: dict[str, list[tuple[str, int]]] = {}
    for r in records:
        if r.id is not None:
            by_id.setdefault(r.id, []).append((os.path.normpath(r.file), r.line))
    for eid, places in by_id.items():
        live = [p for p in places if p not in skipped]
        if count[eid] == len(live):
            continue
        where = ", ".join(f"{f}:{n}" for f, n in places[:3])
        if len(live) > 1 and count[eid] <= 1:
            out.append(("duplicate event id accepted", f"{eid!r} at {where}"))
        elif count[eid] == 0:
            out.append(("event missing from the report", f"{eid!r} at {where}"))
        elif not live:
            out.append(("skipped event still in the report", f"{eid!r} at {where}"))
        else:
            out.append(("event reported more than once", f"{eid!r} at {where}: {count[eid]} places"))
    if all(r.id is not None for r in records):
        phantoms = sorted(set(count) - set(by_id))
        if phantoms:
            out.append(("report names an event the log does not hold", ", ".join(repr(p) for p in phantoms[:5])))

    # Exit code and --fail-on.
    levels = FAIL_LEVELS.get(case.fail_on, ())
    failing = [f for f in findings if f.get("verdict") in levels and not f.get("waiver")]
    if failing and run.code != 1:
        out.append((f"exit {run.code} despite findings at --fail-on {case.fail_on}", str([f.get("id") for f in failing][:5])))
    if not failing and run.code == 1 and not (skipped_lines and case.fail_on != "never"):
        out.append((f"exit 1 without findings at --fail-on {case.fail_on}", str(summary)))

    # The as-of date asked for is the one judged at.
    if case.as_of is not None and case.as_of != "today":
        wanted = _expected_as_of(case.as_of)
        try:
            got: dt.datetime | None = dt.datetime.fromisoformat(str(doc.get("as_of")))
        except ValueError:
            got = None
        if wanted is None:
            out.append(("--as-of value accepted that is no ISO 8601 date or datetime with offset",
                        f"--as-of {case.as_of!r} → as_of {doc.get('as_of')!r}"))
        elif got != wanted:
            out.append(("report's as_of is not the --as-of given", f"--as-of {case.as_of!r} → as_of {doc.get('as_of')!r}"))
    return out


def _multiline_strings(case: Case) -> list[str]:
    """String values of the event files that hold a line break (a report must not print them raw)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            # A break inside the text, with text on both sides, so the probe cannot match by chance.
            parts = re.split(r"[\r\n]+", value.strip())
            if len(parts) > 1 and len(parts[0].strip()) >= 2 and len(parts[-1].strip()) >= 2:
                found.append(value.strip())
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for name in case.events:
        data = case.stdin if name == "-" else case.files.get(name)
        if not data:
            continue
        text = data.decode("utf-8", "replace")
        if name.endswith(".csv"):
            import csv

            # Cells may be as long as the checker allows (far above csv's 128 KiB default):
            # reading them with a smaller limit dropped whole rows and misjudged the report.
            previous = csv.field_size_limit(len(text) + 1)
            try:
                with contextlib.suppress(csv.Error):
                    for row in csv.reader(io.StringIO(text, newline="")):
                        walk(row)
            finally:
                csv.field_size_limit(previous)
            continue
        chunks = [text] if name.endswith(".json") else text.split("\n")
        for chunk in chunks:
            with contextlib.suppress(ValueError, RecursionError):
                walk(json.loads(chunk))
    return found + NEWLINE_FORGERIES


def judge_format(run: Run, multiline: list[str] | None = None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    text = run.stdout
    if run.label in ("text", "md"):
        bad = UNSAFE_RE.search(text)
        if bad:
            out.append((f"{run.label} report prints raw {_char_name(bad.group())}",
                        repr(text[max(0, bad.start() - 80): bad.end() + 80])))
        for forged in multiline if multiline is not None else NEWLINE_FORGERIES:
            if forged in text:
                out.append((f"{run.label} report prints an input line break raw", repr(forged)))
                break
    elif run.label == "html":
        if "</html>" not in text:
            out.append(("html report is incomplete", text[-300:]))
        for forged in MARKUP_FORGERIES:
            if forged in text:
                out.append(("html report prints input markup raw", repr(forged)))
    elif run.label == "sarif":
        try:
            json.loads(text)
        except ValueError as exc:
            out.append(("sarif report is not JSON", str(exc)))
    elif run.label == "junit":
        try:
            ET.fromstring(text.encode("utf-8", "surrogatepass"))
        except ET.ParseError as exc:
            out.append(("junit report is not well-formed XML", str(exc)))
    return out


# --- saving, loading, minimising ------------------------------------------------------------------


def slug(text: str, limit: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or "problem"


def save_failure(case: Case, outcome: Outcome, out_dir: Path, seed: object = None, folder: Path | None = None) -> Path:
    """Write the case (files, argv, what went wrong) to a new folder under out_dir (or to `folder`)."""
    kind = outcome.problems[0].kind if outcome.problems else "problem"
    if folder is None:
        out_dir.mkdir(parents=True, exist_ok=True)
        number = len([p for p in out_dir.iterdir() if p.is_dir()]) + 1
        folder = out_dir / f"{number:04d}-{slug(kind)}"
        while folder.exists():
            number += 1
            folder = out_dir / f"{number:04d}-{slug(kind)}"
    files = folder / "files"
    files.mkdir(parents=True)
    materialise(case, files)
    if case.stdin is not None and "-" in case.events:
        (files / "stdin.jsonl").write_bytes(case.stdin)
    (folder / "case.json").write_text(json.dumps({**case.to_json(), "seed": repr(seed)}, indent=2))
    sink = {"/dev/full": " --output /dev/full", "broken-stdout": " | true   # standard output closed by its reader"}
    lines = [f"cd {files} && {case.shell()} --format {case.formats[0]}{sink.get(case.sink or '', '')}", ""]
    for p in outcome.problems:
        lines += [f"[{p.run}] {p.kind}", "    " + p.detail.replace("\n", "\n    ")[:4000], ""]
    lines += ["mutations:", *("    " + n for n in case.notes)]
    (folder / "problems.txt").write_text("\n".join(lines) + "\n", encoding="utf-8", errors="backslashreplace")
    runs = []
    for r in outcome.runs:
        d = asdict(r)
        d["stdout"] = r.stdout[:4000]
        d["stderr"] = r.stderr[:8000]
        runs.append(d)
    (folder / "runs.json").write_text(json.dumps(runs, indent=2, ensure_ascii=True))
    return folder


def load_case(folder: Path) -> Case:
    meta = json.loads((folder / "case.json").read_text())
    root = folder / "files"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    stdin = files.pop("stdin.jsonl", None) if meta.get("stdin") else None
    return Case.from_json(meta, files, stdin)


def _units(name: str, data: bytes) -> tuple[bytes, list[bytes], bytes] | None:
    """An event file as (head, records, tail) byte chunks that can be dropped one by one."""
    suffix = Path(name).suffix.lower() if name != "-" else ".jsonl"
    if suffix in (".jsonl", ".ndjson"):
        return b"", [line + b"\n" for line in data.split(b"\n") if line.strip()], b""
    if suffix == ".csv":
        lines = data.splitlines(keepends=True)
        from .strategies import read_records

        starts = [r.line - 1 for r in read_records(name, data)]
        if not starts:
            return None
        head = b"".join(lines[: starts[0]])
        chunks = [b"".join(lines[a:b]) for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)]
        return head, chunks, b""
    try:
        text = data.decode("utf-8-sig")
        decoder = json.JSONDecoder()
        pos = text.index("[") + 1
        elements: list[bytes] = []
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text) or text[pos] == "]":
                break
            _, end = decoder.raw_decode(text, pos)
            elements.append(text[pos:end].encode("utf-8", "surrogatepass"))
            pos = end
    except (ValueError, json.JSONDecodeError):
        return None
    chunks = [c + b",\n" for c in elements[:-1]] + [elements[-1] + b"\n"] if elements else []
    return b"[\n", chunks, b"]\n"


def _join(head: bytes, chunks: list[bytes], tail: bytes, json_array: bool) -> bytes:
    if json_array and chunks:
        chunks = [c.rstrip().rstrip(b",") + b",\n" for c in chunks[:-1]] + [chunks[-1].rstrip().rstrip(b",") + b"\n"]
    return head + b"".join(chunks) + tail


def _ddmin(items: list[bytes], still: Callable[[list[bytes]], bool]) -> list[bytes]:
    n = 2
    while len(items) >= 2:
        size = max(1, len(items) // n)
        reduced = False
        for start in range(0, len(items), size):
            candidate = items[:start] + items[start + size:]
            if candidate and still(candidate):
                items, n, reduced = candidate, max(n - 1, 2), True
                break
        if not reduced:
            if size == 1:
                break
            n = min(len(items), n * 2)
    return items


def _list_blocks(text: str, key: str) -> list[tuple[int, int]]:
    """Line ranges of the items of the YAML block sequence under `key:` (clauses, waivers)."""
    lines = text.split("\n")
    found = [i for i, line in enumerate(lines) if re.match(rf"^\s*{key}:\s*$", line)]
    if not found:
        return []
    top = found[0]
    key_indent = len(lines[top]) - len(lines[top].lstrip())
    starts: list[int] = []
    item_indent: int | None = None
    end = len(lines)
    for i in range(top + 1, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if line.lstrip().startswith("- ") and indent >= key_indent and item_indent in (None, indent):
            item_indent = indent
            starts.append(i)
        elif indent <= key_indent:
            end = i
            break
    return list(zip(starts, [*starts[1:], end], strict=True))


def minimise(case: Case, kind: str, budget: Budget | None = None, isolate: bool = True,
             log: Callable[[str], None] | None = None) -> Case:
    """A smaller case that still shows a problem of `kind` (formats, options, events, fields, clauses)."""
    import copy

    budget = budget or Budget()
    tries = 0

    def still(candidate: Case) -> bool:
        nonlocal tries
        tries += 1
        return any(p.kind == kind for p in check_case(candidate, budget, isolate).problems)

    def variant(**changes: Any) -> Case:
        c = copy.deepcopy(case)
        for k, v in changes.items():
            setattr(c, k, v)
        return c

    # Formats: only the one that shows the problem (json first, so --format comparisons survive).
    for fmt in case.formats:
        candidate = variant(formats=[fmt])
        if len(case.formats) > 1 and still(candidate):
            case = candidate
            break
    # Options that may not matter.
    for flag, width in (("--jobs", 2), ("--verbose", 1), ("--waivers", 2), ("--rules", 2), ("--as-of", 2), ("--lenient", 1)):
        if flag in case.argv:
            i = case.argv.index(flag)
            argv = case.argv[:i] + case.argv[i + width:]
            candidate = variant(argv=argv)
            if flag == "--waivers":
                candidate.files = {k: v for k, v in case.files.items() if k != "waivers.yaml"}
            if flag == "--rules":
                candidate.files = {k: v for k, v in case.files.items() if not k.startswith("rules/")}
            if flag == "--as-of":
                candidate.as_of = None
            if flag == "--lenient":
                candidate.lenient = False
            if still(candidate):
                case = candidate
    # Event files: whole files, then records, then fields of JSON-lines records.
    for name in list(case.events):
        if len(case.events) > 1:
            i = [j for j, a in enumerate(case.argv) if a == name and case.argv[j - 1] == "--events"][0]
            candidate = variant(argv=case.argv[: i - 1] + case.argv[i + 1:], events=[e for e in case.events if e != name],
                                files={k: v for k, v in case.files.items() if k != name})
            if still(candidate):
                case = candidate
                continue
        data = case.stdin if name == "-" else case.files[name]
        assert data is not None
        units = _units(name, data)
        if units is None:
            continue
        head, chunks, tail = units
        is_array = name.endswith(".json")

        def with_chunks(chunks: list[bytes], name: str = name, head: bytes = head, tail: bytes = tail,
                        is_array: bool = is_array, base: Case = case) -> Case:
            new = _join(head, chunks, tail, is_array)
            if name == "-":
                return variant(stdin=new)
            return variant(files={**base.files, name: new})

        chunks = _ddmin(chunks, lambda c: still(with_chunks(c)))
        case = with_chunks(chunks)
        if name.endswith(".jsonl") or name == "-":
            for index in range(len(chunks)):
                chunks = _drop_fields(chunks, index, lambda c: still(with_chunks(c)))
            case = with_chunks(chunks)
    # Contract clauses, waiver entries.
    for name, key in (("contract.yaml", "clauses"), ("waivers.yaml", "waivers")):
        if name not in case.files:
            continue
        text = case.files[name].decode("utf-8", "surrogatepass")
        for start, end in reversed(_list_blocks(text, key)):
            lines = text.split("\n")
            candidate_text = "\n".join(lines[:start] + lines[end:])
            candidate = variant(files={**case.files, name: candidate_text.encode("utf-8", "surrogatepass")})
            if still(candidate):
                case, text = candidate, candidate_text
    if log is not None:
        log(f"minimised in {tries} runs")
    return case


def _drop_fields(chunks: list[bytes], index: int, still: Callable[[list[bytes]], bool]) -> list[bytes]:
    from .strategies import Raw, dump_json

    class Obj(list[tuple[str, Any]]):
        pass

    def dump(value: Any) -> str:
        if isinstance(value, Obj):
            return "{" + ", ".join(f"{json.dumps(k)}: {dump(v)}" for k, v in value) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(dump(v) for v in value) + "]"
        return dump_json(value)

    try:
        obj = json.loads(chunks[index].decode("utf-8"), object_pairs_hook=Obj, parse_float=Raw,
                         parse_int=Raw, parse_constant=Raw)
    except (ValueError, RecursionError):
        return chunks
    if not isinstance(obj, Obj):
        return chunks
    for key in [k for k, _ in obj if k not in ("id", "time", "type", "actor")]:
        smaller = Obj([(k, v) for k, v in obj if k != key])
        candidate = [*chunks[:index], (dump(smaller) + "\n").encode("utf-8", "surrogatepass"), *chunks[index + 1:]]
        if still(candidate):
            obj, chunks = smaller, candidate
    return chunks
