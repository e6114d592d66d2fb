"""Dev and prod environments, slim builds with deferral, and `shoplog diff`, on real engines.

Prod is built from a small demo data set; a copy of the project then changes fct_sessions in
three ways whose effect the test derives itself from prod's rows, and dev builds only what
changed (reading every other parent from prod). Dev and prod must never write each other's
relations: on DuckDB the files stay byte-identical, on PostgreSQL the relations keep their oids.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from warehouse_queries import scalar

from flows.dbt_runner import default_target_path, run_dbt
from flows.diff import diff_models, format_report
from flows.engine import ShoplogError, Target, connect, dev_target, project_root, writer_lock
from flows.envs import prod_state_dir, require_prod_state
from flows.generate import generate
from flows.load import load_files
from flows.pipeline import build, incoming_files

pytestmark = pytest.mark.slow

MODEL = "fct_sessions"
# The change under review, applied to a copy of the project: sessions number 2 get a new key
# (their old rows are removed, the new ones added), sessions number 3 a new landing page
# (changed in one column), and sessions number 4 are dropped (removed).
EDITS = (
    (
        "    cast({{ shoplog.surrogate_key(['anonymous_id', 'session_number']) }} as varchar(32))",
        "    cast(case when session_number = 2 then md5(concat(anonymous_id, '#v2')) else"
        " {{ shoplog.surrogate_key(['anonymous_id', 'session_number']) }} end as varchar(32))",
    ),
    (
        "    cast(landing_page_url as {{ dbt.type_string() }}) as landing_page_url,",
        "    cast(case when session_number = 3 then concat(coalesce(landing_page_url, ''), '#v2')"
        " else landing_page_url end as {{ dbt.type_string() }}) as landing_page_url,",
    ),
    ("\n    from sessions\n", "\n    from sessions\n    where session_number <> 4\n"),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_project(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".venv", ".git", "target", "data", "logs", "*.egg-info")
    shutil.copytree(project_root(), dest, ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Target:
    """The demo data loaded and built in a prod DuckDB warehouse, its manifest kept."""
    work = tmp_path_factory.mktemp("envs")
    files = work / "files"
    generate(files, seed=5, events=4_000, days=4, defect_rate=0.02)
    target = Target("duckdb", duckdb_path=work / "warehouse.duckdb")
    load_files(target, incoming_files(files))
    build(target)
    return target


@pytest.fixture(scope="module")
def changed_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the project with fct_sessions edited, as the project root (SHOPLOG_HOME)."""
    root = copy_project(tmp_path_factory.mktemp("changed") / "shoplog")
    model = root / "models" / "marts" / "core" / f"{MODEL}.sql"
    sql = model.read_text()
    for old, new in EDITS:
        assert sql.count(old) == 1, old  # the edit still fits the model
        sql = sql.replace(old, new)
    model.write_text(sql)
    saved = os.environ.get("SHOPLOG_HOME")
    os.environ["SHOPLOG_HOME"] = str(root)
    yield root
    if saved is None:
        os.environ.pop("SHOPLOG_HOME", None)
    else:
        os.environ["SHOPLOG_HOME"] = saved


@pytest.fixture(scope="module")
def slim_build(prod: Target, changed_project: Path) -> dict:
    """`build --changed` in dev; the prod file's checksum before and after, and the results."""
    dev = dev_target(prod)
    before = sha256(prod.duckdb_path)
    outcome = build(dev, changed=True)
    return {"dev": dev, "outcome": outcome, "prod_sha_before": before}


def descendants(manifest: dict, unique_id: str) -> set[str]:
    seen, todo = set(), [unique_id]
    while todo:
        for child in manifest["child_map"][todo.pop()]:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def test_prod_build_keeps_its_manifest_outside_target(prod: Target) -> None:
    state = require_prod_state(prod)
    assert state == prod_state_dir(prod) and state.parent.parent.name == "state"
    kept = json.loads((state / "manifest.json").read_text())
    assert f"model.shoplog.{MODEL}" in kept["nodes"]
    assert default_target_path(prod) not in (state, *state.parents)


