"""Event logs where they live: a real SQLite file, a real Parquet file, a real PostgreSQL server.

The PostgreSQL server is started by these tests (Debian's `postgresql` package: initdb + pg_ctl
in a temporary folder on a free port, as the unprivileged `postgres` user when run as root). The
PostgreSQL tests are skipped only when its binaries are missing and CI is not set; under CI a
missing server fails them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from checker.api import run_check
from checker.errors import CheckError
from checker.read.events import parse_time, read_events
from checker.read.sources import EventSource

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    (ROOT / "contracts" / "openai-microsoft-2019.yaml", ROOT / "examples" / "openai-microsoft-events.jsonl"),
    (ROOT / "contracts" / "helios-larkspur-2023.yaml", ROOT / "examples" / "helios-larkspur-events.jsonl"),
]
CONTRACT, EVENTS = EXAMPLES[0]
LIST_COLUMNS = ("ip", "exempt", "conditions")


def example_rows(path: Path = EVENTS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return columns


def findings(contract: Path, sources: list[str], **options: Any) -> dict[str, Any]:
    doc = run_check(contract, sources, **options).to_json()
    doc.pop("sources", None)
    return doc


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_sqlite(path: Path, rows: list[dict[str, Any]], extra: str = "") -> str:
    """The rows in table `events`: lists in columns declared JSON, integers INTEGER, text TEXT."""
    import sqlite3

    columns = columns_of(rows)

    def declared(column: str) -> str:
        values = [r[column] for r in rows if column in r]
        if any(isinstance(v, (list, dict)) for v in values):
            return "JSON"
        if all(isinstance(v, int) for v in values):
            return "INTEGER"
        return "TEXT"

    spec = ", ".join(f'"{c}" {declared(c)}' + (" PRIMARY KEY" if c == "id" else "") for c in columns)
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE events ({spec}{extra})")
        for row in rows:
            names = ", ".join(f'"{k}"' for k in row)
            conn.execute(f"INSERT INTO events ({names}) VALUES ({', '.join('?' * len(row))})",
                         [json.dumps(v) if isinstance(v, (list, dict)) else v for v in row.values()])
    conn.close()
    return sqlite_url(path)


def sqlite_exec(path: Path, *statements: str) -> None:
    import sqlite3

    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


@pytest.fixture
def example_db(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "events.db"
    return db, make_sqlite(db, example_rows())


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, check=False)


# --- SQLite --------------------------------------------------------------------------------


@pytest.mark.parametrize(("contract", "events"), EXAMPLES, ids=["openai-microsoft", "helios-larkspur"])
def test_sqlite_table_gives_the_findings_of_the_jsonl(tmp_path: Path, contract: Path, events: Path) -> None:
    url = make_sqlite(tmp_path / "events.db", example_rows(events))
    from_table = findings(contract, [url], events_table="events")
    assert from_table == findings(contract, [str(events)])
    assert from_table["findings"]


def test_sqlite_query_reads_its_rows(example_db: tuple[Path, str]) -> None:
    _, url = example_db
    query = "SELECT * FROM events WHERE type <> 'investment' ORDER BY rowid"
    log = read_events([url], query=query)
    expected = [r["id"] for r in example_rows() if r["type"] != "investment"]
    assert [e.id for e in log.events] == expected
    assert log.events[0].file == f"{url} (query)" and log.events[0].line == 1
    assert log.sources == [f"{url} (query)"]
    # A JSON column keeps its type through a query (SQLite declares it only through a view).
    e03 = next(e for e in log.events if e.id == "e03")
    assert e03.fields["ip"] == ["model_weights", "inference_code"]


def test_sqlite_query_keeps_percent_and_colon_literal(example_db: tuple[Path, str]) -> None:
    _, url = example_db
    log = read_events([url], query="SELECT * FROM events WHERE note LIKE '%:%' OR note LIKE '%\\%%' ESCAPE '\\'")
    assert log.events and all(":" in e.fields["note"] or "%" in e.fields["note"] for e in log.events)


def test_sqlite_bad_row_is_named(example_db: tuple[Path, str]) -> None:
    db, url = example_db
    sqlite_exec(db, "UPDATE events SET time = 'yesterday' WHERE id = 'e12'")
    with pytest.raises(CheckError) as caught:
        read_events([url], table="events")
    assert str(caught.value).startswith(f"{url} (table events):row 12: invalid time 'yesterday'")
    assert caught.value.line == 12


def test_sqlite_bad_row_is_skipped_under_lenient(example_db: tuple[Path, str]) -> None:
    db, url = example_db
    sqlite_exec(db, "UPDATE events SET time = 'yesterday' WHERE id = 'e12'")
    log = read_events([url], lenient=True, table="events")
    assert len(log.events) == len(example_rows()) - 1
    [skipped] = log.skipped
    assert (skipped.file, skipped.line) == (f"{url} (table events)", 12)
    assert "invalid time" in skipped.error and skipped.record["id"] == "e12"


def test_sqlite_naive_timestamp_is_refused(example_db: tuple[Path, str]) -> None:
    db, url = example_db
    sqlite_exec(db, "UPDATE events SET time = '2020-05-28 12:00:00' WHERE id = 'e03'")
    with pytest.raises(CheckError, match=r"row 3: time '2020-05-28 12:00:00' has no UTC offset"):
        read_events([url], table="events")


def test_sqlite_missing_table_lists_the_tables(example_db: tuple[Path, str]) -> None:
    _, url = example_db
    with pytest.raises(CheckError, match=r"no table 'event' in the database \(tables: events\)"):
        read_events([url], table="event")


def test_sqlite_missing_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(CheckError, match="database file not found"):
        read_events([sqlite_url(missing)], table="events")
    assert not missing.exists()


def test_sqlite_is_read_only(example_db: tuple[Path, str]) -> None:
    db, url = example_db
    with pytest.raises(CheckError, match="the query must be a SELECT"):
        read_events([url], query="DELETE FROM events RETURNING *")
    with pytest.raises(CheckError, match="readonly"):
        read_events([url], query="/* sneaky */ WITH x AS (SELECT 1) INSERT INTO events (id) SELECT 'z' FROM x RETURNING *")
    assert len(read_events([url], table="events").events) == len(example_rows())


def test_sqlite_numbers_are_exact_and_floats_only_when_short(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    sqlite_exec(db, "CREATE TABLE events (id TEXT, time TEXT, type TEXT, actor TEXT, amount_usd NUMERIC, "
                    "fee_usd TEXT, ratio REAL, flag BOOLEAN)",
                "INSERT INTO events VALUES ('a', '2024-01-01', 'payment', 'x', '12.50', '0.10', 0.1, 1)",
                "INSERT INTO events VALUES ('b', '2024-01-02', 'payment', 'x', 3, '123456789012345678901234567890.12345', "
                "0.1 + 0.2, 0)")
    url = sqlite_url(db)
    log = read_events([url], lenient=True, table="events")
    [a] = log.events
    # SQLite's NUMERIC affinity stores 12.50 as a REAL: read back as the exact decimal it was.
    assert a.fields["amount_usd"] == Decimal("12.5") and type(a.fields["amount_usd"]) is Decimal
    assert a.fields["fee_usd"] == Decimal("0.10")
    assert a.fields["ratio"] == Decimal("0.1") and type(a.fields["ratio"]) is Decimal
    assert a.fields["flag"] is True
    [b] = log.skipped
    assert b.line == 2 and "column 'ratio'" in b.error and "0.30000000000000004" in b.error
    assert b.record["id"] == "b"


def test_sqlite_text_gets_the_checks_of_json_text(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    sqlite_exec(db, 'CREATE TABLE events (id TEXT, time TEXT, type TEXT, actor TEXT, note TEXT, amount_usd INTEGER, '
                    '"bad\x1bname" TEXT)',
                "INSERT INTO events VALUES ('a', '2024-01-01', 't', 'x', 'fine', 1, NULL)",
                "INSERT INTO events VALUES ('b', '2024-01-01', 't', 'x', 'ring' || char(7), 1, NULL)",
                "INSERT INTO events VALUES ('c', '2024-01-01', 't', 'x', 'ok', -5, NULL)",
                f"INSERT INTO events VALUES ('d', '2024-01-01', 't', 'x', '{'y' * (1024 * 1024 + 1)}', 1, NULL)",
                "INSERT INTO events VALUES ('e', '2024-01-01', 't', 'x', 'ok', 1, 'v')")
    log = read_events([sqlite_url(db)], lenient=True, table="events")
    assert [e.id for e in log.events] == ["a"]
    errors = {s.line: s.error for s in log.skipped}
    assert "control character U+0007" in errors[2]
    assert "'amount_usd' must not be negative" in errors[3]
    assert "characters long" in errors[4]
    assert "field name contains control character U+001B" in errors[5]
    # A skipped row keeps its id and type, so the verdicts it may touch are marked, not all.
    assert all(s.record["id"] and s.record["type"] == "t" for s in log.skipped)


def test_sqlite_blob_column_is_refused_even_under_lenient(example_db: tuple[Path, str]) -> None:
    db, url = example_db
    sqlite_exec(db, "ALTER TABLE events ADD COLUMN attachment BLOB", "UPDATE events SET attachment = x'00ff' WHERE id='e05'")
    with pytest.raises(CheckError, match=r"\(table events\):row 5: column 'attachment' holds binary data"):
        read_events([url], lenient=True, table="events")


def test_duplicate_id_across_a_file_and_a_table(example_db: tuple[Path, str]) -> None:
    _, url = example_db
    with pytest.raises(CheckError, match=r"\(table events\):row 1: duplicate event id 'e01' \(first at .*events.jsonl:1\)"):
        read_events([str(EVENTS), url], table="events")


def test_duplicate_column_names_in_a_query(example_db: tuple[Path, str]) -> None:
    _, url = example_db
    with pytest.raises(CheckError, match="two columns are named 'id'"):
        read_events([url], query="SELECT *, id FROM events")


def test_options_are_checked() -> None:
    with pytest.raises(CheckError, match="not both"):
        read_events(["sqlite:///x.db"], table="t", query="SELECT 1")
    with pytest.raises(CheckError, match="needs --events-table"):
        read_events(["sqlite:///x.db"])
    with pytest.raises(CheckError, match="need a database URL"):
        read_events([str(EVENTS)], table="events")
    with pytest.raises(CheckError, match="apply to a database URL"):
        read_events([EventSource(str(EVENTS), table="events")])
    with pytest.raises(CheckError, match="not a database SQLAlchemy knows"):
        read_events(["nosuchdb://host/db"], table="events")
    with pytest.raises(CheckError, match=r"driver for postgresql\+psycopg2 is not installed|cannot connect"):
        read_events(["postgresql+psycopg2://u:secret@127.0.0.1:1/db"], table="events")


def test_event_source_carries_its_own_table(example_db: tuple[Path, str], tmp_path: Path) -> None:
    _, url = example_db
    other = make_sqlite(tmp_path / "other.db", [{"id": "z1", "time": "2024-01-01", "type": "note", "actor": "openai"}])
    log = read_events([EventSource(url, table="events"), EventSource(other, query="SELECT * FROM events")])
    assert [e.id for e in log.events][-1] == "z1" and len(log.events) == len(example_rows()) + 1


def test_a_password_never_reaches_a_message() -> None:
    for url in ("mysql+nosuchdriver://user:hunter2@localhost/db", "nosuchdb://host/db?user=u&password=hunter2",
                "postgresql://u:hunter2@[bad"):
        with pytest.raises(CheckError) as caught:
            read_events([url], table="events")
        assert "hunter2" not in str(caught.value) and "***" in str(caught.value), str(caught.value)


# --- the command line ----------------------------------------------------------------------


def test_cli_table_and_exit_codes(example_db: tuple[Path, str], tmp_path: Path) -> None:
    db, url = example_db
    as_json = cli("check", "--contract", str(CONTRACT), "--events-table", "events", "--events", url, "--format", "json")
    assert as_json.returncode == 1, as_json.stderr  # the example has breaches
    plain = cli("check", "--contract", str(CONTRACT), "--events", str(EVENTS), "--format", "json")
    assert json.loads(as_json.stdout) == json.loads(plain.stdout)

    query = cli("check", "--contract", str(CONTRACT), "--events", url, "--events-query",
                "SELECT * FROM events WHERE time < '2021-01-01'", "--fail-on", "never")
    assert query.returncode == 0, query.stderr

    missing = cli("check", "--contract", str(CONTRACT), "--events", url, "--events-table", "nope")
    assert missing.returncode == 2 and "no table 'nope'" in missing.stderr and "Traceback" not in missing.stderr

    for args, said in [
        (["--events", url], "needs --events-table"),
        (["--events", url, "--events-query", "SELECT * FORM events"], "the query failed"),
        (["--events", "sqlite:///" + str(tmp_path / "none.db"), "--events-table", "events"], "database file not found"),
        (["--events", "foo://bar", "--events-table", "events"], "not a database SQLAlchemy knows"),
        (["--events", str(EVENTS), "--events-table", "events"], "apply to a database URL"),
    ]:
        run = cli("check", "--contract", str(CONTRACT), *args)
        assert run.returncode == 2 and said in run.stderr and "Traceback" not in run.stderr, (args, run.stderr)

    sqlite_exec(db, "UPDATE events SET time = 'yesterday' WHERE id = 'e12'")
    bad = cli("check", "--contract", str(CONTRACT), "--events", url, "--events-table", "events")
    assert bad.returncode == 2 and f"{url} (table events):row 12: invalid time 'yesterday'" in bad.stderr
    lenient = cli("check", "--contract", str(CONTRACT), "--events", url, "--events-table", "events", "--lenient",
                  "--fail-on", "never")
    assert lenient.returncode == 0 and "(table events):12" in lenient.stderr


def test_a_jsonl_run_does_not_import_the_database_or_parquet_libraries() -> None:
    code = ("import sys; from checker.cli import main; main(['check', '--contract', sys.argv[1], '--events', sys.argv[2], "
            "'--fail-on', 'never']); print(sorted(m for m in ('sqlalchemy', 'pyarrow', 'psycopg') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code, str(CONTRACT), str(EVENTS)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


# --- Parquet -------------------------------------------------------------------------------


def write_parquet(path: Path, rows: list[dict[str, Any]], types: dict[str, Any] | None = None) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = dict(types or {})
    columns = columns_of(rows)
    arrays = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        kind = types.get(column)
        if kind is None:
            if column == "time":
                kind = pa.timestamp("us", tz="UTC")
            elif column in LIST_COLUMNS:
                kind = pa.list_(pa.string())
            elif all(isinstance(v, int) for v in values if v is not None):
                # Integer amounts as exact decimals; decimal strings ("2.10") stay strings as in the
                # JSON (a decimal column would show its own scale: decimal(38, 6) reads 2.100000).
                kind = pa.decimal128(38, 0) if column.endswith("_usd") else pa.int64()
            else:
                kind = pa.string()
        if column == "time" and pa.types.is_timestamp(kind):
            values = [None if v is None else parse_time(v) if kind.tz else parse_time(v).replace(tzinfo=None)
                      for v in values]
        elif pa.types.is_decimal(kind):
            values = [None if v is None else Decimal(str(v)) for v in values]
        arrays[column] = pa.array(values, kind)
    pq.write_table(pa.table(arrays), path)
    return path


@pytest.mark.parametrize(("contract", "events"), EXAMPLES, ids=["openai-microsoft", "helios-larkspur"])
def test_parquet_gives_the_findings_of_the_jsonl(tmp_path: Path, contract: Path, events: Path) -> None:
    path = write_parquet(tmp_path / "events.parquet", example_rows(events))
    assert findings(contract, [str(path)]) == findings(contract, [str(events)])


def test_parquet_bad_row_and_lenient(tmp_path: Path) -> None:
    rows = example_rows()
    rows[11]["type"] = "Not Snake"
    path = str(write_parquet(tmp_path / "events.parquet", rows))
    with pytest.raises(CheckError) as caught:
        read_events([path])
    assert str(caught.value) == f"{path}:row 12: 'type' must be snake_case, got 'Not Snake'"
    log = read_events([path], lenient=True)
    assert [(s.file, s.line) for s in log.skipped] == [(path, 12)] and len(log.events) == len(rows) - 1


def test_parquet_values_keep_their_type(tmp_path: Path) -> None:
    import pyarrow as pa

    rows = [
        {"id": "a", "time": "2024-01-01T10:00:00.123456+02:00", "type": "payment", "actor": "x",
         "amount_usd": "12345678901234567890.12345678901234567890", "ratio": 0.1, "when": dt.date(2024, 2, 29),
         "tags": ["a", None], "meta": json.dumps({"rate": 1.10, "n": [1, 2]}), "ok": True, "big": 2**62},
        {"id": "b", "time": "2024-01-02", "type": "payment", "actor": "x", "amount_usd": "1", "ratio": 0.1 + 0.2,
         "when": None, "tags": None, "meta": None, "ok": None, "big": None},
    ]
    path = str(write_parquet(tmp_path / "t.parquet", rows, {
        "amount_usd": pa.decimal256(40, 20), "ratio": pa.float64(), "when": pa.date32(), "meta": pa.json_(),
        "ok": pa.bool_(), "big": pa.int64(), "tags": pa.list_(pa.string()),
    }))
    log = read_events([path], lenient=True)
    [a] = log.events
    assert a.time == dt.datetime(2024, 1, 1, 8, 0, 0, 123456, tzinfo=dt.UTC)
    assert a.fields["amount_usd"] == Decimal("12345678901234567890.12345678901234567890")
    assert a.fields["ratio"] == Decimal("0.1") and type(a.fields["ratio"]) is Decimal
    assert a.fields["when"] == "2024-02-29"
    assert a.fields["tags"] == ["a", None]
    assert a.fields["meta"] == {"rate": Decimal("1.1"), "n": [1, 2]}
    assert a.fields["ok"] is True and a.fields["big"] == 2**62
    [b] = log.skipped
    assert b.line == 2 and "column 'ratio'" in b.error and "0.30000000000000004" in b.error


def test_parquet_float32_reads_its_short_decimal(tmp_path: Path) -> None:
    import pyarrow as pa

    rows = [{"id": "a", "time": "2024-01-01", "type": "t", "actor": "x", "rate": 0.1}]
    path = str(write_parquet(tmp_path / "f.parquet", rows, {"rate": pa.float32()}))
    [a] = read_events([path]).events
    assert a.fields["rate"] == Decimal("0.1")


def test_parquet_naive_timestamp_is_refused(tmp_path: Path) -> None:
    import pyarrow as pa

    path = str(write_parquet(tmp_path / "naive.parquet", example_rows()[:3], {"time": pa.timestamp("us")}))
    with pytest.raises(CheckError, match=r"naive.parquet:row 1: column 'time': a timestamp without time zone"):
        read_events([path])


def test_parquet_nanoseconds_are_refused_not_truncated(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "ns.parquet"
    table = pa.table({"id": ["a", "b"], "type": ["t", "t"], "actor": ["x", "x"],
                      "time": pa.array([1_700_000_000_000_000_000, 1_700_000_000_000_000_001], pa.timestamp("ns", tz="UTC"))})
    pq.write_table(table, path)
    log = read_events([str(path)], lenient=True)
    assert [e.id for e in log.events] == ["a"]
    assert log.skipped[0].line == 2 and "nanoseconds" in log.skipped[0].error


def test_parquet_unsupported_column_and_not_parquet(tmp_path: Path) -> None:
    import pyarrow as pa

    path = str(write_parquet(tmp_path / "b.parquet", example_rows()[:2], {"note": pa.binary()}))
    with pytest.raises(CheckError, match=r"b.parquet: column 'note' has the type binary.*UTF-8 string"):
        read_events([path], lenient=True)
    fake = tmp_path / "fake.parquet"
    fake.write_text('{"id": "a"}\n')
    with pytest.raises(CheckError, match="not a readable Parquet file"):
        read_events([str(fake)])
    with pytest.raises(CheckError, match="file not found"):
        read_events([str(tmp_path / "none.parquet")])


def test_parquet_is_streamed_in_batches(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    rows = [{"id": f"e{i}", "time": "2024-01-01", "type": "tick", "actor": "x", "n": i} for i in range(5000)]
    rows[4321]["time"] = "2024-13-01"
    path = tmp_path / "many.parquet"
    write_parquet(path, [{**r, "time": "2024-01-01"} for r in rows])
    # Rewrite with the bad time as text so the error comes from the row, not the column type.
    import pyarrow as pa

    table = pq.read_table(path).set_column(1, "time", pa.array([r["time"] for r in rows]))
    pq.write_table(table, path, row_group_size=1000)
    with pytest.raises(CheckError, match=r"many.parquet:row 4322: invalid time '2024-13-01'"):
        read_events([str(path)])


def test_cli_parquet(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "events.parquet", example_rows())
    run = cli("check", "--contract", str(CONTRACT), "--events", str(path), "--format", "json")
    plain = cli("check", "--contract", str(CONTRACT), "--events", str(EVENTS), "--format", "json")
    assert run.returncode == 1 and json.loads(run.stdout) == json.loads(plain.stdout)


# --- PostgreSQL ----------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
                      if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A PostgreSQL server of its own; yields its URL (database `postgres`, trust authentication)."""
    binaries = postgres_bin()
    missing = binaries is None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        message = "PostgreSQL (apt-get install postgresql) or psycopg (pip install 'psycopg[binary]') is missing"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {message}")
        pytest.skip(message)
    assert binaries is not None
    # As root, in /tmp itself: the server's user must reach the folder (TMPDIR may be root's own).
    folder = Path(tempfile.mkdtemp(prefix="contract-check-pg-", dir="/tmp" if os.geteuid() == 0 else None))
    as_user: dict[str, Any] = {}
    if os.geteuid() == 0:  # the server refuses to run as root: run it as an unprivileged user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            user = pwd.getpwnam("nobody")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "TZ": "UTC"}

    def run(*args: str) -> None:
        done = subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False,
                              **as_user)
        if done.returncode != 0:
            log = folder / "server.log"
            raise RuntimeError(f"{' '.join(args)} failed: {done.stdout}{done.stderr}"
                               + (log.read_text() if log.exists() else ""))

    data = folder / "data"
    port = free_port()
    run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    try:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "60", "-o",
            f"-p {port} -h 127.0.0.1 -k {folder} -c fsync=off -c full_page_writes=off", "start")
        yield f"postgresql://postgres:not-a-secret@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], cwd=folder, env=env,
                       capture_output=True, timeout=60, check=False, **as_user)
        shutil.rmtree(folder, ignore_errors=True)


