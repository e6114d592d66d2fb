"""Training-set snapshots: ml.ml_training_set read into a typed Arrow table and written once to
artifacts/datasets/<name>_<date>_<sha12>.parquet. The bytes depend only on the rows (sorted,
fixed schema and writer options), so the same content always gives the same file, on any
engine; a snapshot is never overwritten."""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flows.engine import ShoplogError, Target, connect
from flows.ml.config import FEATURES

KEY_COLUMNS = ("customer_key", "cutoff_date")
LABEL = "label"
SCHEMA = pa.schema(
    [
        pa.field("customer_key", pa.string(), nullable=False),
        pa.field("cutoff_date", pa.date32(), nullable=False),
        pa.field("label_window_end_date", pa.date32(), nullable=False),
        *(pa.field(name, pa.float64()) for name in FEATURES),
        pa.field(LABEL, pa.int8(), nullable=False),
    ]
)


@dataclass(frozen=True)
class Snapshot:
    path: Path
    sha256: str
    rows: int
    table: pa.Table
    created: bool  # False: the same content was already snapshotted


def read_relation(target: Target, relation: str, where: str = "") -> pa.Table:
    """Rows of an ml relation in the snapshot schema's columns, sorted by key."""
    training_only = (LABEL, "label_window_end_date")
    columns = [
        f.name for f in SCHEMA if f.name not in training_only or relation.endswith("training_set")
    ]
    sql = f"select {', '.join(columns)} from {relation} {where} order by cutoff_date, customer_key"
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        try:
            cur.execute(sql)
        except Exception as exc:
            raise ShoplogError(
                f"cannot read {relation}: build the ml models first (`shoplog build`)"
            ) from exc
        rows = cur.fetchall()
    finally:
        conn.close()
    schema = pa.schema([SCHEMA.field(name) for name in columns])
    arrays = []
    for index, field in enumerate(schema):
        values = [row[index] for row in rows]
        if pa.types.is_floating(field.type):
            values = [None if v is None else float(v) for v in values]
        arrays.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def parquet_bytes(table: pa.Table) -> bytes:
    """The table as Parquet with fixed options: equal tables give equal bytes."""
    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        compression="zstd",
        compression_level=3,
        use_dictionary=False,
        write_statistics=True,
        store_schema=False,
    )
    return sink.getvalue()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def snapshot_training_set(target: Target, out_dir: Path, name: str) -> Snapshot:
    """Snapshot ml.ml_training_set; the file name's date is its latest cutoff (content, not
    the clock), its suffix the first 12 hex digits of the bytes' sha256."""
    table = read_relation(target, "ml.ml_training_set")
    if table.num_rows == 0:
        raise ShoplogError(
            "ml.ml_training_set is empty: the data must span more than the 30-day label window "
            "plus 4 weeks of history"
        )
    data = parquet_bytes(table)
    sha = hashlib.sha256(data).hexdigest()
    latest: datetime.date = max(table.column("cutoff_date").to_pylist())
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}_{latest.isoformat()}_{sha[:12]}.parquet"
    if path.exists():
        if sha256_file(path) != sha:
            raise ShoplogError(f"{path} exists with other content; snapshots are never replaced")
        return Snapshot(path, sha, table.num_rows, table, created=False)
    # written beside it, then linked into place: a snapshot appears whole or not at all, and
    # os.link refuses to replace a file another process wrote meanwhile
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            os.link(tmp, path)
        except FileExistsError:
            if sha256_file(path) != sha:
                raise ShoplogError(f"{path} appeared with other content") from None
    finally:
        os.unlink(tmp)
    path.chmod(0o444)
    return Snapshot(path, sha, table.num_rows, table, created=True)


def load_snapshot(path: Path) -> pa.Table:
    return pq.read_table(path)


@dataclass(frozen=True)
class Split:
    train: pa.Table
    holdout: pa.Table
    holdout_from: datetime.date


def time_split(table: pa.Table, holdout_cutoffs: int) -> Split:
    """The last `holdout_cutoffs` cutoffs are the holdout; training rows are the earlier
    cutoffs whose label window ends by the first holdout cutoff."""
    cutoffs = sorted(set(table.column("cutoff_date").to_pylist()))
    if len(cutoffs) <= holdout_cutoffs:
        raise ShoplogError(
            f"only {len(cutoffs)} training cutoff(s): need more than the {holdout_cutoffs} "
            "held out (more days of data)"
        )
    first = cutoffs[-holdout_cutoffs]
    rows = table.to_pylist()
    holdout = [r for r in rows if r["cutoff_date"] >= first]
    train = [r for r in rows if r["label_window_end_date"] <= first]
    if not train:
        raise ShoplogError(
            f"no training cutoff's label window ends by the holdout's first cutoff {first}: "
            "need more days of data"
        )
    labels = {r[LABEL] for r in train}
    if labels != {0, 1}:
        raise ShoplogError(f"the training rows have only label(s) {sorted(labels)}")
    return Split(
        pa.Table.from_pylist(train, schema=table.schema),
        pa.Table.from_pylist(holdout, schema=table.schema),
        first,
    )
