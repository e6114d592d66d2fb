"""The raw tables, per engine: the same columns for every source, types spelled per dialect."""

from __future__ import annotations

from flows.load.sources import SOURCES

RAW_SCHEMA = "raw"
BATCHES_TABLE = f"{RAW_SCHEMA}._load_batches"
RAW_COLUMNS = (
    "_batch_id",
    "_line_number",
    "record",
    "record_bytes",
    "_source_file",
    "_file_sha256",
    "_loaded_at",
)
BATCH_COLUMNS = (
    "batch_id",
    "source",
    "source_file",
    "file_sha256",
    "file_bytes",
    "rows",
    "header",
    "loaded_at",
    "seconds",
)

_TYPES = {
    "duckdb": {"text": "varchar", "bytes": "blob", "double": "double"},
    "postgres": {"text": "text", "bytes": "bytea", "double": "double precision"},
}


def raw_table(source: str) -> str:
    return f"{RAW_SCHEMA}.{source}"


def statements(engine: str) -> list[str]:
    """Idempotent DDL: the schema, one raw table per source, and the batch log."""
    t = _TYPES[engine]
    ddl = [f"create schema if not exists {RAW_SCHEMA}"]
    for source in SOURCES:
        ddl.append(
            f"""create table if not exists {raw_table(source)} (
                _batch_id bigint not null,
                _line_number bigint not null,
                record {t["text"]},
                record_bytes {t["bytes"]},
                _source_file varchar not null,
                _file_sha256 varchar not null,
                _loaded_at timestamp not null
            )"""
        )
    # the unique sha is what makes a load exactly-once, even if two loaders race
    ddl.append(
        f"""create table if not exists {BATCHES_TABLE} (
            batch_id bigint primary key,
            source varchar not null,
            source_file varchar not null,
            file_sha256 varchar not null unique,
            file_bytes bigint not null,
            rows bigint not null,
            header varchar,
            loaded_at timestamp not null,
            seconds {t["double"]} not null
        )"""
    )
    return ddl
