"""Reading a test warehouse (rows of a query, through a read-only connection) and writing to it
(statements in one transaction), on any engine."""

from __future__ import annotations

from flows.engine import Target, connect


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


def execute(target: Target, *statements: str) -> None:
    """Run the statements in one transaction and commit."""
    conn = connect(target)
    try:
        cur = conn.cursor()
        for statement in statements:
            cur.execute(statement)
        conn.commit()
    finally:
        conn.close()
