"""Per-day output files of one source, with the small delay buffers delivery realism needs.

A record is delivered at a key (its receive moment, ms since the window start) and lands in the
file of that day; anything past the last day goes to the last day's file. Records due on the
day being written are streamed straight out (web events: nothing is held), records due later
wait in a per-day heap, and a day's heap is merged into its file in key order. Physical line
numbers are known only here, so the sink also reports labelled lines to the ground truth.
"""

from __future__ import annotations

import gzip as gzip_module
import heapq
import random
from pathlib import Path
from typing import IO

from .clock import DAY_MS, Clock
from .truth import DefectLog

EXPORT_REPEAT_RATE = 0.01
_CHUNK_MASK = 2047  # encode + write every 2048 lines: a write per line is much slower
_Pending = tuple[int, int, str, str | None]  # key, arrival order, line, label


class DaySink:
    def __init__(
        self,
        out_dir: Path,
        source: str,
        suffix: str,
        clock: Clock,
        log: DefectLog,
        *,
        gzip: bool,
        header: str | None = None,
    ) -> None:
        self.source = source
        self.records = 0  # lines written, header excluded
        self.labels: dict[str, int] = {}
        self.files: list[Path] = []
        self._out_dir = out_dir
        self._suffix = suffix
        self._clock = clock
        self._log = log
        self._gzip = gzip
        self._header = header
        self._last = clock.last_day
        self._pending: dict[int, list[_Pending]] = {}
        self._today: list[_Pending] = []
        self._seq = 0
        self._day = -1
        self._day_end = 0
        self._name = ""
        self._line = 0
        self._buf: list[str] = []
        self._raw: IO[bytes] | None = None
        self._out: IO[bytes] | None = None

    def begin_day(self, day: int) -> None:
        plain = f"{self.source}_{self._clock.date_str(day)}{self._suffix}"
        self._name = f"{plain}.gz" if self._gzip else plain
        path = self._out_dir / self._name
        self.files.append(path)
        self._raw = open(path, "wb")  # noqa: SIM115 - closed in end_day / close
        if self._gzip:
            # mtime=0 and a fixed name in the header: the same input gives the same .gz bytes.
            self._out = gzip_module.GzipFile(
                filename=plain, mode="wb", fileobj=self._raw, mtime=0, compresslevel=6
            )
        else:
            self._out = self._raw
        self._day = day
        # The last file also takes everything received after the window.
        self._day_end = (day + 1) * DAY_MS if day < self._last else 1 << 62
        self._today = self._pending.pop(day, [])
        self._line = 0
        if self._header is not None:
            self._buf.append(self._header)
            self._line = 1

    def emit(self, key: int, line: str) -> None:
        """An unlabelled line received at `key`: the hot path, written now when due today."""
        if key < self._day_end:
            today = self._today
            if today and today[0][0] <= key:
                self._drain(key)
            if not line.isascii():
                self._write(line, None)
                return
            self._buf.append(line)
            self._line += 1
            if not self._line & _CHUNK_MASK:
                self._flush()
        else:
            self.deliver(key, line)

    def deliver(
        self, key: int, line: str, label: str | None = None, *, delayed: bool = False
    ) -> None:
        """Hand over one line, received at `key`; it is written in its day's file.

        A line due today is written now, after any waiting lines with smaller keys. `delayed`
        lines (copies, later versions) always wait, so they follow what is written in between.
        """
        day = min(key // DAY_MS, self._last)
        self._seq += 1
        if day <= self._day:
            if not delayed:
                if self._today and self._today[0][0] <= key:
                    self._drain(key)
                self._write(line, label)
            else:
                heapq.heappush(self._today, (key, self._seq, line, label))
        else:
            heapq.heappush(self._pending.setdefault(day, []), (key, self._seq, line, label))

    def end_day(self) -> None:
        self._drain(None)
        self._flush()
        self.records += self._line - (self._header is not None)
        self._close_files()

    def close(self) -> None:
        """Release the open file after a failure (end_day is the normal path)."""
        self._close_files()

    def _drain(self, upto: int | None) -> None:
        today = self._today
        pop = heapq.heappop
        while today and (upto is None or today[0][0] <= upto):
            _, _, line, label = pop(today)
            self._write(line, label)

    def _write(self, line: str, label: str | None) -> None:
        if line.isascii():
            self._buf.append(line)
        else:
            # One wide line would make the whole joined chunk a wide string, several times
            # slower to encode: write what is buffered, then this line on its own.
            self._flush()
            assert self._out is not None
            self._out.write(line.encode("utf-8", "surrogateescape") + b"\n")
        self._line += 1
        if label is not None:
            self.labels[label] = self.labels.get(label, 0) + 1
            self._log.add(self._name, self._line, self.source, label)
        if not self._line & _CHUNK_MASK:
            self._flush()

    def _flush(self) -> None:
        if self._buf and self._out is not None:
            text = "\n".join(self._buf) + "\n"
            self._out.write(text.encode("ascii"))
            self._buf.clear()

    def _close_files(self) -> None:
        if self._out is not None and self._out is not self._raw:
            self._out.close()
        if self._raw is not None:
            self._raw.close()
        self._out = self._raw = None


def export_repeat_delay(rng: random.Random) -> int:
    """For an exported order line / transaction row: 0, or after how many ms it is exported
    again byte for byte (at-least-once exports: later the same day, or a day or two on)."""
    if rng.random() >= EXPORT_REPEAT_RATE:
        return 0
    if rng.random() < 0.5:
        return rng.randint(1, 3600) * 1000
    return rng.randint(1, 2 * 86_400) * 1000