def pg_exec(url: str, *statements: str, rows: list[tuple[Any, ...]] | None = None, insert: str = "") -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        for statement in statements:
            conn.execute(statement)
        if rows:
            with conn.cursor() as cursor:
                cursor.executemany(insert, rows)


def load_postgres(url: str, table: str, rows: list[dict[str, Any]]) -> None:
    """The rows as PostgreSQL types: timestamptz times, NUMERIC amounts, text[] lists."""
    columns = columns_of(rows)

    def declared(column: str) -> str:
        if column == "id":
            return "text PRIMARY KEY"
        if column == "time":
            return "timestamptz NOT NULL"
        if column.endswith("_usd"):
            return "numeric"
        if column in LIST_COLUMNS:
            return "text[]"
        values = [r[column] for r in rows if column in r]
        return "integer" if all(isinstance(v, int) for v in values) else "text"

    def value(column: str, v: Any) -> Any:
        if v is None:
            return None
        if column == "time":
            return parse_time(v)
        if column.endswith("_usd"):
            return Decimal(str(v))
        return v

    spec = ", ".join(f'"{c}" {declared(c)}' for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    pg_exec(url, f'DROP TABLE IF EXISTS {table}', f"CREATE TABLE {table} ({spec})",
            rows=[tuple(value(c, r.get(c)) for c in columns) for r in rows],
            insert=f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})")


