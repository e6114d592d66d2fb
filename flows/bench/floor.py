"""The build floor: the SQL of the last `dbt build`, executed straight on the engine.

dbt adds work of its own around every statement (parsing, compiling, rendering materializations,
metadata queries, temporary relations and renames, artifacts). The floor is what remains without
it: the same compiled statements, in the order dbt finished them, through one plain connection
- a model becomes one `create table ... as` (or view), a data test one `count(*)` over its query.
Seeds, hooks and unit tests are dbt's own constructs and are not replayed (seeds are tiny; the
hooks' functions already exist), except PostgreSQL's `analyze` of every new table, without which
later statements are planned from guesses, and the indexes dbt creates with a table (a model's
`indexes` config). The floor is a lower bound of what any runner could do.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from flows.engine import Target, connect

# the profile's DuckDB settings (profiles/profiles.yml), so the floor runs under the same limits
DUCKDB_SETTINGS = {
    "threads": 2,
    "preserve_insertion_order": False,
    "checkpoint_threshold": "1GB",
    "TimeZone": "UTC",
}


def floor_statements(target_path: Path) -> list[str]:
    """The statements the floor runs, in the order of run_results.json."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    nodes: dict[str, dict[str, Any]] = manifest["nodes"]
    statements = []
    for result in results:
        node = nodes.get(result["unique_id"])
        if node is None or not node.get("compiled_code"):
            continue  # seeds, unit tests, hooks
        statement = _statement(node)
        if statement:
            statements += [statement, *_indexes(node)]
    return statements


def _statement(node: dict[str, Any]) -> str | None:
    sql = node["compiled_code"].strip().rstrip(";")
    if node["resource_type"] == "test":
        return f"select count(*) from (\n{sql}\n) as floor_test"
    if node["resource_type"] != "model":
        return None
    relation = node["relation_name"]
    if node["config"]["materialized"] == "view":
        return f"create or replace view {relation} as (\n{sql}\n)"
    return f"create or replace table {relation} as (\n{sql}\n)"


def _indexes(node: dict[str, Any]) -> list[str]:
    """The indexes dbt creates with a model's table (its `indexes` config: PostgreSQL's
    incremental models). Without them the floor left the tables of the next incremental build
    unindexed, and skipped work the full build does."""
    if node["resource_type"] != "model" or node["config"]["materialized"] == "view":
        return []
    return [
        f"create {'unique ' if index.get('unique') else ''}index on {node['relation_name']}"
        f"{' using ' + index['type'] if index.get('type') else ''}"
        f" ({', '.join(index['columns'])})"
        for index in node["config"].get("indexes") or []
    ]


def run_floor(target: Target, target_path: Path, memory_limit: str | None = None) -> float:
    """Execute the floor statements on the warehouse; return the seconds they took.
    memory_limit: DuckDB's, by default the profile's ($SHOPLOG_DUCKDB_MEMORY, else 3GB)."""
    memory_limit = memory_limit or os.environ.get("SHOPLOG_DUCKDB_MEMORY", "3GB")
    statements = floor_statements(target_path)
    conn = connect(target)
    try:
        cur = conn.cursor()
        if target.duckdb_path is not None:
            for name, value in {**DUCKDB_SETTINGS, "memory_limit": memory_limit}.items():
                cur.execute(f"set {name} = '{value}'")
        started = time.perf_counter()
        for statement in statements:
            if target.pg_dsn is not None and statement.startswith("create or replace table"):
                # PostgreSQL has no `create or replace table`: drop (with the views over it,
                # which come again later in the same order) and create
                relation = statement.split()[4]
                cur.execute(f"drop table if exists {relation} cascade")
                statement = statement.replace("create or replace table", "create table", 1)
            cur.execute(statement)
            if target.pg_dsn is not None and statement.startswith("create table"):
                # as the project's post-hook does (macros/postgres/analyze_table.sql)
                cur.execute(f"analyze {statement.split()[2]}")
            if statement.startswith("select"):
                cur.fetchall()
        conn.commit()
        return time.perf_counter() - started
    finally:
        conn.close()
