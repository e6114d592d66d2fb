"""The append-only loader: files into raw.<source>, byte for byte, exactly once, one batch a file.

    results = load_files(resolve_target(), [Path("data/in/web_events_2024.jsonl.gz")])

Every path is checked before anything is written; each file is then one transaction (its records
and its raw._load_batches row), skipped when its sha256 was loaded before.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flows.engine import ShoplogError, Target, first_line, writer_lock
from flows.load.batch import BatchMeta, RawWriter
from flows.load.reader import FileLines
from flows.load.sources import SOURCES, PlannedFile, path_text, plan_files, show

__all__ = ["SOURCES", "BatchResult", "ensure_raw_tables", "load_files"]


@dataclass(frozen=True)
class BatchResult:
    source: str
    file: Path
    batch_id: int | None  # None when skipped
    rows: int
    skipped: bool
    seconds: float
    message: str


def _open_writer(target: Target) -> RawWriter:
    if target.duckdb_path is not None:
        from flows.load.duckdb_writer import DuckDBWriter

        return DuckDBWriter(target)
    if target.spark_dir is not None:
        from flows.load.spark_writer import SparkWriter

        return SparkWriter(target)
    from flows.load.postgres_writer import PostgresWriter

    return PostgresWriter(target)


def _load_one(writer: RawWriter, item: PlannedFile, chunk_bytes: int) -> BatchResult:
    started = time.perf_counter()
    lines = FileLines(item, chunk_bytes)
    sha = lines.hash()
    existing = writer.existing_batch(sha)
    if existing is not None:
        return BatchResult(
            source=item.source,
            file=item.path,
            batch_id=None,
            rows=0,
            skipped=True,
            seconds=time.perf_counter() - started,
            message=(
                f"{item.source}: skipped {show(item.path)}: already loaded as batch {existing} "
                f"(sha256 {sha[:12]}...)"
            ),
        )
    meta = BatchMeta(
        source=item.source,
        source_file=path_text(item.path),
        sha256=sha,
        file_bytes=lines.file_bytes,
        loaded_at=datetime.now(UTC).replace(tzinfo=None),
        started=started,
    )
    batch_id = writer.write_batch(meta, lines)
    seconds = time.perf_counter() - started
    return BatchResult(
        source=item.source,
        file=item.path,
        batch_id=batch_id,
        rows=lines.rows,
        skipped=False,
        seconds=seconds,
        message=(
            f"{item.source}: loaded {show(item.path)} as batch {batch_id}: "
            f"{lines.rows:,} rows in {seconds:.2f}s"
        ),
    )


def _failure(item: PlannedFile, exc: Exception, done: list[BatchResult], later: int) -> str:
    """One line: what broke, that this file left nothing behind, and where the call stands."""
    if isinstance(exc, ShoplogError):
        text = first_line(exc)  # already names the file
    else:
        text = f"{show(item.path)}: load failed ({first_line(exc)})"
    text += "; nothing of this file was loaded"
    if done:
        ids = [str(r.batch_id) for r in done if r.batch_id is not None]
        text += f"; the {len(done)} file(s) before it in this call stay loaded"
        text += f" (batches {', '.join(ids)})" if ids else " (all were loaded earlier)"
    if later:
        text += f"; the {later} file(s) after it were not attempted"
    return text


def load_files(
    target: Target,
    paths: Sequence[Path],
    source: str | None = None,
    chunk_bytes: int = 64 << 20,
    progress: Callable[[str], None] | None = None,
) -> list[BatchResult]:
    """Load files into raw.<source>; one batch (one transaction) per file, in the given order.

    Raises ShoplogError (one line) when a path is missing, not a readable file or of no known
    source (then nothing at all is loaded), or when a file fails mid-way (then nothing of that
    file is loaded, the files before it stay loaded, and the message says so).
    """
    if target.env != "prod":
        raise ShoplogError("the raw log is shared by dev and prod: load files into prod only")
    plan = plan_files(paths, source)
    results: list[BatchResult] = []
    if not plan:
        return results  # nothing to load: do not even open the warehouse
    with writer_lock(target):
        writer = _open_writer(target)
        try:
            try:
                writer.ensure_tables()
            except Exception as exc:
                raise ShoplogError(
                    f"cannot prepare the raw tables in {target.key}: {first_line(exc)}"
                ) from exc
            for index, item in enumerate(plan):
                try:
                    result = _load_one(writer, item, chunk_bytes)
                except Exception as exc:
                    later = len(plan) - index - 1
                    if any(not r.skipped for r in results):
                        # the files before it stay loaded: their tables still get statistics
                        with contextlib.suppress(Exception):
                            writer.finish()
                    raise ShoplogError(_failure(item, exc, results, later)) from exc
                results.append(result)
                if progress is not None:
                    progress(result.message)
            writer.finish()
        finally:
            writer.close()
    return results


def ensure_raw_tables(target: Target) -> None:
    """Create the raw log tables if absent, so that a build on an empty log succeeds (empty)."""
    with writer_lock(target):
        writer = _open_writer(target)
        try:
            writer.ensure_tables()
        except Exception as exc:
            raise ShoplogError(
                f"cannot prepare the raw tables in {target.key}: {first_line(exc)}"
            ) from exc
        finally:
            writer.close()
