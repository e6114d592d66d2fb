"""The views a partial build on PostgreSQL dropped: present before it, gone after it.

dbt replaces a table on PostgreSQL by renaming the new one in and dropping the old one with
`cascade`, which drops every view over it. A full build creates those views again, since it
selects every model; a partial build (`--select`, `--changed`) leaves them missing until the
next full build, and the next build of a model that reads one fails. So the flows note the
views before a partial build and build again those it dropped (DuckDB and Spark keep a view
whose table was replaced, so there is nothing to note there).
"""

from __future__ import annotations

import json
from pathlib import Path

from flows.engine import Target, connect

Relation = tuple[str, str]  # (schema, name)


def present_views(target: Target) -> set[Relation] | None:
    """Every view in the PostgreSQL warehouse; None on the engines that keep their views."""
    if target.pg_dsn is None:
        return None
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute("select table_schema, table_name from information_schema.views")
        return set(cur.fetchall())
    finally:
        conn.close()


def manifest_views(manifest: Path) -> dict[str, Relation]:
    """Every enabled view model of the manifest: its name -> its relation."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {
        node["name"]: (node["schema"], node.get("alias") or node["name"])
        for node in nodes
        if node["resource_type"] == "model" and node["config"].get("materialized") == "view"
    }


def dropped_views(target: Target, before: set[Relation] | None, target_path: Path) -> list[str]:
    """The view models (by name, sorted) that were in the warehouse before the build whose
    manifest is in target_path and are gone now."""
    if not before:
        return []
    after = present_views(target) or set()
    views = manifest_views(target_path / "manifest.json")
    return sorted(name for name, rel in views.items() if rel in before and rel not in after)
