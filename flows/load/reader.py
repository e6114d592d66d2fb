"""A file's physical lines as Arrow record batches, without a Python loop per line.

A record is a physical line without its terminating `\\n` (a `\\r` stays). The file is read in
blocks of `chunk_bytes` cut after the last newline; within a block, numpy finds the newlines and
the lines become an Arrow `binary_view` array over the block's own bytes (zero copy: each view is
an offset and a length, so the terminator is simply left out). The engine then does the per-line
work (UTF-8 check, copy into storage) in bulk.
"""

from __future__ import annotations

import hashlib
import os
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa

from flows.engine import ShoplogError
from flows.load.sources import PlannedFile, show

# Arrow views hold int32 offsets into a block, so a block must stay below 2 GiB: one line of at
# most 1 GiB plus one read of at most 1 GiB. (PostgreSQL cannot store a larger value anyway.)
MAX_LINE_BYTES = 1 << 30
MAX_CHUNK_BYTES = 1 << 30
# Newlines are searched in windows of this size: cache friendly, and it bounds the per-line
# arrays (16-byte views, 8-byte line numbers) even for a block made only of empty lines.
WINDOW_BYTES = 8 << 20
_GZIP_READ = 1 << 20

SCHEMA = pa.schema([("ln", pa.int64()), ("line", pa.binary_view())])


@dataclass(frozen=True)
class LineChunk:
    """Consecutive records of one file: columns `ln` (line number) and `line` (bytes)."""

    batch: pa.RecordBatch
    data_bytes: int  # bytes of the file these records span, terminators included

    @property
    def rows(self) -> int:
        return self.batch.num_rows


