"""Documentation is part of the build: nothing undocumented gets through, and the site builds."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from flows.dbt_runner import default_target_path
from flows.docs_site import generate_site
from flows.engine import ShoplogError, Target
from flows.pipeline import build


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Target:
    target = Target("duckdb", duckdb_path=tmp_path_factory.mktemp("docs") / "w.duckdb")
    build(target)  # an empty log builds every relation, empty
    return target


def test_a_column_missing_from_the_yaml_fails_the_build(empty_warehouse: Target) -> None:
    path = str(empty_warehouse.duckdb_path)
    with duckdb.connect(path) as conn:
        conn.execute("alter table marts.fct_daily_revenue add column sneaky integer")
    try:
        with pytest.raises(ShoplogError, match=r"fct_daily_revenue\.sneaky has no description"):
            build(empty_warehouse, select="fx_rates")
    finally:
        with duckdb.connect(path) as conn:
            conn.execute("alter table marts.fct_daily_revenue drop column sneaky")
    build(empty_warehouse, select="fx_rates")  # and a documented warehouse passes


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
