"""A fuzzer for `contract-check check`: hostile inputs built from the bundled examples.

Property (checked on every run, see tests/fuzz/driver.py): the checker either exits 0 or 1 with a
report that reconciles — JSON summary counts equal the findings' verdicts; every event of the log
is cited by a finding or listed exactly once as uncovered, out of term or after the as-of time
(or is a line --lenient skipped); finding ids are unique; the exit code agrees with --fail-on;
other formats exit the same way, are well formed, and the text and Markdown reports print no raw
control or bidirectional characters — or it exits 2 with nothing on stdout and stderr starting
`contract-check: error: FILE:LINE[:COL]: message` naming one of the inputs. Never an exception
escaping `main()`, a traceback, exit 3, nor a run over its time (20 s) or memory (500 MB peak RSS
growth) budget.

Inputs (tests/fuzz/strategies.py): event logs (.jsonl/.json/.csv/stdin) with mixed types in
every field, integers above 64 bits, huge exponents, NaN, sub-second times and offsets, dates near
1900 and 9999, control/bidi characters, CR/LF in ids and names, deep nesting, sizes at and past
every limit of checker/limits.py, missing correlation fields, duplicate ids, dangling refs, byte
damage; mutated contracts, rule templates (run with --rules) and waivers; YAML oddities
(%YAML/%TAG directives, anchors/aliases, tags, huge integers, tabs, BOM, CRLF, size limit).

Usage:

    # the bounded run (fixed seed, well under 60 s) is part of the test suite
    python -m pytest tests/test_fuzz.py

    # a longer run: random seeds until the time is up; every failing input is written to
    # fuzz-findings/NNNN-<class>/ (files/, case.json, problems.txt with the command to rerun it,
    # runs.json); prints a summary by failure class and exits 1 if anything was found
    python -m tests.fuzz --minutes 10 [--out fuzz-findings] [--seed N]
                         [--budget-seconds 20] [--budget-mb 500] [--in-process]

    # rerun saved findings, or shrink them (events, fields, clauses, options) to a minimal
    # input that still shows the same failure class (written to DIR-min/)
    python -m tests.fuzz --replay fuzz-findings/0001-*
    python -m tests.fuzz --minimise fuzz-findings/0001-*

Each run calls `checker.cli.main(argv)` in a forked copy of the test process (stdout/stderr
redirected into StringIO, cwd a temp dir holding the case's files): no interpreter start-up, but
durable-rules' memory, which is never freed per ruleset, stays out of the fuzzing process, a run
stuck in C code can be killed, and wait4() gives its exact peak RSS. `--in-process` runs in the
fuzzing process itself instead (memory growth then only measured when a run sets a new peak).
"""
