"""What the warehouse holds now: rows per layer and per table, read through a read-only reader."""

from __future__ import annotations

from dataclasses import dataclass

from flows.engine import SCHEMAS, Target, connect


@dataclass(frozen=True)
class TableCount:
    schema: str
    table: str
    rows: int


def table_counts(target: Target) -> list[TableCount]:
    """Row counts of every table in the shoplog schemas (views are not counted)."""
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        placeholders = ", ".join(["%s" if target.pg_dsn else "?"] * len(SCHEMAS))
        cur.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_type = 'BASE TABLE' and table_schema in ({placeholders}) "
            "order by 1, 2",
            list(SCHEMAS),
        )
        names = cur.fetchall()
        counts = []
        for schema, table in names:
            cur.execute(f'select count(*) from "{schema}"."{table}"')
            counts.append(TableCount(schema, table, int(cur.fetchone()[0])))
        return counts
    finally:
        conn.close()


def rows_per_layer(counts: list[TableCount]) -> dict[str, int]:
    """Rows per schema, in the order of the layers."""
    layers = {schema: 0 for schema in SCHEMAS}
    for count in counts:
        layers[count.schema] += count.rows
    return {schema: rows for schema, rows in layers.items() if rows or schema != "ml"}
