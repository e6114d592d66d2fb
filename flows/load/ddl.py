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
    "spark": {"text": "string", "bytes": "binary", "double": "double"},
}


def raw_table(source: str) -> str:
    return f"{RAW_SCHEMA}.{source}"


def statements(engine: str) -> list[str]:
    """Idempotent DDL: the schema, one raw table per source, and the batch log."""
    t = _TYPES[engine]
    # Spark (parquet tables) has no varchar without a length and no keys: there the writer
    # checks the sha itself, under the warehouse's writer lock
    text = "string" if engine == "spark" else "varchar"
    spark = engine == "spark"
    using = " using parquet" if spark else ""
    ddl = [f"create schema if not exists {RAW_SCHEMA}"]
    for source in SOURCES:
        ddl.append(
            f"""create table if not exists {raw_table(source)} (
                _batch_id bigint not null,
                _line_number bigint not null,
                record {t["text"]},
                record_bytes {t["bytes"]},
                _source_file {text} not null,
                _file_sha256 {text} not null,
                _loaded_at timestamp not null
            ){using}"""
        )
        if engine == "postgres":
            # the log's own key: incremental models and the live view's fresh tail read the
            # batches above a high-water mark, which without it is a scan of the whole log
            ddl.append(
                f"create index if not exists {source}_batch_line "
                f"on {raw_table(source)} (_batch_id, _line_number)"
            )
    # the unique sha is what makes a load exactly-once, even if two loaders race
    ddl.append(
        f"""create table if not exists {BATCHES_TABLE} (
            batch_id bigint{"" if spark else " primary key"},
            source {text} not null,
            source_file {text} not null,
            file_sha256 {text} not null{"" if spark else " unique"},
            file_bytes bigint not null,
            rows bigint not null,
            header {text},
            loaded_at timestamp not null,
            seconds {t["double"]} not null
        ){using}"""
    )
    return ddl
