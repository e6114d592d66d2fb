"""Load benchmark: the loader against DuckDB's own plain read of the same files.

The floor is the fastest way DuckDB itself turns these files into a table of lines in a fresh
database file: its parallel CSV reader with a delimiter byte absent from the data, no quoting,
no escaping, no header, no type detection, `ignore_errors` and the default 2 MB line limit,
written durably (CREATE TABLE AS, then close). It does less than the loader (no sha256 pass, no
byte-exact storage of invalid UTF-8, no metadata columns, no batch log; it drops lines it cannot
parse, counted in `floor_lines`), so `ratio` = load_seconds / floor_seconds is the price of those
guarantees.

    python -m flows.bench.load FILE... [--workdir DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np

from flows.engine import Target
from flows.load import load_files

# candidates for the floor's column delimiter: control bytes that JSON and CSV exports avoid
_DELIMITERS = [*range(1, 9), *range(14, 32)]


def _remove_database(path: Path) -> None:
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)


def absent_byte(files: Sequence[Path]) -> str:
    """A delimiter byte that occurs in none of the files, so every line is one column."""
    present = np.zeros(256, bool)
    for file in files:
        opener = gzip.open if file.name.endswith(".gz") else open
        with opener(file, "rb") as handle:
            while block := handle.read(64 << 20):
                present |= np.bincount(np.frombuffer(block, np.uint8), minlength=256) > 0
    for byte in _DELIMITERS:
        if not present[byte]:
            return chr(byte)
    return chr(1)  # every candidate occurs: lines holding it are cut; floor_lines shows it


def floor_read(files: Sequence[Path], database: Path, delimiter: str) -> int:
    """DuckDB's plain read of the files into a fresh database file (removed after); returns
    the lines it read. delimiter: absent_byte(files), found before the clock starts."""
    _remove_database(database)
    try:
        return _floor_lines(files, database, delimiter)
    finally:
        _remove_database(database)


def _floor_lines(files: Sequence[Path], database: Path, delimiter: str) -> int:
    con = duckdb.connect(str(database))
    lines = 0
    for index, file in enumerate(files):
        con.execute(
            f"""create table t{index} as select * from read_csv(
                ?, columns = {{'line': 'VARCHAR'}}, delim = ?, quote = '', escape = '',
                header = false, auto_detect = false, ignore_errors = true, new_line = '\\n'
            )""",
            [str(file), delimiter],
        ).fetchall()
        lines += con.execute(f"select count(*) from t{index}").fetchall()[0][0]
    con.close()
    return lines


def bench_load(files: Sequence[Path], workdir: Path) -> dict[str, float | int]:
    """Time load_files into a fresh DuckDB warehouse in workdir, then the floor (both removed)."""
    workdir.mkdir(parents=True, exist_ok=True)
    files = [Path(f).resolve() for f in files]
    warehouse = workdir / "bench_load.duckdb"
    floor_db = workdir / "bench_floor.duckdb"
    delimiter = absent_byte(files)  # not timed: it only sets up the floor
    try:
        _remove_database(warehouse)
        started = time.perf_counter()
        results = load_files(Target("duckdb", duckdb_path=warehouse), files)
        load_seconds = time.perf_counter() - started
        _remove_database(floor_db)
        started = time.perf_counter()
        floor_lines = _floor_lines(files, floor_db, delimiter)
        floor_seconds = time.perf_counter() - started
    finally:
        _remove_database(warehouse)
        _remove_database(floor_db)
    lines = sum(r.rows for r in results)
    return {
        "lines": lines,
        "load_seconds": round(load_seconds, 3),
        "lines_per_second": round(lines / load_seconds),
        "floor_lines": floor_lines,
        "floor_seconds": round(floor_seconds, 3),
        "floor_lines_per_second": round(floor_lines / floor_seconds),
        "ratio": round(load_seconds / floor_seconds, 2),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--workdir", type=Path, default=Path("bench/tmp"))
    args = parser.parse_args(argv)
    print(json.dumps(bench_load(args.files, args.workdir)))


if __name__ == "__main__":
    main()
