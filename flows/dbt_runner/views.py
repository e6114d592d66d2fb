"""The views a partial build on PostgreSQL drops, and how the build keeps them.

dbt replaces a table (or a view) on PostgreSQL by renaming the new one in and dropping the old
one with `cascade`, which drops every view over it. A full build creates those views again,
since it selects every model; a partial build (`--select`, `--changed`) would leave them
missing until the next full build. Worse, a test of a selected model that reads such a view
(a relationships test to it) would fail in the same build. So on PostgreSQL a partial build
also selects the views over the models it replaces (`views_over`): dbt then builds each after
its table and runs the tests that read it after it. As a net for any drop those rules miss,
the flows note the views before the build and build again those gone after it. DuckDB and
Spark keep a view whose table was replaced, so there is nothing to do there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flows.dbt_runner.listing import list_ids
from flows.engine import ShoplogError, Target, connect

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


def views_over(manifest: dict[str, Any], selected: Iterable[str], full_refresh: bool) -> list[str]:
    """The view models (by name, sorted, not already selected) that building the selected
    nodes (unique ids) drops on PostgreSQL: the views over each node dbt replaces, and the
    views over those. dbt replaces tables and views always, incremental models and seeds only
    on a full refresh; an incremental run merges into its table and keeps what is over it."""
    nodes = manifest["nodes"]
    chosen = set(selected)

    def replaced(unique_id: str) -> bool:
        node = nodes.get(unique_id)
        if node is None or node["resource_type"] not in ("model", "seed"):
            return False
        materialized = node["config"].get("materialized")
        if materialized in ("incremental", "seed"):
            return full_refresh
        return materialized in ("table", "view")

    def is_view(node: dict[str, Any]) -> bool:
        return node["resource_type"] == "model" and node["config"].get("materialized") == "view"

    dropped: set[str] = set()
    frontier = [uid for uid in chosen if replaced(uid)]
    while frontier:  # a dropped view drops the views over it in turn
        over = {
            uid
            for uid, node in nodes.items()
            if is_view(node)
            and uid not in dropped
            and set(node["depends_on"]["nodes"]) & set(frontier)
        }
        dropped |= over
        frontier = list(over)
    return sorted(nodes[uid]["name"] for uid in dropped - chosen)


def with_views_over(target: Target, select: str, full_refresh: bool) -> str:
    """The selection, plus on PostgreSQL the views that building it drops (views_over)."""
    if target.pg_dsn is None:
        return select
    try:
        selected, manifest = list_ids(
            target, ["--select", select, "--resource-type", "model", "--resource-type", "seed"]
        )
    except ShoplogError:
        return select  # a selection dbt cannot read: the build reports it in dbt's words
    return " ".join([select, *views_over(manifest, selected, full_refresh)])