def _binary_views(a: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Arrow binary_view structs (16 bytes each) for the slices a[start:start+length].

    Layout: int32 length, then either the bytes inline (length <= 12, zero padded) or a 4-byte
    prefix, the buffer index (always 0: one block) and the int32 offset.
    """
    n = len(starts)
    views = np.zeros((n, 16), np.uint8)
    fields = views.view("<i4")
    fields[:, 0] = lengths
    long = lengths > 12
    if long.any():
        long_starts = starts[long]
        views[long, 4:8] = np.lib.stride_tricks.sliding_window_view(a, 4)[long_starts]
        fields[long, 3] = long_starts
    short = ~long
    if short.any():
        lo = int(starts[short].min())
        hi = int((starts[short] + lengths[short]).max())
        # a padded copy of just the span holding short lines, so 12-byte windows never overrun
        span = np.zeros(hi - lo + 12, np.uint8)
        span[: hi - lo] = a[lo:hi]
        inline = np.lib.stride_tricks.sliding_window_view(span, 12)[starts[short] - lo]
        inline[np.arange(12) >= lengths[short][:, None]] = 0
        views[short, 4:16] = inline
    return views


def split_lines(buf: bytes, lo: int, hi: int, first_line: int) -> pa.RecordBatch:
    """The records in buf[lo:hi] (which ends after a newline, or at the file's end)."""
    a = np.frombuffer(buf, np.uint8)
    ends = np.flatnonzero(a[lo:hi] == 10) + lo
    if a[hi - 1] != 10:
        ends = np.append(ends, hi)  # the file's last line has no terminator
    n = len(ends)
    starts = np.empty(n, np.int64)
    starts[0] = lo
    starts[1:] = ends[:-1] + 1
    views = _binary_views(a, starts, ends - starts)
    lines = pa.Array.from_buffers(
        pa.binary_view(), n, [None, pa.py_buffer(views), pa.py_buffer(buf)]
    )
    numbers = pa.array(np.arange(first_line, first_line + n, dtype=np.int64))
    return pa.RecordBatch.from_arrays([numbers, lines], schema=SCHEMA)


def _windows(buf: bytes, limit: int, size: int) -> Iterator[tuple[int, int]]:
    """Cut buf[:limit] into spans of about `size` bytes, each ending after a newline."""
    pos = 0
    while pos < limit:
        end = min(pos + size, limit)
        if end < limit:
            cut = buf.rfind(b"\n", pos, end)
            if cut < 0:
                cut = buf.find(b"\n", end, limit)  # one line longer than a window
            end = cut + 1 if cut >= 0 else limit
        yield pos, end
        pos = end


class CorruptGzip(Exception):
    pass


class GzipStream:
    """Gzip members back to back, as `gzip -d` reads them, decompressed with zlib directly.

    About twice as fast as the gzip module, and every damage (bad deflate data, CRC or length
    mismatch, truncation, trailing garbage) surfaces as CorruptGzip.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._d: zlib._Decompress | None = None  # None between members
        self._pending = b""
        self._eof = False

    def _input(self) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        return self._raw.read(_GZIP_READ)

    def read(self, size: int) -> bytes:
        """Up to `size` bytes; fewer only at the end of the stream."""
        parts: list[bytes] = []
        need = size
        while need > 0 and not self._eof:
            if self._d is None:
                data = self._input()
                if not data:
                    self._eof = True  # a clean end between members (or an empty file)
                    break
                data = data.lstrip(b"\0")  # zero padding after a member is allowed, as in gzip
                if not data:
                    continue
                self._d = zlib.decompressobj(wbits=31)
                self._pending = data
            data = self._d.unconsumed_tail or self._input()
            if not data:
                raise CorruptGzip("unexpected end of file: the compressed stream is truncated")
            try:
                out = self._d.decompress(data, need)
            except zlib.error as exc:
                raise CorruptGzip(str(exc)) from exc
            parts.append(out)
            need -= len(out)
            if self._d.eof:
                self._pending = self._d.unused_data  # the next member, if any
                self._d = None
        return b"".join(parts)


class FileLines:
    """One planned file: its sha256, then its records in chunks, its header and row count."""

    def __init__(self, item: PlannedFile, chunk_bytes: int) -> None:
        self.item = item
        self.chunk_bytes = max(1, min(chunk_bytes, MAX_CHUNK_BYTES))
        self.window_bytes = min(WINDOW_BYTES, self.chunk_bytes)
        self.sha256 = ""
        self.file_bytes = 0
        self.header: str | None = None
        self.rows = 0
        self._next_line = 1  # the physical line number of the next record
        self._identity: tuple[int, ...] | None = None

    def _fail(self, detail: str) -> ShoplogError:
        return ShoplogError(f"{show(self.item.path)}: {detail}")

    @staticmethod
    def _identity_of(handle: BinaryIO) -> tuple[int, ...]:
        st = os.fstat(handle.fileno())
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def hash(self) -> str:
        """sha256 of the bytes on disk (of the .gz itself when compressed)."""
        try:
            with open(self.item.path, "rb") as handle:
                self._identity = self._identity_of(handle)
                self.sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as exc:
            raise self._fail(f"cannot read it ({exc.strerror or exc})") from exc
        self.file_bytes = self._identity[2]
        return self.sha256

    def __iter__(self) -> Iterator[LineChunk]:
        assert self._identity is not None, "hash() first: the sha decides whether to load"
        try:
            with open(self.item.path, "rb") as raw:
                if self._identity_of(raw) != self._identity:
                    raise self._fail("changed after it was hashed; load it again")
                yield from self._chunks(raw)
                # a file rewritten during the load would not match its recorded sha256
                if self._identity_of(raw) != self._identity or raw.tell() != self.file_bytes:
                    raise self._fail("changed while it was being loaded; load it again")
        except CorruptGzip as exc:
            raise self._fail(f"corrupt gzip data ({exc})") from exc
        except OSError as exc:
            raise self._fail(f"cannot read it ({exc.strerror or exc})") from exc

    def _chunks(self, raw: BinaryIO) -> Iterator[LineChunk]:
        read: Callable[[int], bytes] = GzipStream(raw).read if self.item.compressed else raw.read
        want_header = self.item.has_header
        for buf, limit in self._blocks(read):
            for lo, hi in _windows(buf, limit, self.window_bytes):
                batch = split_lines(buf, lo, hi, self._next_line)
                self._next_line += batch.num_rows
                if want_header:
                    want_header = False
                    first = batch.column(1)[0].as_py()
                    # header is metadata text: readable beats exact; NUL is not valid in text
                    self.header = first.decode("utf-8", "replace").replace("\0", "\ufffd")
                    batch = batch.slice(1)
                if batch.num_rows:
                    self.rows += batch.num_rows
                    yield LineChunk(batch, hi - lo)

    def _blocks(self, read: Callable[[int], bytes]) -> Iterator[tuple[bytes, int]]:
        """(buffer, limit): buffer[:limit] is whole lines; the rest is carried to the next read."""
        carry = b""
        while True:
            data = read(self.chunk_bytes)
            if not data:
                if carry:
                    yield carry, len(carry)
                return
            # the carry holds no newline, so only the new data needs searching
            buf = carry + data if carry else data
            cut = buf.rfind(b"\n", len(carry)) + 1
            # only a line continuing the carry can outgrow the limit (data is one read long)
            first_end = buf.find(b"\n", len(carry)) if carry else 0
            if (first_end if cut else len(buf)) > MAX_LINE_BYTES:
                raise self._fail(
                    f"line {self._next_line} is longer than {MAX_LINE_BYTES:,} bytes, "
                    "more than the warehouse can hold in one value"
                )
            if cut == 0:
                carry = buf
                continue
            yield buf, cut
            carry = buf[cut:]


def batched(
    chunks: Iterable[LineChunk], group_rows: int, min_rows: int, max_bytes: int
) -> Iterator[pa.Table]:
    """Regroup chunks into single-batch tables of a multiple of `group_rows` rows.

    DuckDB inserts fastest from one Arrow batch holding several whole row groups (122,880 rows):
    measured here, 56 small batches or one row group per insert take 2-3x as long. So tables
    are yielded once `min_rows` are pending, cut at a group boundary (the rest waits for the
    next chunk); when lines are so long that `max_bytes` fill up first, they are yielded then.
    """
    parts: list[pa.RecordBatch] = []
    rows = 0
    pending_bytes = 0
    for chunk in chunks:
        parts.append(chunk.batch)
        rows += chunk.rows
        pending_bytes += chunk.data_bytes
        if rows < min_rows and pending_bytes < max_bytes:
            continue
        take = rows - rows % group_rows if rows >= group_rows else rows
        # combining copies only the 16-byte views; the line bytes stay where they are
        table = pa.Table.from_batches(parts, schema=SCHEMA).combine_chunks()
        yield table.slice(0, take)
        rest = table.slice(take)
        parts = rest.to_batches()
        rows = rest.num_rows
        pending_bytes = 0  # the rest is under one group: its bytes are bounded by that
    if rows:
        yield pa.Table.from_batches(parts, schema=SCHEMA).combine_chunks()


def _weight(chunk: LineChunk) -> int:
    # the bytes it spans plus its per-line arrays (16-byte view, 8-byte line number)
    return chunk.data_bytes + 24 * chunk.rows


def prefetched(items: Iterable[LineChunk], budget_bytes: int) -> Iterator[LineChunk]:
    """Iterate `items` on a helper thread, holding up to about `budget_bytes` of them ready.

    Reading, decompressing and splitting release the GIL for most of their time, as does the
    engine's insert, so the next chunks are prepared while the current ones are written.
    """
    cond = threading.Condition()
    ready: deque[LineChunk] = deque()
    state: dict[str, Any] = {"weight": 0, "done": False, "error": None, "stop": False}

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                with cond:
                    cond.wait_for(lambda: state["stop"] or state["weight"] < budget_bytes)
                    if state["stop"]:
                        return
                    ready.append(item)
                    state["weight"] += _weight(item)
                    cond.notify_all()
        except BaseException as exc:  # handed to the consumer, which re-raises it
            with cond:
                state["error"] = exc
        finally:
            with cond:
                state["done"] = True
                cond.notify_all()
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # the consumer stopped early: release the file now

    worker = threading.Thread(target=produce, name="shoplog-load-reader", daemon=True)
    worker.start()
    try:
        while True:
            with cond:
                cond.wait_for(lambda: ready or state["done"])
                if ready:
                    item = ready.popleft()
                    state["weight"] -= _weight(item)
                    cond.notify_all()
                elif state["error"] is not None:
                    raise state["error"]
                else:
                    return
            yield item
    finally:
        with cond:
            state["stop"] = True
            cond.notify_all()
        worker.join()
