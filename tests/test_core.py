"""Log-then-transform guarantees on each engine: incremental runs equal a full rebuild, replay
verifies the whole warehouse, the live view sees unbuilt loads, quarantine spikes alert, and
any past state of an order or customer can be reconstructed from the log."""

from __future__ import annotations

import csv
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from engines import per_engine, scratch_duckdb
from warehouse_queries import execute, query, scalar

from flows.alerts import quarantine_alerts, read_alerts
from flows.dbt_runner import run_dbt
from flows.dbt_runner.retry import scoped_tests_env
from flows.dbt_runner.watermark import built_watermark
from flows.engine import Target, connect, project_root
from flows.generate import generate
from flows.load import load_files
from flows.pipeline import build, incoming_files, replay

pytestmark = pytest.mark.slow

FIRST_DAYS = 4  # loaded and built first; the remaining days arrive afterwards


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("core")
    generate(out, seed=23, events=12_000, days=6, defect_rate=0.05)
    return out


def split_by_day(directory: Path) -> tuple[list[Path], list[Path]]:
    days = sorted({p.name.rsplit("_", 1)[1].split(".")[0] for p in incoming_files(directory)})
    early = set(days[:FIRST_DAYS])
    first = [p for p in incoming_files(directory) if p.name.rsplit("_", 1)[1][:10] in early]
    rest = [p for p in incoming_files(directory) if p not in first]
    return first, rest


def two_phase_build(target: Target, directory: Path) -> Target:
    """Build on the first days, then load the rest and build incrementally."""
    first, rest = split_by_day(directory)
    load_files(target, first)
    build(target)
    load_files(target, rest)
    build(target)
    return target


@pytest.fixture(scope="module")
def duck_wh(files: Path, tmp_path_factory: pytest.TempPathFactory) -> Target:
    return two_phase_build(scratch_duckdb(tmp_path_factory, "core-wh"), files)


@pytest.fixture(scope="module")
def pg_wh(files: Path, pg_target_module: Target) -> Target:
    return two_phase_build(pg_target_module, files)


wh = per_engine("wh", "duck_wh", "pg_wh")


def ground_truth(directory: Path, name: str) -> list[dict[str, str]]:
    with open(directory / "ground_truth" / name, newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_second_phase_really_holds_cross_batch_duplicates_and_late_events(
    files: Path,
) -> None:
    _, rest = split_by_day(files)
    rest_names = {p.name for p in rest}
    defects = ground_truth(files, "defects.csv")
    assert any(r["file"] in rest_names and r["defect_class"] == "duplicate" for r in defects)
    assert any(r["file"] in rest_names and r["defect_class"] == "late" for r in defects)


@pytest.mark.postgres
def test_postgres_plans_every_model_from_fresh_statistics(pg_wh: Target) -> None:
    """Every table a model writes is analyzed as it is written (autovacuum would come too
    late for the next model's planner); only the loader's raw tables and the seeds are not."""
    seeds = {p.stem for p in (project_root() / "seeds").glob("*.csv")}
    never = query(
        pg_wh,
        "select schemaname || '.' || relname from pg_stat_user_tables "
        "where last_analyze is null and schemaname != 'raw'",
    )
    assert {name for (name,) in never if name.split(".")[1] not in seeds} == set()
    analyzed = "select count(*) from pg_stat_user_tables where last_analyze is not null"
    assert scalar(pg_wh, analyzed) > 20


@pytest.mark.postgres
def test_postgres_analyzes_an_incremental_model_after_every_run(
    pg_wh: Target, tmp_path: Path
) -> None:
    """Even a run that adds nothing analyzes the incremental model it ran: the next run's
    filter on the newest batches lies past the statistics' last histogram bound otherwise,
    and the planner took the new rows for one (nested loops for minutes at 10 M events)."""
    analyses = "select pg_stat_get_analyze_count('staging.stg_web__events'::regclass)"
    before = scalar(pg_wh, analyses)
    ran = run_dbt(["run", "--select", "stg_web__events"], pg_wh, target_path=tmp_path / "target")
    assert ran.ok, ran.output_tail
    assert scalar(pg_wh, analyses) == before + 1


@pytest.mark.postgres
def test_postgres_indexes_what_incremental_runs_look_up(pg_wh: Target) -> None:
    """Every incremental model over the log (those with a unique key) has a b-tree on its
    unique key and on its batch column, and each raw table one on (_batch_id, _line_number):
    an incremental run's high-water mark, its lookups of built keys and its delete read the
    index, not the table."""
    from flows.dbt_runner.runner import default_target_path

    manifest = json.loads((default_target_path(pg_wh) / "manifest.json").read_text())
    indexed: dict[str, set[tuple[str, ...]]] = {}
    for schema, table, definition in query(
        pg_wh, "select schemaname, tablename, indexdef from pg_indexes where schemaname != 'public'"
    ):
        columns = tuple(c.strip() for c in definition.rsplit("(", 1)[1].rstrip(")").split(","))
        indexed.setdefault(f"{schema}.{table}", set()).add(columns)
    incremental = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
        and n["config"]["materialized"] == "incremental"
        and n["config"].get("unique_key")
    ]
    assert len(incremental) >= 8
    for node in incremental:
        key = node["config"]["unique_key"]
        key = (key,) if isinstance(key, str) else tuple(key)
        relation = f"{node['schema']}.{node['alias']}"
        assert key in indexed.get(relation, set()), (relation, indexed.get(relation))
        batch_column = "last_batch_id" if "last_batch_id" in node["columns"] else "_batch_id"
        assert any(columns[0] == batch_column for columns in indexed[relation]), relation
    for source in ("web_events", "shopify_orders", "braintree_transactions"):
        assert ("_batch_id", "_line_number") in indexed[f"raw.{source}"]
    # audit_batch_records looks the new batches' event ids up among the older batches' ones
    base = manifest["nodes"]["model.shoplog.base_web__events"]
    assert ("event_id",) in indexed[f"{base['schema']}.{base['alias']}"]
    plan = "\n".join(
        row[0] for row in query(pg_wh, "explain select max(_batch_id) from staging.stg_web__events")
    )
    assert "Index Only Scan Backward" in plan, plan


