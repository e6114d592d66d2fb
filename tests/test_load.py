"""The append-only loader: byte-exact, exactly once, all or nothing per file, on both engines."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from engines import ENGINES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warehouse_queries import query

from flows.engine import ShoplogError, Target
from flows.load import BatchResult, load_files, reader
from flows.load.duckdb_writer import DuckDBWriter
from flows.load.postgres_writer import PostgresWriter
from flows.load.reader import FileLines
from flows.load.sources import plan_files

# Lines chosen to break naive CSV, SQL quoting, UTF-8 handling and line splitting.
HOSTILE = [
    b'{"event_id": "e1", "event_type": "page_view", "price": 1.5}',
    b"",  # an empty line in the middle is a record
    b"\xff\xfe not utf-8",
    b"nul \x00 inside",
    b"crlf line\r",
    b"\r",
    b'"quoted, with comma", \'single\' ""doubled""',
    b"back\\slash \\x00 \\N \\. \\",
    b"\\.",
    b"\\x41",
    b"$$ dollar $$; drop table raw.web_events; -- comment",
    b"\xed\xa0\x80 utf-16 surrogate",
    b"\xc0\x80 overlong nul",
    b"\xf4\x90\x80\x80 above U+10FFFF",
    b"\xf4\x8f\xbf\xbf U+10FFFF, \xef\xbf\xbe U+FFFE, \xef\xbf\xbf U+FFFF, \xc2\x85 NEL",
    b"\xe0\x80\xaf overlong slash, \xf8\x88\x80\x80\x80 five bytes",
    b"\xe2\x80\xa8 line separator \xe2\x80\xa9 paragraph separator \x0b\x0c",
    b"\xef\xbb\xbf bom, \xe2\x82\xac euro, \xf0\x9f\x9b\x92 cart",
    b"tab\tseparated\tvalues",
    b",",
    b'"',
    b"NULL",
    b" ",
    b"\x1f\x8b looks like gzip",
    b"x" * 300_000,  # longer than any small chunk
    b"last",
]


def is_text(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\0" not in line


def physical_lines(data: bytes) -> list[bytes]:
    """The records the loader must keep: lines without terminators, no phantom last line."""
    if not data:
        return []
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return lines


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


@pytest.fixture
def duck_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Target:
    monkeypatch.setenv("SHOPLOG_DATA_DIR", str(tmp_path))  # writer locks go here
    return Target("duckdb", duckdb_path=tmp_path / "w.duckdb")


@pytest.fixture(params=ENGINES)
def target(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Target:
    monkeypatch.setenv("SHOPLOG_DATA_DIR", str(tmp_path))
    if request.param == "duckdb":
        return Target("duckdb", duckdb_path=tmp_path / "w.duckdb")
    return request.getfixturevalue("pg_target")


def batches(target: Target) -> list[tuple]:
    """raw._load_batches ordered by id; empty when the loader never created it."""
    if target.duckdb_path is not None and not target.duckdb_path.exists():
        return []
    exists = query(
        target,
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = '_load_batches'",
    )
    if not exists[0][0]:
        return []
    return query(
        target,
        "select batch_id, source, source_file, file_sha256, file_bytes, rows, header, loaded_at, "
        "seconds from raw._load_batches order by batch_id",
    )


def records(target: Target, source: str, batch_id: int) -> list[tuple]:
    return query(
        target,
        "select _line_number, record, record_bytes, _source_file, _file_sha256, _loaded_at "
        f"from raw.{source} where _batch_id = {batch_id} order by _line_number",
    )


def raw_count(target: Target, source: str) -> int:
    return query(target, f"select count(*) from raw.{source}")[0][0]


def original_bytes(rows: list[tuple]) -> list[bytes]:
    return [rec.encode("utf-8") if rec is not None else raw for _, rec, raw, *_ in rows]


def expected_records(data: bytes, header: bool) -> list[bytes]:
    return physical_lines(data)[1:] if header else physical_lines(data)


def assert_exact(target: Target, result: BatchResult, data: bytes, header: bool = False) -> None:
    """The raw rows of the batch are the file's records, byte for byte, in order."""
    expected = expected_records(data, header)
    first = 2 if header else 1
    assert result.batch_id is not None
    rows = records(target, result.source, result.batch_id)
    assert result.rows == len(rows) == len(expected)
    assert [r[0] for r in rows] == list(range(first, first + len(rows)))
    assert original_bytes(rows) == expected
    for (_, rec, raw, *_), line in zip(rows, expected, strict=True):
        # text when it can be text, exact bytes otherwise; never both, never neither
        assert (rec is not None) == is_text(line)
        assert (raw is None) == is_text(line)


