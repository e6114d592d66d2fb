"""Raw writer for the Spark warehouse: DuckDB (in memory) turns chunks into Parquet files, one
Spark INSERT appends a whole file's records, then the batch row follows.

Spark's parquet tables have no transactions: the records of a file go in as one Spark job
(all or nothing), and the batch row only after them, so a file is never marked loaded
without its records. A loader killed between the two leaves records without a batch row;
batch ids are allocated past every id in use, so those never mix with a later batch.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.engine import Target
from flows.load import ddl
from flows.load.batch import TRIAGE_SQL, BatchMeta
from flows.load.reader import FileLines, batched, prefetched
from flows.load.sources import SOURCES
from flows.spark_sql import SparkConnection

_VIEW = "shoplog_load_chunk"


def spark_literal(text: str) -> str:
    """A Spark SQL string literal (backslash is an escape character there)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _duck_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class SparkWriter:
    def __init__(self, target: Target) -> None:
        assert target.spark_dir is not None
        self._conn = SparkConnection(target.spark_dir)
        self._duck = duckdb.connect()
        # Spark reads the staged files itself, so they live beside the warehouse
        staging = target.spark_dir / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        self._tmp = tempfile.TemporaryDirectory(prefix="load-", dir=staging)

    def finish(self) -> None:
        """Nothing: the engine keeps its statistics as it writes."""

    def close(self) -> None:
        self._conn.close()
        self._duck.close()
        self._tmp.cleanup()

    def _run(self, sql: str) -> list[tuple]:
        cur = self._conn.cursor()
        return cur.execute(sql).fetchall()

    def ensure_tables(self) -> None:
        for statement in ddl.statements("spark"):
            self._run(statement)

    def existing_batch(self, sha256: str) -> int | None:
        rows = self._run(
            f"select batch_id from {ddl.BATCHES_TABLE} where file_sha256 = {spark_literal(sha256)}"
        )
        return int(rows[0][0]) if rows else None

    def _next_batch_id(self) -> int:
        in_use = [f"select max(batch_id) as id from {ddl.BATCHES_TABLE}"] + [
            f"select max(_batch_id) from {ddl.raw_table(source)}" for source in SOURCES
        ]
        [(top,)] = self._run(f"select coalesce(max(id), 0) from ({' union all '.join(in_use)})")
        return int(top) + 1

    def write_batch(self, meta: BatchMeta, lines: FileLines) -> int:
        batch_id = self._next_batch_id()
        files = Path(self._tmp.name) / f"batch-{batch_id}"
        files.mkdir()
        try:
            ahead = prefetched(lines, 2 * lines.chunk_bytes)
            for number, table in enumerate(batched(ahead, 1, sys.maxsize, lines.chunk_bytes)):
                self._stage(table, batch_id, meta, files / f"part-{number:05d}.parquet")
            if any(files.iterdir()):
                self._run(
                    f"insert into {ddl.raw_table(meta.source)} "
                    f"select _batch_id, _line_number, record, record_bytes, _source_file, "
                    f"_file_sha256, cast(_loaded_at as timestamp) from parquet.`{files}`"
                )
            header = "null" if lines.header is None else spark_literal(lines.header)
            self._run(
                f"insert into {ddl.BATCHES_TABLE} values ({batch_id}, "
                f"{spark_literal(meta.source)}, {spark_literal(meta.source_file)}, "
                f"{spark_literal(meta.sha256)}, {meta.file_bytes}, {lines.rows}, {header}, "
                f"cast({spark_literal(meta.loaded_at_text)} as timestamp), "
                f"{time.perf_counter() - meta.started!r})"
            )
        finally:
            with contextlib.suppress(OSError):
                shutil.rmtree(files)
        return batch_id

    def _stage(self, table: pa.Table, batch_id: int, meta: BatchMeta, path: Path) -> None:
        """One chunk of records as a Parquet file with the raw table's columns."""
        self._duck.register(_VIEW, table)
        try:
            self._duck.execute(
                f"""
                copy (
                    select cast({int(batch_id)} as bigint) as _batch_id, ln as _line_number,
                           case when is_text then txt end as record,
                           case when not is_text then line end as record_bytes,
                           {_duck_literal(meta.source_file)} as _source_file,
                           {_duck_literal(meta.sha256)} as _file_sha256,
                           {_duck_literal(meta.loaded_at_text)} as _loaded_at
                    from ({TRIAGE_SQL.format(view=_VIEW)})
                ) to {_duck_literal(str(path))} (format parquet)
                """
            ).fetchall()
        finally:
            self._duck.unregister(_VIEW)