@pytest.mark.postgres
def test_postgres_delete_insert_analyzes_the_new_rows_before_deleting(pg_wh: Target) -> None:
    """An incremental model's delete+insert on PostgreSQL first analyzes the temporary table of
    new rows: without statistics the planner guessed 200 keys and read the whole table to
    delete (8 s at 10 M events) instead of looking the few keys up in the index."""
    from flows.dbt_runner.runner import default_target_path

    run_sql = (
        default_target_path(pg_wh) / "run/shoplog/models/staging/web/base/base_web__events.sql"
    ).read_text()
    analyzed = run_sql.find('analyze "base_web__events__dbt_tmp')
    deleted = run_sql.find('delete from "')
    assert 0 <= analyzed < deleted, run_sql[:500]


def test_incremental_run_scans_only_batches_it_has_not_seen(wh: Target) -> None:
    # Remove the parsed rows of the oldest batch behind dbt's back: an incremental run must
    # not bring them back (it never re-reads old batches); a full refresh must.
    oldest = scalar(wh, "select min(_batch_id) from staging.base_web__events")
    count_sql = f"select count(*) from staging.base_web__events where _batch_id = {oldest}"
    rows = scalar(wh, count_sql)
    assert rows
    conn = connect(wh)
    try:
        cur = conn.cursor()
        cur.execute(f"delete from staging.base_web__events where _batch_id = {oldest}")
        conn.commit()
    finally:
        conn.close()
    build(wh, select="base_web__events")
    assert scalar(wh, count_sql) == 0
    # (with its children: PostgreSQL drops dependent views when a table is replaced)
    build(wh, select="base_web__events+", full_refresh=True)
    assert scalar(wh, count_sql) == rows


def test_a_table_built_before_its_batch_column_existed_is_rewritten_whole(wh: Target) -> None:
    """An incremental model that gained its high-water-mark column (int_identifier_pairs'
    last_batch_id) upgrades in place: the next run re-reads every batch and rewrites every
    row. (The replay test below then finds it equal to a full refresh.)"""
    pairs = scalar(wh, "select count(*) from intermediate.int_identifier_pairs")
    execute(wh, "alter table intermediate.int_identifier_pairs drop column last_batch_id")
    build(wh, select="int_identifier_pairs")
    assert scalar(wh, "select count(*) from intermediate.int_identifier_pairs") == pairs
    missing = "select count(*) from intermediate.int_identifier_pairs where last_batch_id is null"
    assert scalar(wh, missing) == 0


def test_batch_records_built_before_raw_rows_existed_count_every_batch_again(
    wh: Target,
) -> None:
    """audit_batch_records gained raw_rows, each batch's rows counted in the raw log when the
    model first sees it. A table built without the column gains it, and the next run counts
    every batch again: the accounting then sums to the raw log's rows, with no batch left
    null."""
    execute(wh, "alter table audit.audit_batch_records drop column raw_rows")
    build(wh, select="audit_batch_records audit_row_accounting")
    missing = "select count(*) from audit.audit_batch_records where raw_rows is null"
    assert scalar(wh, missing) == 0
    for source in ("web_events", "shopify_orders", "braintree_transactions"):
        summed = scalar(
            wh, f"select raw_rows from audit.audit_row_accounting where source_name = '{source}'"
        )
        assert summed == scalar(wh, f"select count(*) from raw.{source}"), source


def test_a_partial_build_builds_again_the_views_it_dropped(wh: Target) -> None:
    """Replacing a table on PostgreSQL drops the views over it (stg_web__events_tail and
    fct_events_live over stg_web__events, replaced by a full refresh): a partial build builds
    them again, so they still answer. Building them again is not a retry of the build."""
    count_sql = "select count(*) from marts.fct_events_live"
    events = scalar(wh, count_sql)
    outcome = build(wh, select="stg_web__events", full_refresh=True)
    assert scalar(wh, count_sql) == events
    assert outcome.retries == 0


def test_a_partial_build_builds_the_views_it_drops_before_the_tests_that_read_them(
    wh: Target,
) -> None:
    """stg_shopify__orders is a view over stg_shopify__order_versions, and a relationships
    test of the versions reads it. A full refresh of the versions alone replaces their table,
    which drops the view on PostgreSQL: the build must build the view again before that test
    runs, or the test fails on a missing relation and the view stays gone."""
    count_sql = "select count(*) from staging.stg_shopify__orders"
    orders = scalar(wh, count_sql)
    outcome = build(wh, select="stg_shopify__order_versions", full_refresh=True)
    assert scalar(wh, count_sql) == orders
    statuses = {node.name: node.status for node in outcome.nodes}
    assert statuses["relationships(stg_shopify__order_versions.order_id)"] == "pass"
    if wh.pg_dsn is not None:
        assert statuses["stg_shopify__orders"] == "success"


def test_incremental_equals_full_refresh_and_replay_verifies_it(wh: Target) -> None:
    report = replay(wh)
    assert report.before, "no relation fingerprinted"
    assert '"staging"."stg_web__events"' in report.before
    assert report.differences == []


def uniqueness_test_passes(
    wh: Target,
    model: str,
    watermark: int | None,
    tmp_path: Path,
    test_name: str = "unique_combination",
) -> tuple[bool, str]:
    """Run the model's one uniqueness test of that name, scoped as `shoplog build` scopes it
    (the watermark in the environment) or, without a watermark, over every row."""
    result = run_dbt(
        ["test", "--select", f"{model},test_name:{test_name}"],
        wh,
        target_path=tmp_path / "target",
        env=scoped_tests_env(watermark),
    )
    tests = [n.status for n in result.nodes if n.resource_type == "test"]
    assert tests in (["pass"], ["fail"]), result.output_tail
    return result.ok, result.output_tail