@pytest.mark.parametrize(("contract", "events"), EXAMPLES, ids=["openai-microsoft", "helios-larkspur"])
def test_postgres_table_gives_the_findings_of_the_jsonl(postgres: str, contract: Path, events: Path) -> None:
    table = "events_" + events.stem.split("-")[0]
    load_postgres(postgres, table, example_rows(events))
    assert findings(contract, [postgres], events_table=table) == findings(contract, [str(events)])


def test_postgres_query_schema_and_password(postgres: str) -> None:
    load_postgres(postgres, "events_q", example_rows())
    pg_exec(postgres, "CREATE SCHEMA IF NOT EXISTS audit", "DROP TABLE IF EXISTS audit.log",
            "CREATE TABLE audit.log AS SELECT * FROM events_q WHERE type = 'investment'")
    log = read_events([postgres], query="SELECT * FROM events_q WHERE type = 'investment' AND note LIKE '%bn%' ORDER BY time")
    assert log.events and all(e.type == "investment" for e in log.events)
    assert "not-a-secret" not in log.events[0].file and log.events[0].file.endswith("(query)")
    assert [e.id for e in read_events([postgres], table="audit.log").events] == \
        [r["id"] for r in example_rows() if r["type"] == "investment"]


def test_postgres_types(postgres: str) -> None:
    pg_exec(postgres, "DROP TABLE IF EXISTS typed", """
        CREATE TABLE typed (id text PRIMARY KEY, time timestamptz, type text, actor text,
            amount_usd numeric(50, 20), count bigint, rate double precision, share real, ok boolean,
            tags text[], amounts numeric[], meta jsonb, raw json, day date, stamp timestamp)""",
            """INSERT INTO typed VALUES ('a', '2024-03-01 10:00:00.654321+01', 'payment', 'x',
                 12345678901234567890.12345678901234567890, 9007199254740993, 0.1, 0.1, true,
                 '{a,b}', '{1.10,2}', '{"rate": 1.10, "list": [1, 2.5]}', '{"k": 1, "k": 2}', '2024-02-29', NULL)""",
            """INSERT INTO typed VALUES ('b', '2024-03-02T00:00:00Z', 'payment', 'x', 1, 1, 0.1::float8 + 0.2::float8, 1, false,
                 NULL, NULL, NULL, NULL, NULL, '2024-03-02 12:00:00')""")
    log = read_events([postgres], query="SELECT id, time, type, actor, amount_usd, count, rate, share, ok, tags, "
                                        "amounts, meta, day FROM typed WHERE id = 'a'")
    [a] = log.events
    assert a.time == dt.datetime(2024, 3, 1, 9, 0, 0, 654321, tzinfo=dt.UTC)
    assert a.fields["amount_usd"] == Decimal("12345678901234567890.12345678901234567890")
    assert a.fields["count"] == 9007199254740993 and type(a.fields["count"]) is int
    assert a.fields["rate"] == Decimal("0.1") and a.fields["share"] == Decimal("0.1")
    assert a.fields["ok"] is True and a.fields["tags"] == ["a", "b"]
    assert a.fields["amounts"] == [Decimal("1.10"), Decimal("2")]
    assert a.fields["meta"] == {"rate": Decimal("1.10"), "list": [1, Decimal("2.5")]}
    assert a.fields["day"] == "2024-02-29"

    with pytest.raises(CheckError) as caught:
        read_events([postgres], table="typed")
    message = str(caught.value)
    assert "(table typed):row 1: duplicate key 'k'" in message

    no_raw = read_events([postgres], lenient=True, query="SELECT id, time, type, actor, rate, stamp FROM typed ORDER BY id")
    assert [e.id for e in no_raw.events] == ["a"]
    [b] = no_raw.skipped
    assert b.line == 2 and "0.30000000000000004" in b.error  # the first bad column is named
    naive = read_events([postgres], lenient=True, query="SELECT id, time, type, actor, stamp FROM typed ORDER BY id")
    [nb] = naive.skipped
    assert nb.line == 2 and "column 'stamp': a timestamp without time zone" in nb.error


