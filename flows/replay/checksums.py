"""Order-independent content fingerprints of tables: row count plus a sum of row hashes."""

from __future__ import annotations

from dataclasses import dataclass

from flows.engine import Target, connect


@dataclass(frozen=True)
class TableFingerprint:
    relation: str
    rows: int
    checksum: str


def checksum_sql(target: Target, relation: str) -> str:
    """SQL giving (rows, checksum) for a relation; equal content gives equal results."""
    if target.pg_dsn:
        # md5 of the row's text form, first 15 hex digits as a bigint, summed as numeric
        return (
            "select count(*), "
            "coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text "
            f"from {relation} as t"
        )
    return f"select count(*), coalesce(sum(hash(t)::hugeint), 0)::varchar from {relation} as t"


def fingerprint(target: Target, relations: list[str]) -> dict[str, TableFingerprint]:
    """Fingerprints of the given relations ("schema"."name"), read through a read-only reader."""
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        result = {}
        for relation in relations:
            cur.execute(checksum_sql(target, relation))
            rows, checksum = cur.fetchone()
            result[relation] = TableFingerprint(relation, int(rows), str(checksum))
        return result
    finally:
        conn.close()


def fingerprints(
    target: Target, relations: list[tuple[str, str, str]]
) -> dict[str, TableFingerprint]:
    """Fingerprints of derived relations given as (schema, name, materialization)."""
    return fingerprint(target, [f'"{schema}"."{name}"' for schema, name, _ in relations])