def test_changed_builds_only_the_changed_model_and_its_children(slim_build: dict) -> None:
    manifest = json.loads((prod_state_dir(slim_build["dev"]) / "manifest.json").read_text())
    node = f"model.shoplog.{MODEL}"
    expected = {node} | {n for n in descendants(manifest, node) if n.startswith("model.")}
    built = {n.unique_id for n in slim_build["outcome"].nodes if n.unique_id.startswith("model.")}
    assert built == expected
    assert len(expected) < 10  # far from the whole project (staging, identity graph, ...)
    tests = [n for n in slim_build["outcome"].nodes if n.unique_id.startswith("test.")]
    assert tests and all(n.status == "pass" for n in tests)


def test_changed_reads_unchanged_parents_from_prod(slim_build: dict, prod: Target) -> None:
    dev = slim_build["dev"]
    # the parent was never built in dev, yet dev's fct_sessions has prod's sessions
    conn = connect(dev, read_only=True)
    try:
        dev_tables = {
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.tables where table_catalog = 'dev'"
            ).fetchall()
        }
    finally:
        conn.close()
    assert MODEL in dev_tables and "stg_web__events" not in dev_tables
    compiled = (
        default_target_path(dev) / "compiled/shoplog/models/marts/core/fct_funnel.sql"
    ).read_text()
    assert '"dev"."marts"."fct_sessions"' in compiled  # the changed parent: dev's own
    dim = default_target_path(dev) / "compiled/shoplog/models/marts/core/dim_customers.sql"
    assert '"warehouse"."intermediate"."int_customer_identifiers"' in dim.read_text()
    sessions = "select count(*) from marts.fct_sessions"
    dropped = scalar(prod, f"{sessions} where session_number = 4")
    assert scalar(dev, sessions) == scalar(prod, sessions) - dropped > 0


def test_dev_never_writes_prod_and_prod_never_writes_dev(slim_build: dict, prod: Target) -> None:
    dev = slim_build["dev"]
    assert sha256(prod.duckdb_path) == slim_build["prod_sha_before"]
    dev_before = sha256(dev.duckdb_path)
    build(prod, select="fx_rates")  # a prod build while dev exists
    assert sha256(dev.duckdb_path) == dev_before


def test_diff_reports_exactly_the_rows_the_change_moves(slim_build: dict, prod: Target) -> None:
    def sessions(number: int) -> int:
        return scalar(
            prod, f"select count(*) from marts.fct_sessions where session_number = {number}"
        )

    rekeyed, relanded, dropped = sessions(2), sessions(3), sessions(4)
    assert min(rekeyed, relanded, dropped) > 0  # the demo data exercises every kind of change
    [report] = diff_models(slim_build["dev"])  # default: the models modified since prod
    assert report.model == MODEL and report.key == ("session_key",)
    assert (report.added, report.removed, report.changed) == (
        rekeyed,
        rekeyed + dropped,
        relanded,
    )
    assert report.changed_columns == {"landing_page_url": relanded}
    assert report.differs and len(report.examples["removed"]) == 3
    assert f"{rekeyed:,} added, {rekeyed + dropped:,} removed" in format_report([report])


@pytest.fixture(scope="module")
def unchanged_in_dev(slim_build: dict) -> str:
    """An unchanged model (fct_orders) built in dev too, from prod's parents."""
    dev = slim_build["dev"]
    state = str(require_prod_state(dev))
    with writer_lock(dev):
        built = run_dbt(
            ["build", "--select", "fct_orders", "--defer", "--favor-state", "--state", state], dev
        )
    assert built.ok, built.failure_summary()
    return "fct_orders"


def test_diff_of_an_unchanged_model_reports_nothing(
    slim_build: dict, unchanged_in_dev: str
) -> None:
    [report] = diff_models(slim_build["dev"], models=[unchanged_in_dev])
    assert report.prod_rows == report.dev_rows > 0
    assert not report.differs
    assert (report.added, report.removed, report.changed) == (0, 0, 0)
    assert report.changed_columns == {} and report.examples == {}
    assert "identical" in format_report([report])


def test_diff_sample_compares_the_same_share_of_keys_on_both_sides(slim_build: dict) -> None:
    [full] = diff_models(slim_build["dev"], models=[MODEL])
    [half] = diff_models(slim_build["dev"], models=[MODEL], sample_pct=50)
    assert 0 < half.prod_rows < full.prod_rows
    assert 0 < half.removed <= full.removed and half.changed <= full.changed
    # every sampled change is one of the full diff's
    assert half.changed_columns.keys() <= full.changed_columns.keys()


