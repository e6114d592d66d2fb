"""Documentation is part of the build: nothing undocumented gets through, and the site builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engines import per_engine
from warehouse_queries import execute, query

from flows.dbt_runner import default_target_path, run_dbt
from flows.docs_site import generate_site
from flows.engine import ShoplogError, Target
from flows.pipeline import build


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Target:
    target = Target("duckdb", duckdb_path=tmp_path_factory.mktemp("docs") / "w.duckdb")
    build(target)  # an empty log builds every relation, empty
    return target


@pytest.fixture(scope="module")
def pg_empty_warehouse(pg_target_module: Target) -> Target:
    build(pg_target_module)
    return pg_target_module


empty = per_engine("empty", "empty_warehouse", "pg_empty_warehouse")


def test_a_column_missing_from_the_yaml_fails_the_build(empty: Target) -> None:
    """On both engines (each reads its catalog in its own query, macro built_columns)."""
    execute(empty, "alter table marts.fct_daily_revenue add column sneaky integer")
    try:
        with pytest.raises(ShoplogError, match=r"fct_daily_revenue\.sneaky has no description"):
            build(empty, select="fx_rates")
    finally:
        execute(empty, "alter table marts.fct_daily_revenue drop column sneaky")
    build(empty, select="fx_rates")  # and a documented warehouse passes


def test_docs_site_is_one_static_page_with_the_models_and_overview(
    empty_warehouse: Target,
) -> None:
    page = generate_site(empty_warehouse)
    html = page.read_text()
    assert page.name == "index.html" and len(html) > 100_000
    for name in ("fct_daily_revenue", "stg_web__events", "audit_row_accounting"):
        assert name in html
    assert "Rebuilding everything from the log gives identical tables" in html  # __overview__


def test_every_model_and_column_in_the_manifest_is_described(empty_warehouse: Target) -> None:
    manifest = json.loads((default_target_path(empty_warehouse) / "manifest.json").read_text())
    models = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["package_name"] == "shoplog"
    ]
    assert models
    for node in models:
        assert node["description"].strip(), node["name"]
        assert node["columns"], node["name"]
        for column in node["columns"].values():
            assert column["description"].strip(), f"{node['name']}.{column['name']}"


def test_site_folder_is_under_the_data_dir(empty_warehouse: Target) -> None:
    assert Path(generate_site(empty_warehouse)).parent.name == "duckdb"


def test_exposures_show_their_upstream_models(empty_warehouse: Target) -> None:
    manifest = json.loads((default_target_path(empty_warehouse) / "manifest.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    ml = exposures["purchase_propensity_retrain"]
    assert ml["type"] == "ml" and ml["owner"]["email"]
    assert {"model.shoplog.ml_training_set", "model.shoplog.ml_customer_features"} <= set(
        ml["depends_on"]["nodes"]
    )
    assert exposures["revenue_dashboard"]["type"] == "dashboard"
    # the upstream chain of the ML exposure reaches the raw log through staging
    parents = manifest["parent_map"]
    seen, todo = set(), list(ml["depends_on"]["nodes"])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(parents.get(node, []))
    assert "model.shoplog.stg_web__events" in seen
    assert "source.shoplog.web.web_events" in seen


# the comments persist_docs writes, read back from each engine's catalog: (relation, column or
# '' for the relation itself) -> comment
COMMENTS_SQL = {
    "duckdb": """
        select schema_name || '.' || table_name, '', comment from duckdb_tables()
        union all select schema_name || '.' || view_name, '', comment from duckdb_views()
        union all select schema_name || '.' || table_name, column_name, comment
        from duckdb_columns()
    """,
    "postgres": """
        select n.nspname || '.' || c.relname, coalesce(a.attname, ''),
            coalesce(col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class'))
        from pg_class as c
        inner join pg_namespace as n on c.relnamespace = n.oid
        left join lateral (
            select '' as attname, 0 as attnum
            union all
            select attname, attnum from pg_attribute
            where attrelid = c.oid and attnum > 0 and not attisdropped
        ) as a on true
        where c.relkind in ('r', 'v')
    """,
}


def warehouse_comments(target: Target) -> dict[tuple[str, str], str]:
    rows = query(target, COMMENTS_SQL[target.name])
    return {(relation, column): comment or "" for relation, column, comment in rows}


def yaml_docs(target: Target) -> dict[tuple[str, str], str]:
    """What every built model's relation and columns should say, from the manifest."""
    manifest = json.loads((default_target_path(target) / "manifest.json").read_text())
    docs: dict[tuple[str, str], str] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["config"]["materialized"] != "ephemeral":
            relation = f"{node['schema']}.{node['alias']}"
            docs[(relation, "")] = node["description"]
            for column in node["columns"].values():
                docs[(relation, column["name"])] = column["description"]
    return docs


def comment_statements(target: Target, select: str, tmp_path: Path) -> list[str]:
    """The comment statements of `dbt run --select <select>`, from dbt's debug log."""
    target_path = tmp_path / target.name
    result = run_dbt(
        ["run", "--select", select],
        target,
        target_path=target_path,
        env={"DBT_LOG_LEVEL_FILE": "debug"},
    )
    assert result.ok, result.failure_summary()
    log = (target_path / "logs" / "dbt.log").read_text()
    return [line.strip() for line in log.splitlines() if line.strip().startswith("comment on")]


def test_the_warehouse_comments_are_the_yaml_docs_and_only_changed_ones_are_written(
    empty: Target, tmp_path: Path
) -> None:
    wanted = yaml_docs(empty)
    assert len(wanted) > 400
    have = warehouse_comments(empty)
    assert {key: have.get(key) for key in wanted} == wanted

    # an incremental model whose comments are all current: nothing is written again
    assert comment_statements(empty, "stg_web__events", tmp_path) == []
    # a stale comment (as after its YAML changed) is written again, and only that one
    stale = "comment on column staging.stg_web__events.event_id is 'stale'"
    execute(empty, stale)
    written = comment_statements(empty, "stg_web__events", tmp_path)
    assert len(written) == 1 and 'stg_web__events".event_id is' in written[0]
    assert warehouse_comments(empty) == have