def test_scoped_uniqueness_test_checks_new_rows_against_every_row(
    wh: Target, tmp_path: Path
) -> None:
    """On an incremental build the uniqueness test of stg_web__events reads only the keys of
    rows newer than the built watermark - but checks them against the whole table. The test
    of fct_events_live, a view of those events and the log's unbuilt tail, leaves the built
    rows to it and checks only the tail's; without a watermark it reads every row."""
    watermark = built_watermark(wh)
    assert watermark is not None
    old_id = scalar(wh, "select min(event_id) from staging.stg_web__events")
    columns = [
        row[0]
        for row in query(
            wh,
            "select column_name from information_schema.columns where table_schema = "
            "'staging' and table_name = 'stg_web__events' order by ordinal_position",
        )
    ]

    def add_copy(batch_sql: str) -> None:
        select = ", ".join(
            {"_batch_id": f"{batch_sql} as _batch_id", "_line_number": "-1 as _line_number"}.get(
                column, column
            )
            for column in columns
        )
        execute(
            wh,
            f"insert into staging.stg_web__events ({', '.join(columns)}) "
            f"select {select} from staging.stg_web__events where event_id = '{old_id}'",
        )

    outputs: list[str] = []

    def unique_test_passes(scoped: bool) -> bool:
        passed, output = uniqueness_test_passes(
            wh, "stg_web__events", watermark if scoped else None, tmp_path
        )
        outputs.append(output)
        return passed

    assert unique_test_passes(scoped=False) and unique_test_passes(scoped=True)
    # a new watermark must not cost dbt a re-parse of the whole project (a dbt var would)
    assert "Unable to do partial parsing" not in outputs[-1]
    try:
        add_copy(str(watermark + 1000))  # a new row colliding with an old event: caught
        assert not unique_test_passes(scoped=True)
        assert uniqueness_test_passes(wh, "fct_events_live", watermark, tmp_path)[0]
        assert not uniqueness_test_passes(wh, "fct_events_live", None, tmp_path)[0]
        execute(wh, "delete from staging.stg_web__events where _line_number = -1")
        add_copy("_batch_id")  # an old row doubled behind dbt's back: only a full check reads it
        assert unique_test_passes(scoped=True)
        assert not unique_test_passes(scoped=False)
    finally:
        execute(wh, "delete from staging.stg_web__events where _line_number = -1")


def test_scoped_uniqueness_test_on_a_key_with_the_batch_column_reads_only_new_batches(
    wh: Target, tmp_path: Path
) -> None:
    """qua_web__events is unique on (_batch_id, _line_number): a row can only collide with a
    row of its own batch, so the scoped test reads the new batches alone - and still catches
    a duplicate inside them, while a duplicate in an old batch is left to the full check."""
    table = "quarantine.web_events"
    oldest, newest = query(wh, f"select min(_batch_id), max(_batch_id) from {table}")[0]
    assert oldest < newest
    watermark = newest - 1  # as if the build before had stopped just short of the newest batch
    for batch, caught_when_scoped in ((newest, True), (oldest, False)):
        line = scalar(wh, f"select min(_line_number) from {table} where _batch_id = {batch}")
        key = f"_batch_id = {batch} and _line_number = {line}"
        execute(wh, f"create table quarantine.saved_row as select * from {table} where {key}")
        try:
            execute(wh, f"insert into {table} select * from quarantine.saved_row")
            scoped, _ = uniqueness_test_passes(wh, "qua_web__events", watermark, tmp_path)
            full, _ = uniqueness_test_passes(wh, "qua_web__events", None, tmp_path)
            assert (scoped, full) == (not caught_when_scoped, False), batch
        finally:
            execute(wh, f"delete from {table} where {key}")
            execute(wh, f"insert into {table} select * from quarantine.saved_row")
            execute(wh, "drop table quarantine.saved_row")
    assert uniqueness_test_passes(wh, "qua_web__events", None, tmp_path)[0]


def test_scoped_unique_test_checks_the_new_rows_values_against_every_row(
    wh: Target, tmp_path: Path
) -> None:
    """dbt's `unique` on a model whose changed rows carry a new batch (int_orders_unioned's
    order_key) reads, in an incremental build, only the rows sharing a value with a new row:
    a new row repeating an old key fails it, an old row doubled behind dbt's back is left to
    the full check."""
    table = "intermediate.int_orders_unioned"
    saved = "intermediate.saved_order"
    watermark = built_watermark(wh)
    assert watermark is not None
    oldest = scalar(wh, f"select min(last_batch_id) from {table}")
    key = scalar(wh, f"select min(order_key) from {table} where last_batch_id = {oldest}")
    execute(wh, f"create table {saved} as select * from {table} where order_key = '{key}'")

    def unique_passes(watermark: int | None) -> bool:
        passed, _ = uniqueness_test_passes(wh, "int_orders_unioned", watermark, tmp_path, "unique")
        return passed

    try:
        assert unique_passes(watermark) and unique_passes(None)
        for copy_batch, caught_when_scoped in ((watermark + 1000, True), (oldest, False)):
            execute(wh, f"update {saved} set last_batch_id = {copy_batch}")
            execute(wh, f"insert into {table} select * from {saved}")
            try:
                assert unique_passes(watermark) is not caught_when_scoped, copy_batch
                assert not unique_passes(None)
            finally:  # back to the one original row
                execute(wh, f"delete from {table} where order_key = '{key}'")
                execute(wh, f"update {saved} set last_batch_id = {oldest}")
                execute(wh, f"insert into {table} select * from {saved}")
    finally:
        execute(wh, f"drop table {saved}")
    assert scalar(wh, f"select count(*) from {table} where order_key = '{key}'") == 1


