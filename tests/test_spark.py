"""The same project on Spark (dbt-spark session mode): marts equal across DuckDB, PostgreSQL and
Spark.

One small demo data set is generated, then loaded through the same loader interface and built
by dbt on each engine. Every relation of the marts schema (and the raw log itself) is read back
and reduced to a row count and a content checksum computed here in Python over canonically
formatted values (decimals without trailing zeros, timestamps as naive UTC, floats to 12
significant digits, nulls marked), so the comparison does not depend on any engine's formatting.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.dbt_runner import run_dbt
from flows.engine import Target, connect, list_relations, project_root, resolve_target
from flows.generate import generate
from flows.load import load_files
from flows.spark_sql import spark_conf

pytestmark = [pytest.mark.spark, pytest.mark.slow]

# Spark runs the whole `dbt build` (every dbt test and unit test must pass there too); DuckDB and
# PostgreSQL, whose dbt tests the other suites run, only build seeds and models here
BUILDS = {
    "spark": ["build"],
    "default": ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
}
RAW_COLUMNS = "_batch_id, _line_number, record, record_bytes, _file_sha256"


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("spark-demo")
    generate(out, seed=31, events=2_000, days=3, defect_rate=0.03)
    return sorted(p for p in out.iterdir() if p.is_file())


def canonical(value: Any) -> str:
    """One value as text that is the same whichever engine returned it."""
    if value is None:
        return "\x00null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def fingerprint(cur: Any, sql: str) -> dict[str, Any]:
    """Column names, row count, checksum and the sorted canonical rows of a query."""
    cur.execute(sql)
    columns = [col[0].lower() for col in cur.description]
    rows = sorted(tuple(canonical(v) for v in row) for row in cur.fetchall())
    digest = hashlib.sha256()
    for row in rows:
        digest.update("\x1f".join(row).encode() + b"\x1e")
    return {"columns": columns, "rows": len(rows), "sha256": digest.hexdigest(), "data": rows}


def snapshot(target: Target, marts: list[str]) -> dict[str, dict[str, Any]]:
    """Fingerprints of every mart and of the raw log, read through one connection."""
    queries = {f"marts.{name}": f"select * from marts.{name}" for name in marts}
    for source in ("web_events", "shopify_orders", "braintree_transactions"):
        queries[f"raw.{source}"] = f"select {RAW_COLUMNS} from raw.{source}"
    queries["raw._load_batches"] = (
        "select batch_id, source, source_file, file_sha256, file_bytes, rows, header "
        "from raw._load_batches"
    )
    # every raw row accounted for the same way: staged, quarantined (for the same reasons)
    queries["audit.audit_row_accounting"] = "select * from audit.audit_row_accounting"
    for source in ("web_events", "shopify_orders", "braintree_transactions"):
        queries[f"quarantine.{source}"] = (
            f"select _batch_id, _line_number, reject_reasons from quarantine.{source}"
        )
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        return {name: fingerprint(cur, sql) for name, sql in queries.items()}
    finally:
        conn.close()


def load_and_build(target: Target, files: list[Path], work: Path) -> None:
    # a copy of the first file under another name: skipped, it was loaded (exactly once by sha)
    again = work / files[0].name
    shutil.copyfile(files[0], again)
    results = load_files(target, [*files, again])
    assert [r.skipped for r in results] == [False] * len(files) + [True]
    args = BUILDS.get(target.name, BUILDS["default"])
    result = run_dbt(args, target, target_path=work / "dbt-target")
    if not result.ok:
        pytest.fail(result.failure_summary(), pytrace=False)


@pytest.fixture(scope="module")
def spark_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    work = tmp_path_factory.mktemp("spark-warehouse")
    saved = os.environ.get("SHOPLOG_SPARK_DIR")
    os.environ["SHOPLOG_SPARK_DIR"] = str(work / "spark")
    try:
        target = resolve_target("spark")
        yield target
    finally:
        if saved is None:
            os.environ.pop("SHOPLOG_SPARK_DIR", None)
        else:
            os.environ["SHOPLOG_SPARK_DIR"] = saved


@pytest.fixture(scope="module")
def snapshots(
    demo_files: list[Path],
    pg_target_module: Target,
    spark_target: Target,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[str, dict[str, Any]]]:
    duck_work = tmp_path_factory.mktemp("spark-duck")
    duck = Target("duckdb", duckdb_path=duck_work / "warehouse.duckdb")
    targets = {"duckdb": duck, "postgres": pg_target_module, "spark": spark_target}
    for name, target in targets.items():
        load_and_build(target, demo_files, tmp_path_factory.mktemp(f"spark-{name}-dbt"))
    marts = sorted(name for schema, name in list_relations(duck) if schema == "marts")
    return {name: snapshot(target, marts) for name, target in targets.items()}


def test_spark_keeps_its_warehouse_under_the_data_dir(spark_target: Target) -> None:
    assert spark_target.spark_dir is not None
    env = spark_target.dbt_env()
    assert env["SPARK_LOCAL_IP"] == "127.0.0.1"
    assert env["SHOPLOG_SPARK_DIR"] == str(spark_target.spark_dir)
    conf = spark_conf(spark_target.spark_dir)
    assert conf["spark.sql.warehouse.dir"].startswith(str(spark_target.spark_dir))
    assert str(spark_target.spark_dir) in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]


def test_the_dbt_profile_gives_spark_the_same_settings_as_python() -> None:
    profile = yaml.safe_load((project_root() / "profiles" / "profiles.yml").read_text())
    output = profile["shoplog"]["outputs"]["spark"]
    assert (output["type"], output["method"]) == ("spark", "session")
    rendered = {
        key: value.replace("{{ env_var('SHOPLOG_SPARK_DIR', 'data/spark') }}", "/wh")
        for key, value in output["server_side_parameters"].items()
    }
    assert rendered == spark_conf(Path("/wh"))


@pytest.mark.postgres
def test_the_three_engines_load_the_same_raw_log_and_quarantine_the_same_rows(
    snapshots: dict[str, dict[str, dict[str, Any]]],
) -> None:
    duck = snapshots["duckdb"]
    for name in ("raw.web_events", "raw.shopify_orders", "raw.braintree_transactions"):
        assert duck[name]["rows"] > 0, name
    assert duck["quarantine.web_events"]["rows"] > 0  # the demo data has defects
    for engine in ("postgres", "spark"):
        for name, print_ in duck.items():
            if not name.startswith("marts."):
                assert snapshots[engine][name]["rows"] == print_["rows"], (engine, name)
                assert snapshots[engine][name]["sha256"] == print_["sha256"], (engine, name)


@pytest.mark.postgres
def test_the_three_engines_build_equal_marts(
    snapshots: dict[str, dict[str, dict[str, Any]]],
) -> None:
    duck = snapshots["duckdb"]
    marts = [name for name in duck if name.startswith("marts.")]
    assert {"marts.fct_orders", "marts.dim_customers", "marts.fct_daily_revenue"} <= set(marts)
    for name in ("marts.fct_orders", "marts.fct_order_lines", "marts.dim_customers"):
        assert duck[name]["rows"] > 0, name
    for engine in ("postgres", "spark"):
        for name in marts:
            theirs, ours = snapshots[engine][name], duck[name]
            assert theirs["columns"] == ours["columns"], (engine, name)
            assert theirs["rows"] == ours["rows"], (engine, name)
            if theirs["sha256"] != ours["sha256"]:
                only_duck = sorted(set(ours["data"]) - set(theirs["data"]))[:3]
                only_them = sorted(set(theirs["data"]) - set(ours["data"]))[:3]
                pytest.fail(
                    f"{name} differs on {engine}: duckdb only {only_duck}; "
                    f"{engine} only {only_them}",
                    pytrace=False,
                )


def test_canonical_values_ignore_engine_formatting_but_not_content() -> None:
    moment = datetime.datetime(2026, 9, 1, 12, 30, 0, 5)
    aware = moment.replace(tzinfo=datetime.UTC).astimezone(
        datetime.timezone(datetime.timedelta(hours=2))
    )
    assert canonical(Decimal("1.50")) == canonical(Decimal("1.5")) != canonical(Decimal("1.51"))
    assert (
        canonical(aware)
        == canonical(moment)
        != canonical(moment + datetime.timedelta(microseconds=1))
    )
    assert canonical(memoryview(b"\xff")) == canonical(b"\xff") == canonical(bytearray(b"\xff"))
    assert canonical(None) != canonical("") and canonical(None) != canonical("None")
    assert canonical(True) != canonical(1) and canonical(0.1 + 0.2) == canonical(0.3)
