"""Faults and abuse: a build killed mid-run recovers, concurrent runs and loads take turns
under the writer lock without duplicating anything, and secrets never leak."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warehouse_queries import query, scalar

from flows.engine import Target, project_root, writer_lock
from flows.generate import generate
from flows.load import load_files
from flows.pipeline import build, incoming_files, replay

SHOPLOG = str(Path(sys.executable).with_name("shoplog"))

# A secret committed as a quoted literal anywhere, or as a bare value in a config file
# (templated values such as "{{ env_var('PGPASSWORD') }}" are how secrets arrive instead).
SECRET_NAMES = r"(password|passwd|secret|token|api_key)"
QUOTED_LITERAL = re.compile(
    rf"""{SECRET_NAMES}\w*["']?\s*[:=]\s*["'][^"'{{}}\s]{{4,}}["']""", re.IGNORECASE
)
CONFIG_VALUE = re.compile(rf"""^\s*{SECRET_NAMES}\s*:\s*(?!["']?\{{\{{)\S{{4,}}""", re.IGNORECASE)


@pytest.mark.slow
def test_a_build_killed_mid_run_recovers_and_replay_verifies(tmp_path: Path) -> None:
    files = tmp_path / "files"
    generate(files, seed=31, events=20_000, days=5, defect_rate=0.03)
    target = Target("duckdb", duckdb_path=tmp_path / "w.duckdb")
    load_files(target, incoming_files(files))
    build(target)

    env = {
        **os.environ,
        "SHOPLOG_DUCKDB_PATH": str(target.duckdb_path),
        "SHOPLOG_TARGET": "duckdb",
    }
    victim = subprocess.Popen(
        [SHOPLOG, "build", "--full-refresh"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    # Wait until dbt is writing models, then kill the whole process group without warning.
    assert victim.stderr is not None
    deadline = time.monotonic() + 120
    for line in victim.stderr:
        if "START sql" in line or time.monotonic() > deadline:
            break
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL

    build(target)  # the next run recovers (DuckDB replays its WAL; dbt rebuilds)
    report = replay(target)
    assert report.before and report.differences == []


RAW_TABLES = ("web_events", "shopify_orders", "braintree_transactions")

# The key of every table a duplicated batch (or a build racing another) would double.
TABLE_KEYS = {
    "staging.stg_web__events": "event_id",
    "staging.stg_shopify__orders": "order_id",
    "staging.stg_shopify__order_versions": "order_id, updated_at",
    "staging.stg_braintree__transactions": "transaction_id",
    "marts.fct_orders": "order_key",
    "marts.fct_order_lines": "order_line_key",
    "marts.dim_customers": "customer_key",
    "marts.dim_customer_identifiers": "identifier_type, identifier_value",
    "marts.fct_daily_revenue": "revenue_date, channel, currency",
    "marts.fct_sessions": "session_key",
    "marts.fct_funnel": "funnel_date",
    "marts.fct_events_live": "event_id",
}


def engine_target(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """A fresh, empty warehouse: a DuckDB file in tmp_path, or a new PostgreSQL database."""
    if engine == "duckdb":
        return Target("duckdb", duckdb_path=tmp_path / "warehouse.duckdb")
    return request.getfixturevalue("pg_target")


def cli_env(target: Target, data_dir: Path) -> dict[str, str]:
    """The environment of a `shoplog` process writing this warehouse (locks under data_dir)."""
    return {**os.environ, **target.dbt_env(), "SHOPLOG_DATA_DIR": str(data_dir)}


def file_records(path: Path) -> int:
    """The records the loader keeps from a source file: its lines, less a CSV header."""
    data = path.read_bytes()
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    return lines - 1 if path.name.endswith(".csv") else lines


def assert_each_file_loaded_once(target: Target, files: list[Path]) -> None:
    """One batch per file, each holding exactly the file's records once, and nothing else."""
    batches = query(target, "select source_file, file_sha256, rows from raw._load_batches")
    assert sorted(b[0] for b in batches) == sorted(str(f) for f in files)
    assert len({b[1] for b in batches}) == len(batches)
    assert {b[0]: b[2] for b in batches} == {str(f): file_records(f) for f in files}
    for table in RAW_TABLES:
        expected = sum(file_records(f) for f in files if f.name.startswith(table))
        assert scalar(target, f"select count(*) from raw.{table}") == expected
        # no (batch, line) twice, and every row belongs to a batch of the log
        assert query(
            target,
            f"select count(*), count(distinct r._batch_id * 10000000 + r._line_number), "
            f"count(b.batch_id) from raw.{table} r "
            "left join raw._load_batches b on b.batch_id = r._batch_id",
        ) == [(expected, expected, expected)]


def assert_no_duplicate_keys(target: Target) -> None:
    for table, key in TABLE_KEYS.items():
        duplicated = scalar(
            target,
            f"select count(*) from (select {key} from {table} group by {key} "
            "having count(*) > 1) d",
        )
        assert duplicated == 0, f"{table} repeats {duplicated} value(s) of ({key})"
        assert scalar(target, f"select count(*) from {table}") > 0, f"{table} is empty"


def assert_rows_accounted_for(target: Target) -> None:
    rows = query(
        target,
        "select source_name, raw_rows, staged_rows, quarantined_rows, duplicate_rows "
        "from audit.audit_row_accounting",
    )
    assert {r[0] for r in rows} == set(RAW_TABLES)
    for source, raw, staged, quarantined, duplicates in rows:
        assert raw == scalar(target, f"select count(*) from raw.{source}")
        assert raw == staged + quarantined + duplicates, source


ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_two_concurrent_runs_take_turns_and_duplicate_nothing(
    engine: str, request: pytest.FixtureRequest, prefect_api_url: str, tmp_path: Path
) -> None:
    """Two `shoplog run` started together on the same warehouse and the same incoming files:
    the second waits for the first's lock, then finds every file loaded and builds again."""
    incoming = tmp_path / "incoming"
    generate(incoming, seed=23, events=2_000, days=3, defect_rate=0.02)
    files = incoming_files(incoming)
    target = engine_target(engine, request, tmp_path)
    env = cli_env(target, tmp_path / "data")
    run = [SHOPLOG, "run", "--incoming", str(incoming), "--demo-events", "0", "--retries", "0"]
    logs = [(tmp_path / f"run{i}.out", tmp_path / f"run{i}.err") for i in range(2)]
    runs: list[subprocess.Popen[bytes]] = []
    try:
        for out, err in logs:
            with out.open("wb") as stdout, err.open("wb") as stderr:
                runs.append(subprocess.Popen(run, env=env, stdout=stdout, stderr=stderr))
        # they overlap: when the first finishes, the other (which waited for it) still runs
        deadline = time.monotonic() + 600
        while all(r.poll() is None for r in runs):
            assert time.monotonic() < deadline, "neither run finished in 10 minutes"
            time.sleep(0.5)
        assert [r.poll() is None for r in runs].count(True) == 1, "the runs did not overlap"
        for r in runs:
            r.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        for r in runs:
            r.kill()
            r.wait()

    loads = []
    for r, (out, err) in zip(runs, logs, strict=True):
        assert r.returncode == 0, err.read_text()[-3000:]
        assert "Traceback" not in err.read_text()
        loads += re.findall(r"load: .*already loaded", out.read_text())
    loads.sort()
    added = sum(file_records(f) for f in files)
    assert loads == [
        f"load: 0 new file(s), 0 raw rows added, {len(files)} already loaded",
        f"load: {len(files)} new file(s), {added:,} raw rows added, 0 already loaded",
    ]
    assert_each_file_loaded_once(target, files)
    assert_no_duplicate_keys(target)
    assert_rows_accounted_for(target)

    replayed = subprocess.run(
        [SHOPLOG, "replay"], env=env, capture_output=True, text=True, timeout=600
    )
    assert replayed.returncode == 0, replayed.stdout[-2000:] + replayed.stderr[-2000:]
    assert "replay identical" in replayed.stdout


@pytest.mark.parametrize("engine", ENGINES)
def test_concurrent_loads_of_the_same_files_load_each_file_once(
    engine: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three `shoplog load` of the same files, queued on one lock and released together."""
    incoming = tmp_path / "incoming"
    generate(incoming, seed=5, events=1_000, days=2, defect_rate=0.02)
    files = incoming_files(incoming)
    target = engine_target(engine, request, tmp_path)
    data_dir = tmp_path / "data"
    env = cli_env(target, data_dir)
    orders = [files, files[::-1], files[1:] + files[:1]]  # the same files, each in its order
    monkeypatch.setenv("SHOPLOG_DATA_DIR", str(data_dir))  # the loaders' lock, held here
    loaders: list[subprocess.Popen[str]] = []
    try:
        with writer_lock(target, timeout_s=0):
            loaders = [
                subprocess.Popen(
                    [SHOPLOG, "load", *map(str, paths)],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for paths in orders
            ]
            time.sleep(5)  # every loader has started and is waiting for the lock
            assert [p.poll() for p in loaders] == [None] * len(loaders)
        outputs = [p.communicate(timeout=300) for p in loaders]
    finally:
        for p in loaders:
            p.kill()
            p.wait()

    loaded = 0
    for p, (out, err) in zip(loaders, outputs, strict=True):
        assert p.returncode == 0, err[-3000:]
        found = re.fullmatch(
            r"loaded (\d+) file\(s\), [\d,]+ rows into \w+; skipped (\d+) already loaded\n", out
        )
        assert found, out
        assert int(found.group(1)) + int(found.group(2)) == len(files)
        loaded += int(found.group(1))
    assert loaded == len(files)  # between them, each file once
    assert_each_file_loaded_once(target, files)


def test_a_postgres_password_is_never_printed(tmp_path: Path) -> None:
    secret = "s3cr3t-Pa55-do-not-print"
    stray = tmp_path / "web_events_x.jsonl"
    stray.write_text('{"event_id": "e"}\n')
    env = {
        **os.environ,
        "PGPASSWORD": secret,
        "PGPORT": "1",  # nothing listens there: the connection fails and says why
        "SHOPLOG_TARGET": "postgres",
    }
    result = subprocess.run(
        [SHOPLOG, "load", str(stray)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr or "postgres" in result.stderr.lower()
    assert secret not in result.stdout + result.stderr


def test_no_secret_is_committed() -> None:
    """No tracked file assigns a literal password, secret, token or key: a quoted literal
    anywhere, or a bare value in a config file (templated env_var() values are fine)."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=project_root(), capture_output=True, text=True, check=True
    ).stdout.split()
    config_suffixes = {".yml", ".yaml", ".toml", ".ini", ".cfg"}
    leaks = []
    for name in tracked:
        path = project_root() / name
        if name.startswith("tests/") or not path.is_file():
            continue  # tests hold deliberately fake secrets to check they never leak
        if path.suffix not in config_suffixes | {".py", ".sql", ".md", ".sh", ""}:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            if QUOTED_LITERAL.search(line) or (
                path.suffix in config_suffixes and CONFIG_VALUE.search(line)
            ):
                leaks.append(f"{name}:{number}: {line.strip()[:80]}")
    assert leaks == []


def test_the_secret_scan_would_catch_a_committed_password() -> None:
    """The patterns above, on lines that must count as leaks and lines that must not."""
    assert QUOTED_LITERAL.search('PASSWORD = "hunter2-real"')
    assert QUOTED_LITERAL.search("""{"api_key": 'abcd1234'}""")
    assert not QUOTED_LITERAL.search("url.render_as_string(hide_password=False)")
    assert not QUOTED_LITERAL.search("password: \"{{ env_var('PGPASSWORD', '') }}\"")