def test_build_tests_read_only_the_new_rows_of_log_models(wh: Target, tmp_path: Path) -> None:
    """A row-wise test (not_null here) of a model whose rows never change once written reads,
    in an incremental build, only rows newer than the watermark; without one it reads all."""
    oldest, newest = query(
        wh, "select min(_batch_id), max(_batch_id) from staging.stg_web__events"
    )[0]
    old_id = scalar(
        wh, f"select min(event_id) from staging.stg_web__events where _batch_id = {oldest}"
    )
    new_id = scalar(
        wh, f"select min(event_id) from staging.stg_web__events where _batch_id = {newest}"
    )
    received = "select received_at from staging.stg_web__events where event_id = '{}'"
    saved = {event: scalar(wh, received.format(event)) for event in (old_id, new_id)}

    def not_null_passes(watermark: int | None) -> bool:
        result = run_dbt(
            ["test", "--select", "stg_web__events,test_name:not_null"],
            wh,
            target_path=tmp_path / "target",
            env=scoped_tests_env(watermark),
        )
        statuses = {n.status for n in result.nodes if n.resource_type == "test"}
        assert statuses <= {"pass", "fail"} and len(statuses) >= 1, result.output_tail
        return result.ok

    def blank(event_id: str) -> None:
        execute(
            wh,
            f"update staging.stg_web__events set received_at = null where event_id = '{event_id}'",
        )

    try:
        assert not_null_passes(None)
        blank(old_id)  # an old row broken behind dbt's back: only a full check reads it
        assert not_null_passes(oldest)
        assert not not_null_passes(oldest - 1)
        assert not not_null_passes(None)
        blank(new_id)  # a broken row of the newest batch: the build's scoped test catches it
        assert not not_null_passes(newest - 1)
    finally:
        for event_id, value in saved.items():
            conn = connect(wh)
            try:
                conn.cursor().execute(
                    "update staging.stg_web__events set received_at = "
                    f"cast('{value}' as timestamp) where event_id = '{event_id}'"
                )
                conn.commit()
            finally:
                conn.close()
    assert not_null_passes(None)


def test_replay_reports_a_tampered_table(wh: Target) -> None:
    conn = connect(wh)
    try:
        cur = conn.cursor()
        cur.execute("delete from marts.fct_daily_revenue where channel = 'marketplace'")
        conn.commit()
    finally:
        conn.close()
    report = replay(wh)
    assert report.differences == ['"marts"."fct_daily_revenue"']
    # the rebuild repaired it
    assert scalar(wh, "select count(*) from marts.fct_daily_revenue where channel = 'marketplace'")


def test_row_accounting_identity_holds_and_matches_ground_truth(wh: Target, files: Path) -> None:
    rows = query(
        wh,
        "select source_name, raw_rows, staged_rows, quarantined_rows, duplicate_rows "
        "from audit.audit_row_accounting",
    )
    assert {r[0] for r in rows} == {"web_events", "shopify_orders", "braintree_transactions"}
    defects = ground_truth(files, "defects.csv")
    for source, raw, staged, quarantined, duplicates in rows:
        assert raw == staged + quarantined + duplicates, source
        expected_q = sum(
            1 for r in defects if r["source"] == source and r["expected_outcome"] == "quarantine"
        )
        expected_d = sum(
            1 for r in defects if r["source"] == source and r["expected_outcome"] == "duplicate"
        )
        assert (quarantined, duplicates) == (expected_q, expected_d), source


def test_quarantine_rows_carry_reasons_text_and_the_raw_record(wh: Target) -> None:
    rows = query(
        wh,
        "select reject_reasons, reject_details, record, _batch_id, _line_number, _source_file "
        "from quarantine.web_events",
    )
    assert rows
    for reasons, details, record, batch, line, source_file in rows:
        assert reasons and details and batch and line and source_file
        assert len(reasons.split(",")) == len(details.split("; "))
        if "invalid_utf8" not in reasons:
            assert record is not None
    codes = {code for r in rows for code in r[0].split(",")}
    assert {"unparsable_json", "invalid_utf8", "unknown_event_type"} <= codes


def test_a_clean_row_never_reaches_quarantine_and_a_quarantined_one_never_a_mart(
    wh: Target,
) -> None:
    leaked = scalar(
        wh,
        "select count(*) from staging.stg_web__events as s "
        "join quarantine.web_events as q "
        "on s._batch_id = q._batch_id and s._line_number = q._line_number",
    )
    assert leaked == 0


def test_order_history_is_a_type_2_view_of_the_log(wh: Target) -> None:
    overlaps = scalar(
        wh,
        "select count(*) from staging.stg_shopify__order_versions as a "
        "join staging.stg_shopify__order_versions as b "
        "on a.order_id = b.order_id and a.valid_from < b.valid_from "
        "and (a.valid_to is null or a.valid_to > b.valid_from)",
    )
    assert overlaps == 0
    current = scalar(
        wh, "select count(*) from staging.stg_shopify__order_versions where valid_to is null"
    )
    assert current == scalar(wh, "select count(*) from staging.stg_shopify__orders")
    assert scalar(
        wh, "select count(*) from staging.stg_shopify__order_versions where valid_to is not null"
    ), "the demo data should hold order updates"


def test_as_of_macros_reconstruct_past_order_and_customer_state(wh: Target, files: Path) -> None:
    as_of = datetime(2026, 9, 3, 12, 0, 0)
    expected = orders_as_of_from_files(files, as_of)
    ts = "cast('2026-09-03 12:00:00' as timestamp)"
    orders = compile_and_query(
        wh,
        "select order_id, financial_status, current_total_price "
        f'from ({{{{ shoplog.order_state_as_of("{ts}") }}}}) as o',
    )
    assert {int(o): (s, Decimal(p)) for o, s, p in orders} == expected
    customers = compile_and_query(
        wh, f'select customer_id, orders from ({{{{ shoplog.customer_state_as_of("{ts}") }}}}) c'
    )
    assert customers
    non_voided = sum(1 for status, _ in expected.values() if status != "voided")
    assert sum(int(n) for _, n in customers) == non_voided


