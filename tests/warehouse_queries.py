"""Reading a test warehouse (rows of a query, through a read-only connection) and writing to it
(statements in one transaction), on any engine."""

from __future__ import annotations

from flows.engine import Target, connect, execute

__all__ = ["execute", "query", "scalar"]


def query(target: Target, sql: str) -> list[tuple]:
    """All rows of a query; PostgreSQL bytea comes back as bytes, like DuckDB's blobs."""
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute(sql)
        rows = cur.fetchall()
    finally:
        conn.close()
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows]


def scalar(target: Target, sql: str) -> object:
    """The first column of the first row of a query."""
    return query(target, sql)[0][0]