def test_postgres_naive_time_column_is_refused(postgres: str) -> None:
    pg_exec(postgres, "DROP TABLE IF EXISTS naive",
            "CREATE TABLE naive (id text, time timestamp, type text, actor text)",
            "INSERT INTO naive VALUES ('a', '2024-01-01 12:00', 't', 'x')")
    with pytest.raises(CheckError, match=r"\(table naive\):row 1: column 'time': a timestamp without time zone"):
        read_events([postgres], table="naive")


def test_postgres_errors(postgres: str) -> None:
    load_postgres(postgres, "events_e", example_rows())
    with pytest.raises(CheckError, match=r"no table 'nope' in the database \(tables: .*events_e"):
        read_events([postgres], table="nope")
    with pytest.raises(CheckError, match=r"\(query\): the query failed: .*syntax error"):
        read_events([postgres], query="SELECT * FORM events_e")
    with pytest.raises(CheckError, match=r"\(query\): the query must be a SELECT"):
        read_events([postgres], query="DELETE FROM events_e RETURNING *")
    with pytest.raises(CheckError, match=r"the query failed: .*(read-only transaction|data-modifying)"):
        read_events([postgres], query="WITH gone AS (DELETE FROM events_e RETURNING *) SELECT * FROM gone")
    assert len(read_events([postgres], table="events_e").events) == len(example_rows())
    [probe] = read_events([postgres], query="SELECT 'a' AS id, now() AS time, 't' AS type, 'x' AS actor, "
                                            "current_setting('transaction_read_only') AS read_only").events
    assert probe.fields["read_only"] == "on"
    pg_exec(postgres, "DROP TABLE IF EXISTS blobs",
            "CREATE TABLE blobs (id text, time timestamptz, type text, actor text, b bytea)",
            "INSERT INTO blobs VALUES ('a', now(), 't', 'x', '\\x00')")
    with pytest.raises(CheckError, match=r"row 1: column 'b' holds binary data"):
        read_events([postgres], lenient=True, table="blobs")
    bad_port = postgres.rsplit(":", 1)[0] + f":{free_port()}/postgres"
    with pytest.raises(CheckError, match="cannot connect to the database") as caught:
        read_events([bad_port], table="events_e")
    assert "not-a-secret" not in str(caught.value)


