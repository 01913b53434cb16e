"""Scale benchmark of `contract-check check` (issue "Scale"). One command:

    python bench/run.py [--sizes 100000,1000000] [--repeat 3] [--budget 300] [--seed 1]
                        [--shapes mixed,late-evidence] [--baseline GITREF|DIR] [--code DIR]

For each log shape (bench/generate.py --shape: `mixed`, and `late-evidence` — evidence long after
its trigger, long-lived consents and offers, many correlation keys) and each size N it generates
a seeded log (cached by shape, N, seed and generator version) and runs, --repeat times each,
interleaved, each in its own process:

- the checker, end to end: `python -m checker check --contract contracts/openai-microsoft-2019.yaml
  --format json --events LOG`, run from a snapshot of this working tree's checker/, rules/,
  contracts/ and examples/ taken when the benchmark starts, so that edits made meanwhile cannot
  mix two versions into one result (`--cli contract-check` runs an installed console script
  instead): wall time, CPU time, events/s, peak RSS of that process (os.wait4 rusage);
- the parse floor: orjson-parse every line of the same file (bench/floor.py parse);
- the engine floor: parse + bare durable_rules_engine with the checker's rulesets and joins,
  fed only the events some clause addresses (bench/floor.py engine);

- with --baseline, the checker of that git ref (or tree), right after each checker run: its
  wall time, CPU time and peak RSS, and whether its JSON report is byte-identical (a speed-up
  measured this way compares two runs under the same load; runs of two separate benchmarks
  do not compare);

and reports the medians and the ratios checker / parse floor and checker / engine floor. Also
the cold-start time of the checker on the bundled example (median of 7 runs, after one warm-up
run that compiles the bytecode).

While it measures it checks: every checker run exits 0 or 1 (never 2 or 3); repeated runs on the
same log give byte-identical JSON; and the findings document is equal to that of a run on the
same events in another file order — instant groups in reverse order, split alternately into two
--events files (equal-time events keep their relative order, as SPEC §5 requires for equal
results). That comparison runs on the largest N whose extra checker run still fits the budget
(with --budget 0: the largest N); the report says which N it used.

Time budget: the whole run aims to finish within --budget seconds (default 300, 0 = no limit).
Sizes run smallest first; before each size the checker's time is projected from the previous
size (start-up excluded; the per-event growth measured between two sizes, else DEFAULT_GROWTH).
A size whose measurement would not fit runs fewer repeats, or is skipped and reported as a
projection; a checker run that still overruns is stopped at the budget and reported as a lower
bound; the engine floor is skipped when it would overrun. The table and notes say which.

Prints a Markdown table and writes it, with details, to bench/results/latest.md (gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

import orjson

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

CONTRACT = "contracts/openai-microsoft-2019.yaml"
EXAMPLE = "examples/openai-microsoft-events.jsonl"
COLD_RUNS = 7
# Growth of the checker's per-event time per 10× events, used to project a size from a single
# measured smaller one (2-core dev machine: ~12 s CPU at 100k, ~118 s CPU at 1M → ~1.0; margin
# for wall time). A run that still overruns the budget is stopped and reported as such.
DEFAULT_GROWTH = 1.15
# The two floors together cost about a third of the checker's time (measured at 1M).
FLOORS_SHARE = 0.35


@dataclass
class Run:
    wall: float
    cpu: float
    rss_kb: int
    code: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False


@dataclass
class SizeResult:
    n: int
    shape: str = "mixed"  # the generator's log shape (bench/generate.py --shape)
    growth: float = DEFAULT_GROWTH  # per-event growth the projection used (for the notes)
    status: str = "measured"  # measured | reduced | projected | failed
    repeats: int = 0
    checker: list[Run] = field(default_factory=list)
    parse: list[float] = field(default_factory=list)
    engine: list[float] = field(default_factory=list)
    engine_detail: dict[str, Any] = field(default_factory=dict)
    engine_rss_kb: int = 0
    gen: dict[str, Any] = field(default_factory=dict)
    projected_s: float | None = None
    summary: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    baseline: list[Run] = field(default_factory=list)  # the --baseline checker, run alongside
    differs: int = 0  # runs whose JSON was not byte-identical to the baseline's

    @property
    def checker_s(self) -> float:
        return statistics.median(r.wall for r in self.checker)

    @property
    def checker_cpu(self) -> float:
        return statistics.median(r.cpu for r in self.checker)

    @property
    def rss_mb(self) -> float:
        return max(r.rss_kb for r in self.checker) / 1024


def timed(cmd: list[str], cwd: Path = ROOT, timeout: float | None = None) -> Run:
    """Run one process; wall time, CPU time and its own peak RSS (wait4 rusage of exactly that
    child). Past `timeout` seconds the process is killed and the run marked `timed_out`."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        fired = threading.Event()

        def kill() -> None:
            fired.set()
            proc.kill()

        killer = None
        if timeout is not None and timeout != float("inf"):
            killer = threading.Timer(max(1.0, timeout), kill)
            killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if killer is not None:
            killer.cancel()
        timed_out = fired.is_set() and os.WIFSIGNALED(status)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return Run(wall, cpu, usage.ru_maxrss, proc.returncode, out.read(), err.read(), timed_out)


