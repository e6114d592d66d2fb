"""What every raw writer shares: the batch's metadata, the writer interface, the line triage SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flows.load.reader import FileLines

# A line is stored as text when it is valid UTF-8 without NUL (PostgreSQL text cannot hold NUL,
# and both engines should keep the same rows); otherwise its exact bytes go to record_bytes.
# DuckDB dialect: the PostgreSQL writer runs it in an in-memory DuckDB too.
TRIAGE_SQL = """
    select ln, line, txt, txt is not null and not contains(txt, chr(0)) as is_text
    from (select ln, line, try(decode(line)) as txt from {view})
"""


@dataclass(frozen=True)
class BatchMeta:
    source: str
    source_file: str  # absolute path, as text
    sha256: str
    file_bytes: int
    loaded_at: datetime  # naive UTC, one value for the batch row and all its records
    started: float  # time.perf_counter() when work on the file began

    @property
    def loaded_at_text(self) -> str:
        return self.loaded_at.isoformat(sep=" ", timespec="microseconds")


class RawWriter(Protocol):
    def ensure_tables(self) -> None: ...

    def existing_batch(self, sha256: str) -> int | None: ...

    def write_batch(self, meta: BatchMeta, lines: FileLines) -> int:
        """Write all records and the batch row in one transaction; return the batch id."""
        ...

    def finish(self) -> None:
        """After a load's last batch: what the engine needs before the log is read."""
        ...

    def close(self) -> None: ...
