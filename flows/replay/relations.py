"""Which relations dbt derives from the log (read from its manifest), and dropping them."""

from __future__ import annotations

import json
from pathlib import Path

from flows.engine import Target, connect

DERIVED_RESOURCE_TYPES = frozenset({"model", "seed", "snapshot"})


def derived_relations(manifest_path: Path) -> list[tuple[str, str, str]]:
    """(schema, name, materialization) of every relation dbt builds, from a manifest.json.

    Only what dbt manages counts as derived: tables written by Python (alerts, the model
    registry, data-quality history) are records of their own, never dropped by a replay.
    """
    manifest = json.loads(manifest_path.read_text())
    relations = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in DERIVED_RESOURCE_TYPES:
            continue
        materialized = node["config"].get("materialized", "table")
        if materialized == "ephemeral":
            continue
        name = node.get("alias") or node["name"]
        relations.append(
            (node["schema"], name, "seed" if node["resource_type"] == "seed" else materialized)
        )
    return sorted(relations)


def drop_relations(target: Target, relations: list[tuple[str, str, str]]) -> None:
    """Drop the relations (views first, since they depend on tables) in one transaction."""
    ordered = sorted(relations, key=lambda r: r[2] != "view")
    conn = connect(target)
    try:
        cur = conn.cursor()
        for schema, name, materialized in ordered:
            kind = "view" if materialized == "view" else "table"
            cascade = " cascade" if target.pg_dsn else ""
            cur.execute(f'drop {kind} if exists "{schema}"."{name}"{cascade}')
        conn.commit()
    finally:
        conn.close()