def test_shoplog_diff_exit_code_says_whether_anything_differs(
    slim_build: dict, prod: Target, changed_project: Path, unchanged_in_dev: str
) -> None:
    env = {
        **os.environ,
        "SHOPLOG_HOME": str(changed_project),
        "SHOPLOG_DUCKDB_PATH": str(prod.duckdb_path),
        "SHOPLOG_TARGET": "duckdb",
    }
    env.pop("SHOPLOG_ENV", None)
    shoplog = str(Path(sys.executable).with_name("shoplog"))
    differs = subprocess.run([shoplog, "diff"], env=env, capture_output=True, text=True)
    assert differs.returncode == 1, differs.stderr[-2000:]
    assert f"{MODEL}: " in differs.stdout and "changed columns: landing_page_url" in differs.stdout
    assert "1 of 1 model(s) differ from prod" in differs.stdout
    same = subprocess.run(
        [shoplog, "diff", "--models", unchanged_in_dev], env=env, capture_output=True, text=True
    )
    assert same.returncode == 0, same.stdout + same.stderr[-2000:]
    assert f"{unchanged_in_dev}: identical" in same.stdout
    unbuilt = subprocess.run(
        [shoplog, "diff", "--models", "fct_daily_revenue"], env=env, capture_output=True, text=True
    )
    assert unbuilt.returncode == 1 and "dev has no fct_daily_revenue" in unbuilt.stderr


def test_changed_without_a_prod_manifest_is_a_clear_error(tmp_path: Path) -> None:
    prod = Target("duckdb", duckdb_path=tmp_path / "warehouse.duckdb")
    with pytest.raises(ShoplogError, match="no prod manifest at .*run `shoplog run`"):
        build(dev_target(prod), changed=True)


def test_dev_without_a_prod_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    prod = Target("duckdb", duckdb_path=tmp_path / "warehouse.duckdb")
    with pytest.raises(ShoplogError, match="dev reads the raw log of the prod warehouse"):
        build(dev_target(prod))
    assert not prod.duckdb_path.exists()


# --- PostgreSQL: one database, dev schemas prefixed ------------------------------------


def relation_oids(target: Target) -> dict[str, int]:
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute(
            "select n.nspname || '.' || c.relname, c.oid from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where c.relkind in ('r', 'v') and n.nspname not like 'pg\\_%' "
            "and n.nspname <> 'information_schema'"
        )
        return {name: int(oid) for name, oid in cur.fetchall()}
    finally:
        conn.close()


@pytest.mark.postgres
def test_postgres_dev_builds_prefixed_schemas_and_leaves_prod_alone(pg_target: Target) -> None:
    build(pg_target)  # prod, on an empty log
    prod_relations = relation_oids(pg_target)
    assert "marts.fct_orders" in prod_relations

    dev = dev_target(pg_target)
    build(dev)
    after_dev = relation_oids(pg_target)
    dev_relations = {name: oid for name, oid in after_dev.items() if name not in prod_relations}
    assert "dev_marts.fct_daily_revenue" in dev_relations
    assert "dev_staging.stg_shopify__orders" in dev_relations
    assert all(name.startswith("dev_") for name in dev_relations), sorted(dev_relations)
    assert {n: after_dev[n] for n in prod_relations} == prod_relations  # not one rewritten

    # diff reads both sets of schemas in the one database: nothing modified, nothing differs
    assert diff_models(dev) == []
    [report] = diff_models(dev, models=["fct_orders"], sample_pct=50)
    assert report.prod.schema == "marts" and report.dev.schema == "dev_marts"
    assert not report.differs and report.prod_rows == report.dev_rows == 0

    build(pg_target, select="fct_daily_revenue")  # and prod rebuilds leave dev alone
    after_prod = relation_oids(pg_target)
    assert {n: after_prod[n] for n in dev_relations} == dev_relations
    assert after_prod["marts.fct_daily_revenue"] != prod_relations["marts.fct_daily_revenue"]