# --- byte-exact round trip -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "final_newline", "chunk_bytes"),
    [
        ("web_events_a.jsonl", True, 64 << 20),
        ("web_events_b.jsonl", False, 7),
        ("shopify_orders_c.jsonl.gz", True, 7),
        ("shopify_orders_d.jsonl.gz", False, 64 << 20),
    ],
)
def test_round_trip_is_byte_exact(
    target: Target, tmp_path: Path, name: str, final_newline: bool, chunk_bytes: int
) -> None:
    data = b"\n".join(HOSTILE) + (b"\n" if final_newline else b"")
    path = write(tmp_path / name, data)
    seen: list[str] = []
    [result] = load_files(target, [path], chunk_bytes=chunk_bytes, progress=seen.append)

    assert not result.skipped and result.batch_id == 1
    assert result.source == name.split("_")[0] + "_" + name.split("_")[1]
    assert seen == [result.message]
    assert_exact(target, result, data)
    # the log also says where each record came from, once per batch
    [batch] = batches(target)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert batch[1:7] == (result.source, str(path), sha, path.stat().st_size, len(HOSTILE), None)
    rows = records(target, result.source, 1)
    assert {(r[3], r[4], r[5]) for r in rows} == {(str(path), sha, batch[7])}
    # rebuilt file bytes: records joined by newlines, plus the final newline if there was one
    assert b"\n".join(original_bytes(rows)) + (b"\n" if final_newline else b"") == data


def test_line_rules(target: Target, tmp_path: Path) -> None:
    cases = {
        "web_events_trailing.jsonl": (b"a\nb\n", [b"a", b"b"]),
        "web_events_no_final.jsonl": (b"a\nb", [b"a", b"b"]),
        "web_events_middle.jsonl": (b"a\n\nb\n", [b"a", b"", b"b"]),
        "web_events_newline.jsonl": (b"\n", [b""]),
        "web_events_blank_end.jsonl": (b"a\n\n", [b"a", b""]),
        "web_events_crlf.jsonl": (b"a\r\nb\r\n", [b"a\r", b"b\r"]),
    }
    paths = [write(tmp_path / name, data) for name, (data, _) in cases.items()]
    results = load_files(target, paths)
    for result, (data, expected) in zip(results, cases.values(), strict=True):
        assert physical_lines(data) == expected
        assert original_bytes(records(target, "web_events", result.batch_id)) == expected


def test_odd_file_names_are_kept_exactly(target: Target, tmp_path: Path) -> None:
    # the path travels as a value (and through CSV for PostgreSQL): quoting must hold
    path = write(tmp_path / 'web_events_it\'s, "odd" $$;-- \\ é\r.jsonl', b"a\n")
    [result] = load_files(target, [path])
    assert batches(target)[0][2] == str(path)
    assert {r[3] for r in records(target, "web_events", result.batch_id)} == {str(path)}


def test_empty_files_are_empty_batches(target: Target, tmp_path: Path) -> None:
    plain = write(tmp_path / "web_events_empty.jsonl", b"")
    # fixed gzip mtimes: two compressed empty files must not share a sha256 (and be skipped)
    packed = tmp_path / "shopify_orders_empty.jsonl.gz"
    packed.write_bytes(gzip.compress(b"", mtime=1))
    csv = tmp_path / "braintree_transactions_empty.csv.gz"
    csv.write_bytes(gzip.compress(b"", mtime=2))
    results = load_files(target, [plain, packed, csv])
    assert [(r.batch_id, r.rows, r.skipped) for r in results] == [
        (1, 0, False),
        (2, 0, False),
        (3, 0, False),
    ]
    assert [(b[0], b[5], b[6]) for b in batches(target)] == [
        (1, 0, None),
        (2, 0, None),
        (3, 0, None),
    ]
    for source in ("web_events", "shopify_orders", "braintree_transactions"):
        assert raw_count(target, source) == 0


def test_gzip_members_and_padding(duck_target: Target, tmp_path: Path) -> None:
    # concatenated members (as `cat a.gz b.gz` makes) and zero padding are valid gzip
    path = tmp_path / "web_events_multi.jsonl.gz"
    path.write_bytes(gzip.compress(b"a\nb") + gzip.compress(b"c\n") + b"\0" * 10)
    [result] = load_files(duck_target, [path], chunk_bytes=2)
    assert_exact(duck_target, result, b"a\nbc\n")


