"""Raw writer for the DuckDB warehouse: Arrow chunks inserted with SQL, one transaction a file."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pyarrow as pa

from flows.engine import Target, connect
from flows.load import ddl
from flows.load.batch import TRIAGE_SQL, BatchMeta
from flows.load.reader import FileLines, batched, prefetched

ROW_GROUP_ROWS = 122_880  # DuckDB's row group size: aligned appends are the fast path
_VIEW = "shoplog_load_chunk"


class DuckDBWriter:
    def __init__(self, target: Target) -> None:
        self._con: Any = connect(target)

    def finish(self) -> None:
        """Nothing: the engine keeps its statistics as it writes."""

    def close(self) -> None:
        self._con.close()

    def ensure_tables(self) -> None:
        for statement in ddl.statements("duckdb"):
            self._con.execute(statement).fetchall()

    def existing_batch(self, sha256: str) -> int | None:
        # results are always fetched to the end: DuckDB 2 refuses new work on a pending one
        rows = self._con.execute(
            f"select batch_id from {ddl.BATCHES_TABLE} where file_sha256 = ?", [sha256]
        ).fetchall()
        return int(rows[0][0]) if rows else None

    def write_batch(self, meta: BatchMeta, lines: FileLines) -> int:
        con = self._con
        con.begin()
        try:
            [(batch_id,)] = con.execute(
                f"select coalesce(max(batch_id), 0) + 1 from {ddl.BATCHES_TABLE}"
            ).fetchall()
            insert = f"""
                insert into {ddl.raw_table(meta.source)} ({", ".join(ddl.RAW_COLUMNS)})
                select $batch_id, ln, case when is_text then txt end,
                       case when not is_text then line end, $file, $sha, $loaded_at
                from ({TRIAGE_SQL.format(view=_VIEW)})
            """
            params = {
                "batch_id": batch_id,
                "file": meta.source_file,
                "sha": meta.sha256,
                "loaded_at": meta.loaded_at,
            }
            # chunks are read ahead on a thread, then regrouped into aligned inserts
            ahead = prefetched(lines, 2 * lines.chunk_bytes)
            group = ROW_GROUP_ROWS
            for table in batched(ahead, group, 2 * group, 4 * lines.chunk_bytes):
                self._write_rows(insert, table, params)
            con.execute(
                f"insert into {ddl.BATCHES_TABLE} ({', '.join(ddl.BATCH_COLUMNS)}) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    batch_id,
                    meta.source,
                    meta.source_file,
                    meta.sha256,
                    meta.file_bytes,
                    lines.rows,
                    lines.header,
                    meta.loaded_at,
                    time.perf_counter() - meta.started,
                ],
            ).fetchall()
            con.commit()
        except BaseException:
            # the file's rows and batch row vanish together; a failed rollback changes nothing
            with contextlib.suppress(Exception):
                con.rollback()
            raise
        return int(batch_id)

    def _write_rows(self, sql: str, table: pa.Table, params: dict[str, Any]) -> None:
        self._con.register(_VIEW, table)
        try:
            self._con.execute(sql, params).fetchall()
        finally:
            self._con.unregister(_VIEW)