def test_a_currency_is_three_letters_or_quarantined_as_mistyped(wh: Target) -> None:
    """Both base models type a currency with shoplog.currency_code: three ASCII letters in any
    case, upper-cased; anything else is null, so the row is quarantined as mistyped_currency
    rather than cut to three letters by a varchar(3) downstream (PostgreSQL cuts silently)."""
    values = ["usd", "EUR", "USDT", "US", "U$D", " GBP", "€UR"]
    rows = compile_and_query(
        wh,
        "select v, {{ shoplog.currency_code('v') }} from (values "
        + ", ".join(f"('{v}')" for v in values)
        + ") as t (v)",
    )
    assert dict(rows) == {"usd": "USD", "EUR": "EUR"} | {v: None for v in values[2:]}


def compile_and_query(target: Target, inline_sql: str) -> list[tuple]:
    result = run_dbt(["compile", "--quiet", "--inline", inline_sql], target)
    assert result.ok, result.output_tail
    return query(target, result.output_tail)


def orders_as_of_from_files(directory: Path, as_of: datetime) -> dict[int, tuple[str, Decimal]]:
    """The state of each order at as_of, read independently from the clean Shopify lines."""
    bad = {
        (r["file"], int(r["line_number"]))
        for r in ground_truth(directory, "defects.csv")
        if r["source"] == "shopify_orders" and r["expected_outcome"] != "staged"
    }
    latest: dict[int, tuple[datetime, str, Decimal]] = {}
    for path in sorted(directory.glob("shopify_orders_*.jsonl")):
        for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
            if not line or (path.name, number) in bad:
                continue
            order = json.loads(line)
            updated = datetime.fromisoformat(order["updated_at"]).astimezone(UTC)
            updated = updated.replace(tzinfo=None)
            if updated > as_of:
                continue
            state = (updated, order["financial_status"], Decimal(order["current_total_price"]))
            if order["id"] not in latest or updated > latest[order["id"]][0]:
                latest[order["id"]] = state
    return {order_id: (status, price) for order_id, (_, status, price) in latest.items()}


def test_an_incremental_run_moves_the_orders_of_customers_an_identity_merges(
    wh: Target, tmp_path: Path
) -> None:
    """fct_orders recomputes only the orders changed in new batches and the orders whose
    customer changed. A new identify event that joins one customer's browser to another
    customer's email makes the two one customer: every order of both then carries the one key
    left, although no order changed, exactly as a full refresh gives. dim_customers drops the
    customer merged away and computes the merged one again, and so does
    ml_customer_activity_digests. An order of a third customer and that customer's
    dim_customers and ml_customer_activity_digests rows are not rewritten: a value changed
    behind dbt's back stays until a full refresh.
    (Before the live view's test: its extra day of events names existing orders from other
    browsers, which int_order_customers' tests rightly reject in a whole build.)"""
    with_orders = "customer_key in (select customer_key from marts.fct_orders)"
    ((first, browser),) = query(
        wh,
        "select customer_key, identifier_value from intermediate.int_customer_identifiers"
        f" where identifier_type = 'anonymous_id' and {with_orders}"
        " order by customer_key limit 1",
    )
    ((second, email),) = query(
        wh,
        "select customer_key, identifier_value from intermediate.int_customer_identifiers"
        f" where identifier_type = 'email' and {with_orders} and customer_key != '{first}'"
        " order by customer_key limit 1",
    )
    both = f"customer_key in ('{first}', '{second}')"
    merged_orders = query(wh, f"select order_key from marts.fct_orders where {both}")
    tampered = scalar(
        wh,
        "select min(order_key) from marts.fct_orders"
        f" where customer_key is not null and not {both}",
    )
    tamper = f"update marts.fct_orders set order_name = 'tampered' where order_key = '{tampered}'"
    execute(wh, tamper)
    # and a value of that order's customer in dim_customers, which the build has no reason to
    # compute again either
    third = scalar(wh, f"select customer_key from marts.fct_orders where order_key = '{tampered}'")
    execute(wh, f"update marts.dim_customers set email = 'tampered' where customer_key = '{third}'")
    digest_of_third = (
        f"select inputs_digest from ml.ml_customer_activity_digests where customer_key = '{third}'"
    )
    assert len(query(wh, digest_of_third)) == 1
    execute(
        wh,
        "update ml.ml_customer_activity_digests set inputs_digest = 'tampered'"
        f" where customer_key = '{third}'",
    )
    last_seen = scalar(
        wh, f"select max(client_ts) from staging.stg_web__events where anonymous_id = '{browser}'"
    )
    at = last_seen + timedelta(seconds=1)
    event = {
        "event_id": str(uuid.uuid4()),
        "event_type": "identify",
        "anonymous_id": browser,
        "user_email": email,
        "client_ts": at.isoformat() + "Z",
        "received_at": (at + timedelta(seconds=1)).isoformat() + "Z",
        "page_url": "https://shop.example.com/account/login",
        "user_agent": "test",
    }
    path = tmp_path / "web_events_2099-03-01.jsonl"
    path.write_text(json.dumps(event) + "\n")
    load_files(wh, [path])
    new_batch = scalar(wh, "select max(_batch_id) from raw.web_events")
    build(wh)

    keys = "select distinct customer_key from intermediate.int_customer_identifiers where "
    (merged,) = {
        row[0]
        for row in query(
            wh,
            f"{keys} identifier_type = 'anonymous_id' and identifier_value = '{browser}'"
            f" union all {keys} identifier_type = 'email' and identifier_value = '{email}'",
        )
    }
    assert merged in (first, second)
    keys_in = {
        relation: dict(
            query(
                wh,
                f"select order_key, customer_key from {relation}"
                f" where order_key in (select order_key from marts.fct_orders where {both})",
            )
        )
        for relation in ("intermediate.int_order_customers", "marts.fct_orders")
    }
    assert set(keys_in["marts.fct_orders"]) == {key for (key,) in merged_orders}
    assert set(keys_in["marts.fct_orders"].values()) == {merged}
    assert keys_in["marts.fct_orders"] == keys_in["intermediate.int_order_customers"]
    # the orders themselves are unchanged: their customer alone moved them
    unchanged = f"select max(last_batch_id) from marts.fct_orders where {both}"
    assert scalar(wh, unchanged) < new_batch
    tampered_name = f"select order_name from marts.fct_orders where order_key = '{tampered}'"
    assert scalar(wh, tampered_name) == "tampered"
    tampered_email = f"select email from marts.dim_customers where customer_key = '{third}'"
    assert scalar(wh, tampered_email) == "tampered"
    # dim_customers: the customer merged away is gone, the merged one holds every order
    customers = "select customer_key, orders from marts.dim_customers where "
    assert query(wh, f"{customers} {both}") == [
        (
            merged,
            scalar(wh, f"select count(*) from marts.fct_orders where {both} and counts_as_revenue"),
        )
    ]
    # ml_customer_activity_digests follows dim_customers: the merged customer's row alone
    digest_keys = f"select customer_key from ml.ml_customer_activity_digests where {both}"
    assert query(wh, digest_keys) == [(merged,)]
    assert scalar(wh, digest_of_third) == "tampered"
    rows = f"select * from marts.fct_orders where {both} order by order_key"
    others = f"where customer_key != '{third}' order by 1"
    dim_rows = f"select * from marts.dim_customers {others}"
    digest_rows = f"select * from ml.ml_customer_activity_digests {others}"
    incremental = [query(wh, sql) for sql in (rows, dim_rows, digest_rows)]
    build(wh, select="fct_orders dim_customers ml_customer_activity_digests", full_refresh=True)
    assert scalar(wh, tampered_name) != "tampered"
    assert scalar(wh, tampered_email) != "tampered"
    assert scalar(wh, digest_of_third) != "tampered"
    assert [query(wh, sql) for sql in (rows, dim_rows, digest_rows)] == incremental