def test_file_changed_after_hashing_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "web_events_1.jsonl", b"a\n")
    lines = FileLines(plan_files([path])[0], 64)
    lines.hash()
    path.write_bytes(b"a\nb\n")
    with pytest.raises(ShoplogError, match="changed after it was hashed"):
        list(lines)


@pytest.mark.parametrize("chunk_bytes", [16, 64])
def test_line_over_the_value_limit_is_a_clear_error(
    duck_target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 100)
    path = write(tmp_path / "web_events_1.jsonl", b"short\n" + b"x" * 150 + b"\nshort\n")
    with pytest.raises(ShoplogError, match="line 2 is longer than 100 bytes"):
        load_files(duck_target, [path], chunk_bytes=chunk_bytes)
    assert batches(duck_target) == []


# --- CSV header ------------------------------------------------------------------------------


def test_csv_header_is_metadata_and_line_numbers_stay_physical(
    target: Target, tmp_path: Path
) -> None:
    header = b"transaction_id,type,status,created_at,amount\r"
    body = [
        b't1,sale,settled,2024-01-01,"1,00"\r',
        b"",
        b"t2,sale,\xff,2024-01-02,2.00",
        b'"a""b",x',
    ]
    data = b"\n".join([header, *body]) + b"\n"
    path = write(tmp_path / "braintree_transactions_2024.csv.gz", data)
    [result] = load_files(target, [path], chunk_bytes=5)
    assert result.rows == len(body)
    assert_exact(target, result, data, header=True)
    assert batches(target)[0][6] == header.decode()  # the \r stays: the header is exact too


def test_csv_header_edge_cases(target: Target, tmp_path: Path) -> None:
    only_header = write(tmp_path / "braintree_transactions_h.csv", b"id,amount\n")
    bad_header = write(tmp_path / "braintree_transactions_x.csv", b"id,\xffamount\x00\n1,2")
    results = load_files(target, [only_header, bad_header])
    assert [r.rows for r in results] == [0, 1]
    assert [b[6] for b in batches(target)] == ["id,amount", "id,\ufffdamount\ufffd"]
    assert records(target, "braintree_transactions", 2)[0][:3] == (2, "1,2", None)


# --- exactly once ----------------------------------------------------------------------------


def test_second_load_of_the_same_file_is_a_no_op(target: Target, tmp_path: Path) -> None:
    path = write(tmp_path / "web_events_1.jsonl", b"a\nb\n")
    [first] = load_files(target, [path])
    before = batches(target)

    seen: list[str] = []
    [again] = load_files(target, [path], progress=seen.append)
    assert (again.skipped, again.batch_id, again.rows) == (True, None, 0)
    assert "already loaded as batch 1" in again.message and seen == [again.message]
    # the same bytes under another name, and the same path twice in one call
    copy = write(tmp_path / "web_events_copy.jsonl", b"a\nb\n")
    results = load_files(target, [copy, path, tmp_path / "." / "web_events_1.jsonl"])
    assert [(r.file, r.skipped) for r in results] == [(copy, True), (path, True)]
    assert batches(target) == before
    assert raw_count(target, "web_events") == first.rows == 2


def test_same_path_twice_in_one_call_loads_once(target: Target, tmp_path: Path) -> None:
    path = write(tmp_path / "web_events_1.jsonl", b"a\n")
    results = load_files(target, [path, path])
    assert len(results) == 1 and results[0].batch_id == 1
    assert raw_count(target, "web_events") == 1


def test_batch_ids_increase(target: Target, tmp_path: Path) -> None:
    paths = [write(tmp_path / f"web_events_{i}.jsonl", f"line {i}\n".encode()) for i in range(3)]
    assert [r.batch_id for r in load_files(target, paths)] == [1, 2, 3]
    later = write(tmp_path / "shopify_orders_9.jsonl", b"{}\n")
    assert [r.batch_id for r in load_files(target, [later])] == [4]
    assert [b[0] for b in batches(target)] == [1, 2, 3, 4]
    assert query(target, "select distinct _batch_id from raw.shopify_orders") == [(4,)]
    stamps = [b[7] for b in batches(target)]
    assert stamps == sorted(stamps)


# --- all or nothing per file -----------------------------------------------------------------


