"""The views a partial build on PostgreSQL dropped, found from the manifest.

dbt replaces a table on PostgreSQL by renaming the new one in and dropping the old one with
`cascade`, which drops every view over it. A full build creates those views again, since it
selects every model; a partial build (`--select`, `--changed`) leaves them missing until the
next full build, and the next build of a model that reads one fails. So after a partial build
the flows build again the views the manifest names but the warehouse lacks (DuckDB and Spark
keep a view whose table was replaced, so there is nothing to find there).
"""

from __future__ import annotations

import json
from pathlib import Path

from flows.engine import Target, connect


def manifest_views(manifest: Path) -> dict[str, tuple[str, str]]:
    """Every enabled view model of the manifest: its name -> (schema, relation name)."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {
        node["name"]: (node["schema"], node.get("alias") or node["name"])
        for node in nodes
        if node["resource_type"] == "model" and node["config"].get("materialized") == "view"
    }


def missing_views(target: Target, target_path: Path) -> list[str]:
    """The view models (by name) that the last build's manifest in target_path names and the
    PostgreSQL warehouse lacks, sorted; none on other engines."""
    if target.pg_dsn is None:
        return []
    views = manifest_views(target_path / "manifest.json")
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute("select table_schema, table_name from information_schema.views")
        present = set(cur.fetchall())
    finally:
        conn.close()
    return sorted(name for name, relation in views.items() if relation not in present)