def test_postgres_streams_many_rows_with_row_numbers(postgres: str) -> None:
    pg_exec(postgres, "DROP TABLE IF EXISTS many",
            "CREATE TABLE many (n integer PRIMARY KEY, id text, time text, type text, actor text)",
            "INSERT INTO many SELECT n, 'e' || n, CASE WHEN n = 4500 THEN 'soon' ELSE '2024-01-01' END, 'tick', 'x' "
            "FROM generate_series(1, 5000) AS n")
    with pytest.raises(CheckError, match=r"\(table many\):row 4500: invalid time 'soon'"):
        read_events([postgres], table="many")
    log = read_events([postgres], lenient=True, table="many")
    assert len(log.events) == 4999 and log.events[-1].id == "e5000"


def test_cli_postgres(postgres: str) -> None:
    load_postgres(postgres, "events_cli", example_rows())
    run = cli("check", "--contract", str(CONTRACT), "--events", postgres, "--events-table", "events_cli", "--format", "json")
    plain = cli("check", "--contract", str(CONTRACT), "--events", str(EVENTS), "--format", "json")
    assert run.returncode == 1, run.stderr
    assert json.loads(run.stdout) == json.loads(plain.stdout)
    missing = cli("check", "--contract", str(CONTRACT), "--events", postgres, "--events-table", "absent")
    assert missing.returncode == 2 and "no table 'absent'" in missing.stderr and "not-a-secret" not in missing.stderr