def _spy_writes(target: Target, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the chunk writes, to prove a failure came after several of them."""
    cls = DuckDBWriter if target.duckdb_path is not None else PostgresWriter
    original = cls._write_rows
    calls: list[int] = []

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "_write_rows", counting)
    return calls


@pytest.mark.parametrize("damage", ["flipped", "truncated", "trailing garbage"])
def test_corrupt_gzip_loads_nothing_of_that_file(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    good = write(tmp_path / "web_events_good.jsonl", b"ok 1\nok 2\n")
    data = b"".join(
        hashlib.sha256(str(i).encode()).hexdigest().encode() + b"\n" for i in range(4000)
    )
    packed = bytearray(gzip.compress(data))
    middle = len(packed) // 2
    if damage == "flipped":
        packed[middle : middle + 16] = bytes(b ^ 0x55 for b in packed[middle : middle + 16])
    elif damage == "truncated":
        del packed[middle:]
    else:
        packed += b"not another gzip member"
    bad = tmp_path / "web_events_bad.jsonl.gz"
    bad.write_bytes(bytes(packed))
    after = write(tmp_path / "web_events_after.jsonl", b"never\n")
    writes = _spy_writes(target, monkeypatch)

    with pytest.raises(ShoplogError) as info:
        load_files(target, [good, bad, after], chunk_bytes=256)
    message = str(info.value)
    assert "\n" not in message
    assert f"{bad}: corrupt gzip data" in message
    assert "nothing of this file was loaded" in message
    assert "1 file(s) before it in this call stay loaded (batches 1)" in message
    assert "1 file(s) after it were not attempted" in message
    if damage != "trailing garbage":
        assert len(writes) > 2  # chunks of the bad file had been written, then rolled back
    assert [b[0] for b in batches(target)] == [1]
    assert original_bytes(records(target, "web_events", 1)) == [b"ok 1", b"ok 2"]
    assert raw_count(target, "web_events") == 2
    # the warehouse is fine afterwards: the next file gets the next id, no gap
    assert [r.batch_id for r in load_files(target, [after])] == [2]


def test_database_error_mid_file_rolls_back(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = DuckDBWriter if target.duckdb_path is not None else PostgresWriter
    original = cls._write_rows
    calls: list[int] = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full\nsecond line")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "_write_rows", failing)
    path = write(tmp_path / "web_events_x.jsonl", b"".join(b"line %d\n" % i for i in range(500)))
    with pytest.raises(ShoplogError, match=r"load failed \(disk full\); nothing of this file"):
        load_files(target, [path], chunk_bytes=64)
    assert batches(target) == []
    assert raw_count(target, "web_events") == 0


_KILL_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from flows.engine import Target
    from flows.load import load_files
    from flows.load.duckdb_writer import DuckDBWriter
    from flows.load.postgres_writer import PostgresWriter

    spec = json.loads(sys.argv[1])
    target = Target(spec["name"], duckdb_path=spec["duckdb_path"] and Path(spec["duckdb_path"]),
                    pg_dsn=spec["pg_dsn"])
    cls = DuckDBWriter if spec["duckdb_path"] else PostgresWriter
    original = cls._write_rows
    calls = []

    def stall(self, *args, **kwargs):
        original(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == 3:  # several chunks are in the open transaction: tell, then hang
            Path(spec["marker"]).write_text("written")
            time.sleep(600)

    cls._write_rows = stall
    load_files(target, [Path(spec["file"])], chunk_bytes=64)
    """
)


def test_kill_9_mid_file_leaves_no_rows(target: Target, tmp_path: Path) -> None:
    path = write(tmp_path / "web_events_k.jsonl", b"".join(b"line %d\n" % i for i in range(2000)))
    marker = tmp_path / "marker"
    spec = {
        "name": target.name,
        "duckdb_path": str(target.duckdb_path) if target.duckdb_path else None,
        "pg_dsn": target.pg_dsn,
        "marker": str(marker),
        "file": str(path),
    }
    # TMPDIR: what a killed PostgreSQL loader leaves in its temp dir stays in tmp_path
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, json.dumps(spec)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the loader exited before it was killed"
            assert time.monotonic() < deadline, "the loader never reached the third chunk"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.2)  # PostgreSQL notices the dead client and aborts its transaction
    assert batches(target) == []
    assert raw_count(target, "web_events") == 0
    # and a fresh load then succeeds (lock released, no half batch in the way)
    [result] = load_files(target, [path])
    assert (result.batch_id, result.rows) == (1, 2000)