def test_live_view_shows_events_loaded_after_the_last_build(wh: Target, tmp_path: Path) -> None:
    built_total = scalar(wh, "select count(*) from marts.fct_events_live")
    assert scalar(wh, "select count(*) from marts.fct_events_live where is_from_tail") == 0

    extra = tmp_path / "extra"
    generate(extra, seed=99, events=800, days=1, defect_rate=0.05)
    load_files(wh, sorted(extra.glob("web_events_*")))
    tail = scalar(wh, "select count(*) from marts.fct_events_live where is_from_tail")
    assert tail > 0
    live_total = scalar(wh, "select count(*) from marts.fct_events_live")
    assert live_total == built_total + tail

    # the tail becomes the built past: same events, none left in the tail (only the web
    # events' lineage is rebuilt: this extra data set reuses the first one's order names)
    build(wh, select="+fct_events_live")
    assert scalar(wh, "select count(*) from marts.fct_events_live") == live_total
    assert scalar(wh, "select count(*) from marts.fct_events_live where is_from_tail") == 0
    assert scalar(wh, "select count(*) from staging.stg_web__events") == live_total


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers["Content-Length"])
        _Receiver.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.received.clear()
    yield f"http://127.0.0.1:{server.server_port}/alerts"
    server.shutdown()


