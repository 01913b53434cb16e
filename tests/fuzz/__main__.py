"""`python -m tests.fuzz`: fuzz for N minutes, replay or minimise saved findings (see __init__)."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from .driver import Budget, check_case, load_case, minimise, save_failure
from .strategies import Case, cases


def fuzz(minutes: float, out: Path, budget: Budget, isolate: bool, seed: int | None, per_round: int) -> int:
    rng = random.Random(seed)
    deadline = time.monotonic() + minutes * 60
    found: dict[str, list[Path]] = defaultdict(list)
    totals = {"cases": 0, "runs": 0, "failing": 0, "generator errors": 0}

    def explore(round_seed: int) -> None:
        @hypothesis_seed(round_seed)
        @settings(max_examples=per_round, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=cases())
        def body(case: Case) -> None:
            if time.monotonic() > deadline:
                return
            outcome = check_case(case, budget, isolate)
            totals["cases"] += 1
            totals["runs"] += len(outcome.runs)
            if outcome.problems:
                totals["failing"] += 1
                folder = save_failure(case, outcome, out, seed=round_seed)
                for kind in dict.fromkeys(p.kind for p in outcome.problems):
                    found[kind].append(folder)

        try:
            body()
        except Exception as exc:  # a bug of the strategies must not end a long run: count it, go on
            totals["generator errors"] += 1
            print(f"error while generating a case (seed {round_seed}): {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)

    started = time.monotonic()
    while time.monotonic() < deadline:
        round_seed = rng.randrange(2**32)
        explore(round_seed)
        print(f"[{(time.monotonic() - started) / 60:5.1f} min] {totals['cases']} cases, {totals['runs']} runs, "
              f"{totals['failing']} failing, {len(found)} classes", file=sys.stderr, flush=True)
    print(f"\n{totals['cases']} cases ({totals['runs']} runs) in {(time.monotonic() - started) / 60:.1f} min; "
          f"{totals['failing']} failing inputs written to {out}/")
    if totals["generator errors"]:
        print(f"  ({totals['generator errors']} rounds ended early on an error of the strategies themselves)")
    for kind, folders in sorted(found.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(folders):5d}  {kind}\n         e.g. {folders[0]}")
    return 1 if found else 0


def replay(folders: list[Path], budget: Budget, isolate: bool) -> int:
    failed = 0
    for folder in folders:
        case = load_case(folder)
        outcome = check_case(case, budget, isolate)
        status = "FAIL" if outcome.problems else "ok"
        failed += bool(outcome.problems)
        print(f"{status:4} {folder}")
        for p in outcome.problems:
            print(f"     [{p.run}] {p.kind}")
    return 1 if failed else 0


def shrink(folders: list[Path], budget: Budget, isolate: bool) -> int:
    for folder in folders:
        case = load_case(folder)
        outcome = check_case(case, budget, isolate)
        if not outcome.problems:
            print(f"{folder}: no longer fails")
            continue
        kind = outcome.problems[0].kind
        small = minimise(case, kind, budget, isolate, log=print)
        final = check_case(small, budget, isolate)
        target = folder.parent / (folder.name + "-min")
        if target.exists():
            import shutil

            shutil.rmtree(target)
        small.notes = ["(minimised from the input these mutations built)", *small.notes]
        save_failure(small, final, target.parent, folder=target)
        print(f"{folder}: {kind}\n  → {target}")
        for name in small.events:
            data = small.stdin if name == "-" else small.files.get(name, b"")
            print(f"  {name}:\n    " + (data or b"").decode("utf-8", "backslashreplace").rstrip("\n").replace("\n", "\n    "))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to fuzz (default 10)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"), help="folder for failing inputs")
    parser.add_argument("--seed", type=int, help="seed of the sequence of rounds (default: random)")
    parser.add_argument("--examples-per-round", type=int, default=20)
    parser.add_argument("--budget-seconds", type=float, default=20.0)
    parser.add_argument("--budget-mb", type=float, default=500.0)
    parser.add_argument("--in-process", action="store_true", help="run main() in this process, not in a fork")
    parser.add_argument("--replay", nargs="+", type=Path, metavar="DIR", help="rerun saved findings")
    parser.add_argument("--minimise", "--minimize", nargs="+", type=Path, metavar="DIR",
                        help="shrink saved findings to DIR-min")
    args = parser.parse_args(argv)
    budget = Budget(seconds=args.budget_seconds, memory_mb=args.budget_mb)
    isolate = not args.in_process
    if args.replay:
        return replay(args.replay, budget, isolate)
    if args.minimise:
        return shrink(args.minimise, budget, isolate)
    return fuzz(args.minutes, args.out, budget, isolate, args.seed, args.examples_per_round)


if __name__ == "__main__":
    sys.exit(main())