SNAPSHOT_DIRS = ("checker", "rules", "contracts", "examples")


def snapshot(dest: Path, source: Path = ROOT) -> str:
    """Copy the checker and its data as they are now, so that every run of this benchmark measures
    the same code even while checker/ is being edited; returns a fingerprint of what was copied."""
    digest = hashlib.sha256()
    for name in SNAPSHOT_DIRS:
        shutil.copytree(source / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for file in sorted((dest / name).rglob("*")):
            if file.is_file():
                digest.update(str(file.relative_to(dest)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


def checker_cmd(cli: str | None, events: list[Path], extra: list[str] | None = None) -> list[str]:
    base = [sys.executable, "-m", "checker"] if cli is None else [cli]
    cmd = [*base, "check", "--contract", CONTRACT, "--format", "json", *(extra or [])]
    for path in events:
        cmd += ["--events", str(path)]
    return cmd


def check_exit(run: Run, what: str) -> None:
    if run.code not in (0, 1):
        tail = run.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise SystemExit(f"bench: {what} exited {run.code} (expected 0 or 1):\n  " + "\n  ".join(tail))


def log_path(data_dir: Path, n: int, seed: int, shape: str = "mixed") -> Path:
    version = hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()[:8]
    # The mixed shape keeps its historic name (logs cached by earlier versions stay findable).
    kind = "" if shape == "mixed" else f"{shape}-"
    return data_dir / f"events-{kind}{n}-s{seed}-{version}.jsonl"


def ensure_log(data_dir: Path, n: int, seed: int, shape: str = "mixed") -> tuple[Path, dict[str, Any]]:
    path = log_path(data_dir, n, seed, shape)
    meta = path.with_suffix(".meta.json")
    if path.exists() and meta.exists():
        stats: dict[str, Any] = orjson.loads(meta.read_bytes())
        return path, {**stats, "cached": True}
    for old in data_dir.glob(path.name.rsplit("-", 1)[0] + "-*"):
        old.unlink()
    stats = generate.generate(n, path, seed, shape)
    meta.write_bytes(orjson.dumps(stats))
    return path, stats


def reordered(path: Path, out_dir: Path) -> list[Path]:
    """The same events in another file order, as two files: instant groups reversed and dealt
    alternately to the two files; events of one instant stay together and in order."""
    cache: dict[str, int] = {}

    def epoch(line: bytes) -> int:
        text = orjson.loads(line)["time"]
        value = cache.get(text)
        if value is None:
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            value = cache[text] = int(moment.timestamp())
        return value

    lines = [line for line in path.read_bytes().split(b"\n") if line.strip()]
    keyed = sorted(((epoch(line), i, line) for i, line in enumerate(lines)), key=lambda x: (x[0], x[1]))
    groups = [[line for _, _, line in g] for _, g in groupby(keyed, key=lambda x: x[0])]
    groups.reverse()
    parts: list[list[bytes]] = [[], []]
    for i, group in enumerate(groups):
        parts[i % 2].extend(group)
    paths = [out_dir / f"{path.stem}.part{i + 1}.jsonl" for i in range(2)]
    for p, part in zip(paths, parts, strict=True):
        p.write_bytes(b"\n".join(part) + b"\n")
    return paths


def comparable(doc: bytes) -> dict[str, Any]:
    """The findings document minus what names the input files (they differ by construction)."""
    value: dict[str, Any] = orjson.loads(doc)
    for key in ("sources", "event_sources", "events_files"):
        value.pop(key, None)
    return value


def fmt_s(value: float | None) -> str:
    return "–" if value is None else (f"{value:.2f}" if value < 100 else f"{value:.0f}")


def render(results: list[SizeResult], cold: list[float], correctness: list[str], env: dict[str, str],
           elapsed: float, budget: float) -> str:
    out: list[str] = []
    out.append("| shape | N events | checker wall s (median) | events/s | checker CPU s | peak RSS MB | parse floor s | "
               "checker ÷ parse | engine floor s | checker ÷ engine | runs |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        if r.status == "projected":
            if r.projected_s:
                out.append(f"| {r.shape} | {r.n:,} | ~{fmt_s(r.projected_s)} (projected) | ~{r.n / r.projected_s:,.0f} "
                           "| – | – | – | – | – | – | skipped: over budget |")
            else:
                out.append(f"| {r.shape} | {r.n:,} | – | | | | | | | | skipped |")
            continue
        if r.status == "timed out":
            out.append(f"| {r.shape} | {r.n:,} | > {fmt_s(r.projected_s)} (stopped at the budget) "
                       f"| < {r.n / (r.projected_s or 1):,.0f} "
                       "| – | – | – | – | – | – | not measured |")
            continue
        if r.status == "failed":
            out.append(f"| {r.shape} | {r.n:,} | failed | | | | | | | | {'; '.join(r.notes)} |")
            continue
        c = r.checker_s
        p = statistics.median(r.parse) if r.parse else None
        e = statistics.median(r.engine) if r.engine else None
        out.append(
            f"| {r.shape} | {r.n:,} | {fmt_s(c)} | {r.n / c:,.0f} | {fmt_s(r.checker_cpu)} | {r.rss_mb:,.0f} | {fmt_s(p)} | "
            f"{'–' if p is None else f'{c / p:.0f}×'} | {fmt_s(e)} | {'–' if e is None else f'{c / e:.1f}×'} | "
            f"{len(r.checker)}{' (reduced: budget)' if r.status == 'reduced' else ''} |"
        )
    lines = ["\n".join(out), ""]
    compared = [r for r in results if r.baseline and r.checker]
    if compared:
        lines.append("Against the baseline (run alternately with the checker, same logs, same load):")
        lines.append("")
        lines.append("| shape | N events | baseline wall s | checker wall s | speed-up | baseline CPU s | checker CPU s | "
                     "CPU speed-up | baseline events/s | checker events/s | baseline RSS MB | checker RSS MB | JSON |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in compared:
            bw = statistics.median(b.wall for b in r.baseline)
            bc = statistics.median(b.cpu for b in r.baseline)
            brss = max(b.rss_kb for b in r.baseline) / 1024
            same = "byte-identical" if not r.differs else f"DIFFERS in {r.differs} run(s)"
            lines.append(f"| {r.shape} | {r.n:,} | {fmt_s(bw)} | {fmt_s(r.checker_s)} | {bw / r.checker_s:.2f}× | "
                         f"{fmt_s(bc)} | {fmt_s(r.checker_cpu)} | {bc / r.checker_cpu:.2f}× | {r.n / bw:,.0f} | "
                         f"{r.n / r.checker_s:,.0f} | {brss:,.0f} | {r.rss_mb:,.0f} | {same} |")
        lines.append("")
    if cold:
        lines.append(f"Cold start, `check` on the bundled example ({EXAMPLE}, 50 events): "
                     f"median {statistics.median(cold):.3f} s of {len(cold)} runs "
                     f"(min {min(cold):.3f}, max {max(cold):.3f}).")
        lines.append("")
    lines.append("Correctness checks made while measuring:")
    lines.extend(f"- {c}" for c in correctness)
    lines.append("")
    lines.append("Details:")
    for r in results:
        if r.status in ("projected", "failed", "timed out"):
            continue
        g = r.gen
        made = "cached log" if g.get("cached") else f"log generated in {g.get('seconds', 0):.1f} s"
        lines.append(f"- {r.shape} N={r.n:,}: {made}, "
                     f"{g.get('noise_share', 0):.0%} noise; findings {r.summary}; "
                     f"engine floor peak RSS {r.engine_rss_kb / 1024:,.0f} MB; "
                     f"engine floor internals {_rounded(r.engine_detail)}.")
        lines.extend(f"  - {note}" for note in r.notes)
    lines.append("")
    lines.append("Columns: *checker* = wall time of the whole `check --format json` process (start-up, reading, "
                 "replay, rendering), median of the runs; *checker CPU* = user + system CPU seconds of that "
                 "process (less sensitive than wall time to other load on the machine); *peak RSS* = largest "
                 "ru_maxrss of those processes; "
                 "*parse floor* = a process that only orjson-parses every line; *engine floor* = a process that "
                 "parses, orders by time and asserts the addressed events into bare durable-rules rulesets with "
                 "the checker's join rules (bench/floor.py). Ratios are of medians measured in the same run.")
    lines.append("")
    lines.append(f"Checker command: `{env['checker']}`.")
    lines.append("")
    lines.append(f"Environment: {env['python']}, {env['cpus']} CPU(s), {env['platform']}; "
                 f"load average {env['load']}; "
                 f"commit {env['commit']}; {env['date']}. Benchmark wall time {elapsed:.0f} s "
                 f"(budget {'none' if not budget else f'{budget:.0f} s'}).")
    return "\n".join(lines) + "\n"


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "checker", "rules", "contracts"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" + uncommitted changes in checker/rules/contracts" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scale benchmark of contract-check (see module docstring).")
    parser.add_argument("--sizes", default="100000,1000000",
                        help="comma-separated event counts (default 100000,1000000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; medians are reported (default 3)")
    parser.add_argument("--budget", type=float, default=300,
                        help="target seconds for the whole benchmark; sizes that do not fit run fewer times or are "
                             "projected (default 300; 0 = no limit)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shapes", default=",".join(generate.SHAPES),
                        help=f"comma-separated log shapes (default {','.join(generate.SHAPES)}; see bench/generate.py)")
    parser.add_argument("--cli", help="checker executable to run instead of `python -m checker` (e.g. contract-check)")
    parser.add_argument("--checker-args", default="",
                        help="extra arguments for every checker run, e.g. \"--jobs 2\" (default: none)")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "contract-check-bench",
                        help="where generated logs are cached")
    parser.add_argument("--code", type=Path,
                        help="measure the checker in this tree (with checker/, rules/, contracts/, examples/) "
                             "instead of this working tree")
    parser.add_argument("--baseline",
                        help="also run, alongside every checker run, the checker of this git ref (or tree "
                             "directory): speed-up, memory, and whether its JSON is byte-identical")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "latest.md")
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    args.out = args.out.resolve()
    snap = Path(tempfile.mkdtemp(prefix="contract-check-code-"))
    base = Path(tempfile.mkdtemp(prefix="contract-check-baseline-"))
    try:
        args.baseline_dir = None if args.baseline is None else baseline_tree(args.baseline, base)
        return bench(args, snap)
    finally:
        shutil.rmtree(snap, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)


def baseline_tree(ref: str, dest: Path) -> Path:
    """The baseline checker: a copy of a tree directory, or the files of a git ref."""
    source = Path(ref)
    if source.is_dir():
        snapshot(dest, source.resolve())
        return dest
    archive = subprocess.run(["git", "archive", ref, *SNAPSHOT_DIRS], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def bench(args: argparse.Namespace, snap: Path) -> int:
    extra = shlex.split(args.checker_args)
    if args.cli is None:
        code_dir, fingerprint = snap, snapshot(snap, args.code.resolve() if args.code else ROOT)
    else:
        code_dir, fingerprint = ROOT, f"installed {args.cli}"
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    repeat = max(1, args.repeat)
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = [s for s in shapes if s not in generate.SHAPES]
    if unknown:
        raise SystemExit(f"bench: unknown shape(s) {unknown} (known: {', '.join(generate.SHAPES)})")
    budget = args.budget
    args.data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    load_before = _load()

    def remaining() -> float:
        return float("inf") if not budget else budget - (time.perf_counter() - started)

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", file=sys.stderr, flush=True)

    correctness: list[str] = []
    cold: list[float] = []
    timed(checker_cmd(args.cli, [Path(EXAMPLE)], extra), cwd=code_dir)  # warm-up: compiles the bytecode
    for _ in range(COLD_RUNS):
        run = timed(checker_cmd(args.cli, [Path(EXAMPLE)], extra), cwd=code_dir)
        check_exit(run, "cold-start run on the bundled example")
        cold.append(run.wall)
    say(f"cold start median {statistics.median(cold):.3f} s")

    results: list[SizeResult] = []
    baseline_share = 0.0 if args.baseline_dir is None else 1.5  # the baseline may be slower than the checker
    for shape in shapes:
        previous: tuple[int, float] | None = None  # (n, checker seconds) of the last measured size
        growth = DEFAULT_GROWTH  # per-event time multiplier per 10× events; re-measured from two sizes
        measured: list[tuple[SizeResult, Path]] = []
        for n in sizes:
            result = SizeResult(n, shape=shape)
            results.append(result)
            projected = None
            if previous is not None:
                pn, pt = previous
                scale = n / pn
                startup = min(statistics.median(cold), pt)  # start-up does not grow with N
                projected = startup + (pt - startup) * scale * (growth ** max(0.0, _log10(scale)))
            # One measurement: generation + repeat × (checker + floors).
            gen_cost = 0 if log_path(args.data_dir, n, args.seed, shape).exists() else n / 80_000
            if projected is not None:
                result.projected_s = projected
                result.growth = growth

                def fits(k: int, p: float = projected, g: float = gen_cost) -> bool:
                    return g + k * p * (1 + FLOORS_SHARE + baseline_share) <= remaining()

                if not fits(1):
                    result.status = "projected"
                    say(f"{shape} N={n:,}: projected {projected:.0f} s per checker run does not fit the remaining "
                        f"{remaining():.0f} s; skipped")
                    continue
                k = repeat
                while k > 1 and not fits(k):
                    k -= 1
                if k < repeat:
                    result.status = "reduced"
                result.repeats = k
            else:
                result.repeats = repeat
            path, result.gen = ensure_log(args.data_dir, n, args.seed, shape)
            say(f"{shape} N={n:,}: log {path.name} ready; {result.repeats} run(s)")
            outputs: set[bytes] = set()
            for i in range(result.repeats):
                run = timed(checker_cmd(args.cli, [path], extra), cwd=code_dir, timeout=remaining())
                if run.timed_out:
                    say(f"  checker killed at the budget after {run.wall:.0f} s")
                    result.notes.append(f"a checker run was stopped at the budget after {run.wall:.0f} s "
                                        f"(so {shape} N={n:,} takes longer than that here)")
                    result.status = "timed out" if not result.checker else result.status
                    result.projected_s = max(result.projected_s or 0, run.wall)
                    break
                check_exit(run, f"checker on N={n:,}")
                result.checker.append(run)
                outputs.add(hashlib.sha256(run.stdout).digest())
                if args.baseline_dir is not None:
                    brun = timed(checker_cmd(None, [path], extra), cwd=args.baseline_dir, timeout=remaining())
                    if not brun.timed_out:
                        check_exit(brun, f"baseline checker on N={n:,}")
                        result.baseline.append(brun)
                        result.differs += brun.stdout != run.stdout
                        say(f"  baseline {brun.wall:.2f} s, {brun.rss_kb / 1024:.0f} MB, JSON "
                            f"{'identical' if brun.stdout == run.stdout else 'DIFFERENT'}")
                        brun.stdout = b""
                if i:
                    run.stdout = b""
                say(f"  checker {run.wall:.2f} s, {run.rss_kb / 1024:.0f} MB, exit {run.code}")
                prun = timed([sys.executable, str(BENCH / "floor.py"), "parse", str(path)])
                check_exit(prun, "parse floor")
                result.parse.append(prun.wall)
                if run.wall * FLOORS_SHARE > remaining():
                    say(f"  parse floor {prun.wall:.2f} s; engine floor skipped (budget)")
                    result.notes.append("engine floor skipped in a run: it would have exceeded the budget")
                    continue
                erun = timed([sys.executable, str(BENCH / "floor.py"), "engine", str(path)])
                check_exit(erun, "engine floor")
                result.engine.append(erun.wall)
                result.engine_rss_kb = max(result.engine_rss_kb, erun.rss_kb)
                result.engine_detail = orjson.loads(erun.stdout)
                say(f"  parse floor {prun.wall:.2f} s, engine floor {erun.wall:.2f} s")
            if not result.checker:
                continue
            doc = orjson.loads(result.checker[0].stdout)
            result.summary = doc.get("summary", {})
            codes = sorted({r.code for r in result.checker})
            correctness.append(f"{shape} N={n:,}: {len(result.checker)} run(s), exit code(s) {codes} (0/1 expected, never 2/3); "
                               f"JSON {'byte-identical across runs' if len(outputs) == 1 else 'DIFFERS between runs'}"
                               f"{'' if len(result.checker) > 1 else ' (one run: not compared)'}.")
            if len(outputs) != 1 and len(result.checker) > 1:
                result.notes.append("repeated runs gave different JSON")
            t = result.checker_s
            if previous is not None and n > previous[0]:
                per_prev = previous[1] / previous[0]
                per_now = t / n
                decades = _log10(n / previous[0])
                growth = max(1.0, (per_now / per_prev) ** (1 / decades)) if decades > 0 else growth
            previous = (n, t)
            measured.append((result, path))

        # The reordered-input check, on the largest measured size whose extra checker run fits.
        chosen = None
        for result, path in reversed(measured):
            if result.checker_s * 1.2 + result.n / 200_000 <= remaining() or (result, path) == measured[0]:
                chosen = (result, path)
                break
            correctness.append(f"{shape} N={result.n:,}: the reordered-input check was not run at this size (its extra "
                               f"~{result.checker_s:.0f} s run would exceed the budget); it ran at a smaller size.")
        if chosen is not None:
            result, path = chosen
            with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
                parts = reordered(path, Path(tmp))
                run = timed(checker_cmd(args.cli, parts, extra), cwd=code_dir, timeout=remaining() + 60)
                if run.timed_out:
                    correctness.append(f"{shape} N={result.n:,}: the reordered-input run was stopped at the budget; "
                                       "not compared.")
                    parts = []
            if parts:
                check_exit(run, "checker on the reordered log")
                base = result.checker[0]
                equal = comparable(run.stdout) == comparable(base.stdout)
                identical = run.stdout == base.stdout
                correctness.append(
                    f"{shape} N={result.n:,}{' (largest measured)' if result is measured[-1][0] else ''}: "
                    f"same events in another file order (instants reversed, split "
                    f"into two --events files): findings document {'EQUAL' if equal else 'NOT EQUAL'}"
                    f"{' (byte-identical)' if identical else ''}; exit codes {base.code} and {run.code} "
                    f"({'same' if base.code == run.code else 'DIFFERENT'}); reordered run {run.wall:.2f} s.")
                if not equal:
                    a, b = comparable(base.stdout), comparable(run.stdout)
                    diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
                    correctness.append(f"  differing keys: {diff}")
                say(f"reordered run: {'equal' if equal else 'NOT EQUAL'}")
    for r in results:
        if r.status == "timed out":
            correctness.append(f"{r.shape} N={r.n:,}: the checker run was stopped at the budget after {r.projected_s:.0f} s; "
                               f"run `python bench/run.py --shapes {r.shape} --sizes {r.n} --repeat 1 --budget 0` "
                               "to measure it.")
        if r.status == "projected":
            correctness.append(f"{r.shape} N={r.n:,}: not run (projected {r.projected_s:.0f} s per checker run, from the "
                               f"largest measured size, per-event cost growing {r.growth:.2f}× per 10× events); "
                               f"run `python bench/run.py --shapes {r.shape} --sizes {r.n} --repeat 1 --budget 0` "
                               "to measure it.")

    env = {
        "python": f"Python {platform.python_version()}",
        "cpus": str(os.cpu_count()),
        "platform": platform.platform(terse=True),
        "commit": (f"{git_commit() if args.code is None else f'tree {args.code}'}; code snapshot {fingerprint}"
                   + ("" if args.baseline is None else f"; baseline {args.baseline}")),
        "load": f"{load_before} at start, {_load()} at end",
        "checker": " ".join(["python -m checker" if args.cli is None else args.cli,
                             *checker_cmd(args.cli, [Path("LOG")], extra)[3 if args.cli is None else 1:]]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    report = render(results, cold, correctness, env, time.perf_counter() - started, budget)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("# contract-check scale benchmark\n\n" + report, encoding="utf-8")
    print(report)
    print(f"(written to {args.out})", file=sys.stderr)
    return 0


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _rounded(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in detail.items()}


def _log10(x: float) -> float:
    import math

    return math.log10(x) if x > 0 else 0.0


if __name__ == "__main__":
    sys.exit(main())