_HOLD_LOCK = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from flows.engine import Target, writer_lock

    spec = json.loads(sys.argv[1])
    target = Target(spec["name"], duckdb_path=spec["duckdb_path"] and Path(spec["duckdb_path"]),
                    pg_dsn=spec["pg_dsn"])
    with writer_lock(target):
        print("held", flush=True)
        time.sleep(600)
    """
)


def test_writer_lock_is_taken(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the lock is re-entrant within a process, so another process must hold it
    spec = {
        "name": target.name,
        "duckdb_path": str(target.duckdb_path) if target.duckdb_path else None,
        "pg_dsn": target.pg_dsn,
    }
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, json.dumps(spec)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        monkeypatch.setenv("SHOPLOG_LOCK_TIMEOUT", "0.3")
        path = write(tmp_path / "web_events_1.jsonl", b"a\n")
        with pytest.raises(ShoplogError, match="another shoplog process"):
            load_files(target, [path])
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert batches(target) == []


# --- checks before anything is written -------------------------------------------------------


@pytest.mark.parametrize("problem", ["missing", "directory", "unrecognised", "unreadable", "fifo"])
def test_bad_path_loads_nothing(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    good = write(tmp_path / "web_events_ok.jsonl", b"a\n")
    bad = tmp_path / {"unrecognised": "events.jsonl", "directory": "web_events_dir.jsonl"}.get(
        problem, "web_events_bad.jsonl"
    )
    if problem == "directory":
        bad.mkdir()
    elif problem == "unrecognised":
        write(bad, b"a\n")
    elif problem == "fifo":
        os.mkfifo(bad)
    elif problem == "unreadable":
        write(bad, b"b\n")
        bad.chmod(0)
        real_access = os.access
        # root reads anything: make the permission check see what another user would
        monkeypatch.setattr(
            os, "access", lambda p, *a, **k: Path(p) != bad and real_access(p, *a, **k)
        )
    with pytest.raises(ShoplogError) as info:
        load_files(target, [good, bad, good])
    message = str(info.value)
    assert "\n" not in message and str(bad) in message and "nothing was loaded" in message
    assert batches(target) == []
    if target.duckdb_path is not None:
        assert not target.duckdb_path.exists()  # not even connected


def test_all_bad_paths_are_named_at_once(duck_target: Target, tmp_path: Path) -> None:
    with pytest.raises(ShoplogError) as info:
        load_files(duck_target, [tmp_path / "web_events_1.jsonl", tmp_path / "web_events_2.jsonl"])
    assert "web_events_1.jsonl: no such file" in str(info.value)
    assert "web_events_2.jsonl: no such file" in str(info.value)


# --- source detection ------------------------------------------------------------------------


def test_source_override(target: Target, tmp_path: Path) -> None:
    path = write(tmp_path / "export-2024.txt", b'{"id": 1}\n')
    with pytest.raises(ShoplogError, match="cannot tell its source"):
        load_files(target, [path])
    [result] = load_files(target, [path], source="shopify_orders")
    assert (result.source, result.rows) == ("shopify_orders", 1)
    assert original_bytes(records(target, "shopify_orders", 1)) == [b'{"id": 1}']
    # a forced CSV source reads a header whatever the name
    csv = write(tmp_path / "bt.dat.gz", b"h1,h2\n1,2\n")
    [result] = load_files(target, [csv], source="braintree_transactions")
    assert result.rows == 1 and batches(target)[-1][6] == "h1,h2"
    with pytest.raises(ShoplogError, match="unknown source 'orders'"):
        load_files(target, [path], source="orders")


def test_sources_from_names(duck_target: Target, tmp_path: Path) -> None:
    names = {
        "web_events.jsonl": "web_events",
        "web_events_2024-01.jsonl.gz": "web_events",
        "shopify_orders_x.jsonl": "shopify_orders",
        "braintree_transactions_2024.csv.gz": "braintree_transactions",
    }
    paths = [write(tmp_path / n, n.encode() + b"\n" + n.encode() + b"\n") for n in names]
    results = load_files(duck_target, paths)
    assert [r.source for r in results] == list(names.values())
    for bad in [
        "web_events.csv",
        "shopify_orders.json",
        "braintree_transactions.jsonl",
        "x_web_events.jsonl",
    ]:
        with pytest.raises(ShoplogError, match="cannot tell its source"):
            load_files(duck_target, [write(tmp_path / bad, b"a\n")])


def test_batch_result_is_frozen(duck_target: Target, tmp_path: Path) -> None:
    [result] = load_files(duck_target, [write(tmp_path / "web_events_f.jsonl", b"a\n")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.rows = 5  # type: ignore[misc]
    assert result.seconds >= 0 and result.file.is_absolute()


# --- property: random bytes never crash and every record is conserved ------------------------

_LINE_BYTES = st.sampled_from(
    [b"\n", b"\r", b"\0", b"\xff", b"\xc3", b"\xa9", b'"', b",", b"\\", b"a", b" "]
)
_FILES = st.one_of(
    st.binary(max_size=400),
    st.lists(_LINE_BYTES, max_size=200).map(b"".join),
)
_NAMES = st.sampled_from(
    [
        "web_events_p.jsonl",
        "web_events_p.jsonl.gz",
        "braintree_transactions_p.csv",
        "braintree_transactions_p.csv.gz",
    ]
)


def _check_random_file(target: Target, folder: Path, data: bytes, name: str, chunk: int) -> None:
    path = write(folder / name, data)
    [result] = load_files(target, [path], chunk_bytes=chunk)
    if result.skipped:
        # the same bytes came up before, maybe under another source: check that batch instead
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        [(batch_id, source)] = query(
            target, f"select batch_id, source from raw._load_batches where file_sha256 = '{sha}'"
        )
        rows = len(expected_records(data, source == "braintree_transactions"))
        result = dataclasses.replace(result, batch_id=batch_id, source=source, rows=rows)
    assert_exact(target, result, data, header=result.source == "braintree_transactions")


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_FILES, name=_NAMES, chunk=st.sampled_from([1, 2, 3, 16, 64 << 20]))
def test_random_bytes_are_conserved_duckdb(
    duck_target: Target, data: bytes, name: str, chunk: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check_random_file(duck_target, Path(folder), data, name, chunk)


@pytest.mark.postgres
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_FILES, name=_NAMES, chunk=st.sampled_from([1, 3, 64 << 20]))
def test_random_bytes_are_conserved_postgres(
    pg_target: Target, data: bytes, name: str, chunk: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check_random_file(pg_target, Path(folder), data, name, chunk)


def test_bench_load_reports_both_timings(duck_target: Target, tmp_path: Path) -> None:
    from flows.bench.load import bench_load

    files = [
        write(tmp_path / "web_events_b.jsonl", b'{"a": 1}\n' * 1000),
        write(tmp_path / "shopify_orders_b.jsonl.gz", b'{"b": 2}\n' * 500),
    ]
    figures = bench_load(files, tmp_path / "bench")
    assert figures["lines"] == figures["floor_lines"] == 1500
    assert {"load_seconds", "lines_per_second", "floor_seconds", "floor_lines_per_second"} <= set(
        figures
    )
    assert figures["ratio"] > 0
    assert list((tmp_path / "bench").iterdir()) == []  # scratch warehouses are removed


@pytest.mark.postgres
def test_postgres_plans_a_new_batch_from_statistics_the_load_gathered(
    pg_target: Target, tmp_path: Path
) -> None:
    """An incremental build reads one new batch of the log; PostgreSQL must estimate it as one
    batch, not as a third of the log (no statistics: the whole log was read) nor as one row
    (a first load's statistics: the batch was rescanned once per row of it). The loader
    gathers statistics after every load, since autovacuum may not run."""

    def new_batch_estimate(batch_id: int) -> int:
        sql = f"explain (format json) select * from raw.web_events where _batch_id >= {batch_id}"
        return query(pg_target, sql)[0][0][0]["Plan"]["Plan Rows"]

    def day(n: int) -> Path:
        lines = "".join(f'{{"event_id": "{n}-{i}"}}\n' for i in range(200))
        return write(tmp_path / f"web_events_{n}.jsonl", lines.encode())

    load_files(pg_target, [day(1)])
    load_files(pg_target, [day(n) for n in range(2, 11)])  # batches 2 to 10
    assert 100 <= new_batch_estimate(10) <= 400  # a third of the log would be 667
    load_files(pg_target, [day(11)])
    assert 100 <= new_batch_estimate(11) <= 400
    # a call that fails on a later file still gathers statistics for the batches it loaded
    bad = tmp_path / "web_events_bad.jsonl.gz"
    bad.write_bytes(gzip.compress(b"".join(b"%d\n" % i for i in range(4000)))[:-40])
    with pytest.raises(ShoplogError, match="corrupt gzip data"):
        load_files(pg_target, [day(n) for n in range(12, 21)] + [bad])  # batches 12 to 20
    assert 100 <= new_batch_estimate(20) <= 400