def test_quarantine_spike_alerts_once_per_bad_batch_and_posts_the_webhook(
    wh: Target, tmp_path: Path, webhook: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean, spiky = tmp_path / "clean", tmp_path / "spiky"
    generate(clean, seed=5, events=600, days=1, defect_rate=0.0)
    generate(spiky, seed=6, events=600, days=1, defect_rate=0.4)
    batches = load_files(
        wh, sorted(clean.glob("web_events_*")) + sorted(spiky.glob("web_events_*"))
    )
    build(wh, select="+audit_batch_quarantine")  # see the live-view test: web lineage only
    before = len(read_alerts(wh))
    monkeypatch.setenv("SHOPLOG_ALERT_WEBHOOK", webhook)
    alerts = quarantine_alerts(wh, [b.batch_id for b in batches if b.batch_id is not None])
    assert [a.batch_id for a in alerts] == [batches[1].batch_id]
    stored = read_alerts(wh)
    assert len(stored) == before + 1
    assert (
        stored[-1]["kind"] == "quarantine_spike" and stored[-1]["batch_id"] == batches[1].batch_id
    )
    assert [r["batch_id"] for r in _Receiver.received] == [batches[1].batch_id]


def test_an_unreachable_webhook_never_fails_the_alert(
    wh: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.alerts import Alert, notify

    monkeypatch.setenv("SHOPLOG_ALERT_WEBHOOK", "http://127.0.0.1:9/nothing-listens-here")
    before = len(read_alerts(wh))
    notify(wh, Alert(kind="test", message="webhook down"))
    assert len(read_alerts(wh)) == before + 1


def test_an_incremental_run_resessionizes_from_the_first_session_a_new_event_changes(
    wh: Target, tmp_path: Path
) -> None:
    """fct_sessions' incremental runs read events from the start of the first built session a
    new event can change (macro sessions_rescan_start), not from the new event's day, and
    replace the browser's sessions from there on (strategy replace_from), dropping any that
    a late event joins into one."""
    last_day = scalar(wh, "select cast(max(client_ts) as date) from staging.stg_web__events")
    evening = datetime.combine(last_day, datetime.min.time()) - timedelta(minutes=5)
    browser = str(uuid.uuid4())

    def load_events(name: str, *minutes_after_evening: int) -> list[tuple]:
        lines = []
        for minutes in minutes_after_evening:
            at = evening + timedelta(minutes=minutes)
            event = {
                "event_id": str(uuid.uuid4()),
                "event_type": "page_view",
                "anonymous_id": browser,
                "client_ts": at.isoformat() + "Z",
                "received_at": (at + timedelta(seconds=1)).isoformat() + "Z",
                "page_url": "https://shop.example.com/",
                "user_agent": "test",
            }
            lines.append(json.dumps(event) + "\n")
        path = tmp_path / f"web_events_{name}.jsonl"
        path.write_text("".join(lines))
        load_files(wh, [path])
        build(wh, select="+fct_sessions")
        return query(
            wh,
            "select session_number, session_started_at, events from marts.fct_sessions"
            f" where anonymous_id = '{browser}' order by session_number",
        )

    at = {minutes: evening + timedelta(minutes=minutes) for minutes in (0, 60)}
    assert load_events("2099-02-01", 0, 60) == [(1, at[0], 1), (2, at[60], 1)]
    # ten past midnight: joins the session begun at 23:55, the day before
    assert load_events("2099-02-02", 15) == [(1, at[0], 2), (2, at[60], 1)]
    # a late event between the two sessions joins them: the second one is gone
    assert load_events("2099-02-03", 40) == [(1, at[0], 4)]


def test_an_incremental_run_keeps_each_orders_earliest_purchase_event_as_a_rebuild_does(
    wh: Target, tmp_path: Path
) -> None:
    """int_order_first_purchase_events folds new purchase events into the kept earliest one
    per order, without reading old events again: a late event older than the kept one wins.
    When a new batch redelivers the kept event itself, with an earlier received_at and so
    replacing it in staging (here with another client_ts), the order is computed again from
    all its events. Either way the rows equal a full refresh's."""
    noon = datetime.combine(
        scalar(wh, "select cast(max(client_ts) as date) from staging.stg_web__events"),
        datetime.min.time(),
    ) + timedelta(hours=12)
    tag = uuid.uuid4().hex[:8]
    late, redelivered = f"#late-{tag}", f"#redelivered-{tag}"

    def purchase(event_id: str, order_ref: str, minutes: int, received_minutes: float) -> str:
        return json.dumps(
            {
                "event_id": event_id,
                "event_type": "purchase",
                "anonymous_id": f"browser-{event_id}",
                "user_email": f"{event_id}@example.com",
                "sku": "SKU-1",
                "price": "10.00",
                "quantity": 1,
                "order_ref": order_ref,
                "client_ts": (noon + timedelta(minutes=minutes)).isoformat() + "Z",
                "received_at": (noon + timedelta(minutes=received_minutes)).isoformat() + "Z",
            }
        )

    ids = {name: f"{name}-{tag}" for name in ("a", "b", "c", "d", "e")}
    first_rows = [
        purchase(ids["a"], late, 0, 1),
        purchase(ids["b"], late, 5, 6),
        purchase(ids["c"], redelivered, 0, 1),
        purchase(ids["d"], redelivered, 10, 11),
    ]
    later_rows = [
        # older than the kept event of its order: it takes its place
        purchase(ids["e"], late, -5, 30),
        # the kept event again, received earlier than the copy staging holds, at another time
        purchase(ids["c"], redelivered, 20, 0.5),
    ]
    sql = (
        "select order_ref, anonymous_id, event_id, last_batch_id"
        " from intermediate.int_order_first_purchase_events"
        f" where order_ref in ('{late}', '{redelivered}') order by order_ref"
    )
    for day, rows in (("2099-03-01", first_rows), ("2099-03-02", later_rows)):
        path = tmp_path / f"web_events_{day}.jsonl"
        path.write_text("\n".join(rows) + "\n")
        load_files(wh, [path])
        build(wh, select="+int_order_first_purchase_events")
    incremental = query(wh, sql)
    assert [(ref, event_id) for ref, _, event_id, _ in incremental] == [
        (late, ids["e"]),
        (redelivered, ids["d"]),
    ]
    build(wh, select="int_order_first_purchase_events", full_refresh=True)
    assert query(wh, sql) == incremental


# the models between a Shopify order's versions and its lines in the marts
ORDER_CHAIN = (
    "stg_shopify__order_lines",
    "int_shopify_orders_prepared",
    "int_orders_unioned",
    "int_order_lines_unioned",
    "fct_order_lines",
)


def test_an_incremental_run_replaces_the_lines_of_an_order_whose_new_version_has_fewer(
    wh: Target, tmp_path: Path
) -> None:
    """The order models rebuild only the orders with a new current version, and an order whose
    new version has one line left, or none, keeps exactly that in every line model: the same
    lines a full refresh gives. An order with no new version is not rewritten: a value changed
    behind dbt's back stays until a full refresh. (Last in the module: the new versions change
    two orders' state.)"""
    two_lines = query(
        wh,
        "select order_id from staging.stg_shopify__order_lines"
        " group by order_id having count(*) >= 2 order by order_id limit 2",
    )
    assert len(two_lines) == 2, "the data set has no two orders of two lines or more"
    (fewer,), (emptied,) = two_lines
    records = {}
    for order_id in (fewer, emptied):
        ((record,),) = query(
            wh,
            "select raw.record from staging.stg_shopify__orders as orders"
            " inner join raw.shopify_orders as raw"
            " on orders._batch_id = raw._batch_id and orders._line_number = raw._line_number"
            f" where orders.order_id = {order_id}",
        )
        records[order_id] = json.loads(record)
    lines = []
    for order_id, items in ((fewer, records[fewer]["line_items"][:1]), (emptied, [])):
        version = dict(records[order_id], line_items=items)
        updated = datetime.fromisoformat(version["updated_at"]) + timedelta(seconds=1)
        version["updated_at"] = updated.isoformat()
        lines.append(json.dumps(version))
    extra = tmp_path / "shopify_orders_2099-01-01.jsonl"
    extra.write_text("\n".join(lines) + "\n")
    # A sale no new batch touches, changed behind dbt's back in an order model and in a line
    # model: an incremental build must leave both as they are.
    sale = scalar(
        wh, "select min(source_order_id) from marts.fct_order_lines where channel = 'marketplace'"
    )
    tampered = {"intermediate.int_orders_unioned": "order_name", "marts.fct_order_lines": "title"}
    execute(
        wh,
        *(
            f"update {relation} set {column} = 'tampered'"
            f" where channel = 'marketplace' and source_order_id = '{sale}'"
            for relation, column in tampered.items()
        ),
    )
    load_files(wh, [extra])
    build(wh, select="+fct_order_lines")

    def lines_of(order_id: int) -> tuple[int, ...]:
        return tuple(
            scalar(wh, f"select count(*) from {relation} where {column} = {value}")
            for relation, column, value in (
                ("staging.stg_shopify__order_lines", "order_id", order_id),
                ("intermediate.int_order_lines_unioned", "source_order_id", f"'{order_id}'"),
                ("marts.fct_order_lines", "source_order_id", f"'{order_id}'"),
            )
        )

    def tampered_rows() -> list[bool]:
        return [
            bool(scalar(wh, f"select count(*) from {relation} where {column} = 'tampered'"))
            for relation, column in tampered.items()
        ]

    assert (lines_of(fewer), lines_of(emptied)) == ((1, 1, 1), (0, 0, 0))
    assert tampered_rows() == [True, True]
    changed = f"channel = 'online_store' and source_order_id in ('{fewer}', '{emptied}')"
    rows = {
        "staging.stg_shopify__order_lines": "true order by order_id, line_position",
        "intermediate.int_orders_unioned": f"{changed} order by order_key",
        "intermediate.int_order_lines_unioned": f"{changed} order by order_line_key",
        "marts.fct_order_lines": f"{changed} order by order_line_key",
    }
    incremental = {
        relation: query(wh, f"select * from {relation} where {where}")
        for relation, where in rows.items()
    }
    build(wh, select=" ".join(ORDER_CHAIN), full_refresh=True)
    assert tampered_rows() == [False, False]
    for relation, where in rows.items():
        assert query(wh, f"select * from {relation} where {where}") == incremental[relation], (
            relation
        )


class _Hanging(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        time.sleep(30)  # never answers within the alert's webhook timeout

    def log_message(self, *args: object) -> None:
        pass


def test_a_hanging_webhook_never_blocks_or_fails_the_alert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.alerts import Alert, notify
    from flows.alerts.notify import WEBHOOK_TIMEOUT_S

    wh = Target("duckdb", duckdb_path=tmp_path / "alerts.duckdb")
    server = HTTPServer(("127.0.0.1", 0), _Hanging)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("SHOPLOG_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/")
    started = time.monotonic()
    notify(wh, Alert(kind="test", message="webhook hangs"))
    assert time.monotonic() - started < WEBHOOK_TIMEOUT_S + 5
    assert [a["message"] for a in read_alerts(wh)] == ["webhook hangs"]
    server.server_close()


def order_customers_as_a_full_refresh_gives(
    wh: Target, dbt_args: list[str], tmp_path: Path
) -> None:
    """int_order_customers as the incremental runs left it equals the same model rebuilt whole
    from the same inputs (dbt_args: more arguments for that rebuild, such as --vars)."""
    rows = "select * from intermediate.int_order_customers order by order_key"
    incremental = query(wh, rows)
    rebuilt = run_dbt(
        ["run", "--select", "int_order_customers", "--full-refresh", *dbt_args],
        wh,
        target_path=tmp_path / "target",
    )
    assert rebuilt.ok, rebuilt.output_tail
    assert query(wh, rows) == incremental


def test_order_customers_are_resolved_again_for_changed_identities_and_junk_rules(
    wh: Target, tmp_path: Path
) -> None:
    """An incremental run of int_order_customers leaves an order it has no reason to revisit
    as built (a value changed behind dbt's back stays), and resolves every order again when
    the junk rules change. A degree cap of 0 makes every linked identifier junk, so every
    order loses its customer; the default cap frees them again, which no built row can show
    (none names a junk identifier): only the rules' digest brings the customers back. After
    each run the model equals a full refresh under the same rules."""
    first_resolved = "select min(order_key) from intermediate.int_order_customers"
    untouched = scalar(wh, f"{first_resolved} where customer_key is not null")
    batch_of = (
        "select last_batch_id from intermediate.int_order_customers"
        f" where order_key = '{untouched}'"
    )
    built_batch = scalar(wh, batch_of)
    set_batch = "update intermediate.int_order_customers set last_batch_id = {}"
    execute(wh, set_batch.format(-1) + f" where order_key = '{untouched}'")
    run = ["run", "--select", "+int_order_customers"]
    ran = run_dbt(run, wh, target_path=tmp_path / "target")
    assert ran.ok, ran.output_tail
    assert scalar(wh, batch_of) == -1
    execute(wh, set_batch.format(built_batch) + f" where order_key = '{untouched}'")

    everything_junk = ["--vars", "{identity_max_degree: 0}"]
    unresolved = "select count(*) from intermediate.int_order_customers where customer_key is null"
    before = scalar(wh, unresolved)
    for dbt_args in (everything_junk, []):
        ran = run_dbt([*run, *dbt_args], wh, target_path=tmp_path / "target")
        assert ran.ok, ran.output_tail
        assert (scalar(wh, unresolved) > before) == bool(dbt_args)
        order_customers_as_a_full_refresh_gives(wh, dbt_args, tmp_path)
    assert scalar(wh, unresolved) == before
