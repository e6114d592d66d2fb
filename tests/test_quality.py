"""The data-quality suites and SLAs (flows/quality) on real engines.

Clean generator data (14 days, 2 % defects) is built once per engine; each test works on a
scratch copy of that warehouse (a copied DuckDB file, a PostgreSQL database cloned from it)
and breaks it with plain SQL where a test needs it, so no violation costs a dbt build.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from engines import ENGINES, scratch_duckdb
from warehouse_queries import execute

from flows.alerts import read_alerts
from flows.engine import ShoplogError, Target, pg_settings
from flows.generate import generate
from flows.load import load_files
from flows.quality import (
    QualityReport,
    docs_dir,
    gate_passed,
    load_slas,
    read_results,
    run_ids,
    run_quality,
)
from flows.quality.gx_runner import pg_connection_string
from flows.quality.plan import make_plan
from flows.quality.slas import SOURCES

# What the suites read: staging, quarantine and audit models and the two key marts. Other
# marts are left unbuilt, so the optional suites (fct_orders, dim_customers,
# ml_training_set) are skipped here; test_optional_suites_* covers how they are guarded.
BUILD_SELECT = "+audit_row_accounting +audit_batch_quarantine +fct_events_live +fct_daily_revenue"
# A weekday inside the 7 days the volume SLA judges (the data runs 2026-09-01 .. 09-14).
DROPPED_DAY = "2026-09-10"


# ---------------------------------------------------------------- fixtures: built warehouses


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("quality-demo")
    generate(out, seed=23, events=20_000, days=14, defect_rate=0.02)
    return out


def load_and_build(target: Target, files: Path, dbt_target_path: Path) -> Target:
    from flows.dbt_runner import run_dbt

    load_files(target, sorted(p for p in files.iterdir() if p.is_file()))
    # cautious: only the tests whose every parent is selected (not those of unbuilt models)
    args = ["build", "--select", BUILD_SELECT, "--indirect-selection", "cautious"]
    result = run_dbt(args, target, target_path=dbt_target_path)
    # Every model and test the suites rely on must pass; the run's own ok also covers hooks
    # about models outside this selection, which are not this module's subject.
    assert result.nodes and not result.failures, result.failure_summary()
    return target


@pytest.fixture(scope="module")
def duck_built(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Target:
    target = scratch_duckdb(tmp_path_factory, "quality-duck")
    return load_and_build(target, demo_dir, tmp_path_factory.mktemp("quality-duck-target"))


@pytest.fixture(scope="module")
def pg_built(
    demo_dir: Path, pg_target_module: Target, tmp_path_factory: pytest.TempPathFactory
) -> Target:
    return load_and_build(pg_target_module, demo_dir, tmp_path_factory.mktemp("quality-pg"))


@contextlib.contextmanager
def scratch_copy(built: Target, tmp_path: Path) -> Iterator[Target]:
    """A throw-away copy of a built warehouse: a file copy, or a PostgreSQL clone."""
    if built.duckdb_path is not None:
        copy = tmp_path / "scratch.duckdb"
        shutil.copyfile(built.duckdb_path, copy)
        yield Target("duckdb", duckdb_path=copy)
        return
    import psycopg2
    from psycopg2 import sql

    assert built.pg_dsn is not None
    name = f"{built.pg_dsn['dbname']}_{secrets.token_hex(4)}"
    admin = psycopg2.connect(**{**pg_settings(), "dbname": "postgres"})
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            # a template database must have no other session
            cur.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = %s and pid <> pg_backend_pid()",
                [built.pg_dsn["dbname"]],
            )
            cur.execute(
                sql.SQL("create database {} template {}").format(
                    sql.Identifier(name), sql.Identifier(built.pg_dsn["dbname"])
                )
            )
        try:
            yield Target("postgres", pg_dsn={**built.pg_dsn, "dbname": name})
        finally:
            with admin.cursor() as cur:
                cur.execute(
                    sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
                )
    finally:
        admin.close()


@pytest.fixture(params=ENGINES)
def scratch(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """A scratch copy of the clean built warehouse, on each engine."""
    built = request.getfixturevalue("duck_built" if request.param == "duckdb" else "pg_built")
    with scratch_copy(built, tmp_path) as target:
        yield target


def failed_suites(report: QualityReport) -> dict[str, set[str]]:
    """suite -> severities of its failed expectations."""
    failed: dict[str, set[str]] = {}
    for outcome in report.outcomes:
        if not outcome.success:
            failed.setdefault(outcome.suite, set()).add(outcome.severity)
    return failed


# ---------------------------------------------------------------- clean data stays quiet


@pytest.mark.slow
def test_clean_generator_data_passes_every_suite_and_sla_and_writes_data_docs(
    scratch: Target,
) -> None:
    report = run_quality(scratch)

    assert [o for o in report.outcomes if not o.success] == []
    assert report.passed and gate_passed(scratch)
    # every SLA of the YAML and every required suite ran
    slas = load_slas()
    expected = {f"sla_freshness__{s.source}" for s in slas.freshness}
    expected |= {f"sla_volume__{s.source}" for s in slas.volume}
    expected |= {f"sla_quarantine_rate__{s.source}" for s in slas.quarantine_rate}
    expected |= {"raw_batches", "fct_daily_revenue", "fct_events_live", "audit_row_accounting"}
    assert expected <= set(report.suites)
    # the volume SLA really judged days (14 days of data, 7 of history needed, the newest
    # day left for the next run): 2026-09-08 .. 09-13
    volume = next(o for o in report.outcomes if o.suite == "sla_volume__web_events")
    assert (volume.observed_value or "").startswith("0 of 6 rows")
    assert set(report.skipped) == {"dim_customers", "fct_orders", "ml_training_set"}

    # the Data Docs site: written where the README says, naming every suite of the run
    index = docs_dir() / "index.html"
    assert report.docs_index == index and index.exists()
    html = index.read_text()
    for suite in report.suites:
        assert suite in html, suite
    assert not list(docs_dir().parent.glob(".docs-*"))  # no half-built site left behind


# ---------------------------------------------------------------- each SLA fires


@pytest.mark.slow
def test_a_stale_source_fails_freshness_and_the_gate(scratch: Target) -> None:
    execute(
        scratch,
        "update raw.web_events set _loaded_at = _loaded_at - interval '3 days'",
        # the marketplace feed's SLA is a warning: stale, reported, not blocking
        "update raw.braintree_transactions set _loaded_at = _loaded_at - interval '3 days'",
    )
    report = run_quality(scratch)

    assert failed_suites(report) == {
        "sla_freshness__web_events": {"error"},
        "sla_freshness__braintree_transactions": {"warn"},
    }
    (stale,) = report.failed_in("sla_freshness__web_events")
    assert 72 <= float(stale.observed_value or 0) < 73  # hours since the newest load
    assert not report.passed and not gate_passed(scratch)


@pytest.mark.slow
def test_a_warning_alone_is_reported_but_passes_the_gate(scratch: Target) -> None:
    execute(
        scratch, "update raw.braintree_transactions set _loaded_at = _loaded_at - interval '3 days'"
    )
    report = run_quality(scratch)

    assert failed_suites(report) == {"sla_freshness__braintree_transactions": {"warn"}}
    assert report.passed and gate_passed(scratch)
    (row,) = [
        r for r in read_results(scratch, report.run_id) if not r["success"]
    ]  # the warning is in the history too
    assert row["severity"] == "warn" and row["suite"] == "sla_freshness__braintree_transactions"


@pytest.mark.slow
def test_half_a_days_events_missing_is_a_volume_anomaly(scratch: Target) -> None:
    execute(
        scratch,
        "delete from staging.stg_web__events "
        f"where cast(client_ts as date) = cast('{DROPPED_DAY}' as date) "
        "and mod(_line_number, 2) = 0",
    )
    report = run_quality(scratch)

    assert failed_suites(report) == {"sla_volume__web_events": {"error"}}
    (anomaly,) = report.failed_in("sla_volume__web_events")
    assert f"day={DROPPED_DAY}" in (anomaly.observed_value or "")
    assert not report.passed


@pytest.mark.slow
def test_a_quarantine_spike_breaks_the_ceiling(scratch: Target) -> None:
    # the newest web batch: half of its rows quarantined
    execute(
        scratch,
        "update audit.audit_batch_quarantine "
        "set quarantined_rows = cast(raw_rows / 2 as bigint), quarantine_rate = 0.5 "
        "where batch_id = (select max(batch_id) from audit.audit_batch_quarantine "
        "where source_name = 'web_events')",
    )
    report = run_quality(scratch)

    assert failed_suites(report) == {"sla_quarantine_rate__web_events": {"error"}}
    (spike,) = report.failed_in("sla_quarantine_rate__web_events")
    assert float(spike.observed_value or 0) == pytest.approx(0.5, abs=0.001)


@pytest.mark.slow
def test_a_null_burst_in_a_key_column_breaks_its_ceiling(scratch: Target) -> None:
    execute(
        scratch,
        "update staging.stg_web__events set anonymous_id = null where mod(_line_number, 3) = 0",
    )
    report = run_quality(scratch)

    assert failed_suites(report) == {"sla_null_rate__stg_web__events": {"error"}}
    (burst,) = report.failed_in("sla_null_rate__stg_web__events")
    assert burst.column == "anonymous_id" and "rows unexpected (3" in (burst.observed_value or "")


# ---------------------------------------------------------------- history and the gate


@pytest.mark.slow
def test_runs_accumulate_in_dq_results_and_the_gate_reads_the_latest(scratch: Target) -> None:
    first = run_quality(scratch)
    execute(scratch, "update raw.web_events set _loaded_at = _loaded_at - interval '3 days'")
    second = run_quality(scratch)

    assert run_ids(scratch) == [first.run_id, second.run_id]
    for report in (first, second):
        rows = read_results(scratch, report.run_id)
        assert len(rows) == len(report.outcomes)
        assert {r["severity"] for r in rows} == {"error", "warn"}
        assert all(isinstance(r["run_at"], datetime) for r in rows)
        assert all(json.loads(r["expectation_kwargs"]) is not None for r in rows)
    assert not gate_passed(scratch)  # the latest run failed
    assert gate_passed(scratch, run_id=first.run_id)
    assert not gate_passed(scratch, run_id=second.run_id)


def test_gate_is_closed_on_a_warehouse_never_checked(tmp_path: Path) -> None:
    target = Target("duckdb", duckdb_path=tmp_path / "empty.duckdb")
    execute(target, "create schema audit")
    assert gate_passed(target) is False


@pytest.mark.slow
def test_a_missing_mart_fails_the_gate_instead_of_passing_quietly(scratch: Target) -> None:
    execute(scratch, "drop table marts.fct_daily_revenue")
    report = run_quality(scratch)

    (missing,) = report.failed_in("fct_daily_revenue")
    assert missing.expectation == "expect_table_to_exist" and missing.severity == "error"
    assert not report.passed


# ---------------------------------------------------------------- dbt tests in the gate


@pytest.mark.slow
def test_dbt_tests_join_the_gate_with_their_configured_severity(
    duck_built: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPLOG_DBT_TARGET_DIR", str(tmp_path / "dbt"))
    with scratch_copy(duck_built, tmp_path) as target:
        execute(
            target,
            # recency (warn): no clean event loaded for 3 days
            "update staging.stg_web__events set _loaded_at = _loaded_at - interval '3 days'",
            # row_count_in_range (error): the accounting lost a source
            "delete from audit.audit_row_accounting where source_name = 'braintree_transactions'",
        )
        selection = ["--select", BUILD_SELECT, "--indirect-selection", "cautious"]
        report = run_quality(target, dbt_tests=True, dbt_args=selection)

    tests = {o.expectation: o for o in report.outcomes if o.suite == "dbt_tests"}
    stale = tests["recency(stg_web__events._loaded_at)"]
    assert (stale.success, stale.severity) == (False, "warn")
    lost = tests["row_count_in_range(audit_row_accounting)"]
    assert (lost.success, lost.severity) == (False, "error")
    assert tests["unique_combination(stg_web__events)"].success
    assert not report.passed


def test_a_dbt_run_that_tests_nothing_still_fails_the_gate() -> None:
    from flows.dbt_runner import DbtResult
    from flows.quality.dbt_tests import outcomes_of

    broken = DbtResult(args=("test",), returncode=2, seconds=1.0, output_tail="Parsing Error")
    (outcome,) = outcomes_of(broken, {})
    assert (outcome.expectation, outcome.success, outcome.severity) == (
        "dbt_test_runs",
        False,
        "error",
    )


# ---------------------------------------------------------------- the Prefect flow


@pytest.mark.slow
def test_quality_flow_alerts_and_fails_on_an_error_and_publishes_the_results(
    prefect_api_url: str,
    duck_built: Target,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.logging.handlers import APILogHandler

    from flows.quality_flow import QUALITY_ARTIFACT_KEY, quality

    monkeypatch.delenv("SHOPLOG_ALERT_WEBHOOK", raising=False)
    with scratch_copy(duck_built, tmp_path) as target:
        monkeypatch.setenv("SHOPLOG_DUCKDB_PATH", str(target.duckdb_path))
        # the scratch warehouse holds only the models the suites read: no dbt tests here
        passed = quality(target="duckdb", dbt_tests=False)
        assert passed.passed

        execute(target, "update raw.web_events set _loaded_at = _loaded_at - interval '3 days'")
        with pytest.raises(ShoplogError, match="gate FAILED: sla_freshness__web_events"):
            quality(target="duckdb", dbt_tests=False)

        alerts = [a for a in read_alerts(target) if a["kind"] == "quality_gate_failed"]
        assert len(alerts) == 1
        details = json.loads(alerts[0]["details"])
        assert details["failed"][0]["suite"] == "sla_freshness__web_events"
        assert details["run_id"] == run_ids(target)[-1]

    # ship this test's flow logs while the session's server still runs, not at exit
    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[QUALITY_ARTIFACT_KEY]))
        )
    assert len(artifacts) >= 2
    failed_rows = [r for a in artifacts for r in table_of(a) if r["success"] is False]
    assert any(r["suite"] == "sla_freshness__web_events" for r in failed_rows)


def table_of(artifact: object) -> list[dict]:
    data = artifact.data  # type: ignore[attr-defined]
    return json.loads(data) if isinstance(data, str) else list(data)


# ---------------------------------------------------------------- fast: plans and settings


def test_the_sla_file_declares_every_kind_for_every_source_with_a_severity() -> None:
    slas = load_slas()
    for kind in (slas.freshness, slas.volume, slas.quarantine_rate):
        assert sorted(s.source for s in kind) == sorted(SOURCES)
    assert slas.null_rate
    for sla in (*slas.freshness, *slas.volume, *slas.quarantine_rate, *slas.null_rate):
        assert sla.severity in ("error", "warn")
    assert {s.min_history_days for s in slas.volume} == {7}


@pytest.mark.parametrize(
    "body, message",
    [
        ("version: 1\nfreshness: {checks: [{source: web_events, severity: error}]}\n", "missing"),
        (
            "version: 1\nfreshness: {checks: [{source: web_events, max_age_hours: 1, "
            "severity: fatal}]}\n",
            "bad severity",
        ),
        (
            "version: 1\nnull_rate: {checks: [{relation: 'x; drop', column: a, "
            "max_rate: 0.1, severity: warn}]}\n",
            "schema.table",
        ),
        ("version: 1\nfreshnes: {}\n", "unknown SLA kind"),
    ],
)
def test_an_invalid_sla_file_is_refused_with_a_reason(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "slas.yml"
    path.write_text(body)
    with pytest.raises(ShoplogError, match=message):
        load_slas(path)


def test_optional_suites_wait_for_their_table_and_keep_only_expectations_it_can_answer() -> None:
    catalog: dict[tuple[str, str], set[str]] = {
        ("marts", "fct_orders"): {"order_key", "channel"},  # no currency, no customer_key
        ("ml", "ml_training_set"): {"customer_key", "label"},
    }
    plan = make_plan(catalog, load_slas(), datetime(2026, 9, 15), None)

    planned = {suite.name: suite for suite in plan.suites}
    assert set(plan.skipped) == {"dim_customers"}
    assert {e.kwargs.get("column") for e in planned["fct_orders"].expectations} == {
        None,
        "order_key",
        "channel",
    }
    assert planned["ml_training_set"].relation == ("ml", "ml_training_set")
    # the required suites, with nothing of theirs in the catalog, fail instead of vanishing
    failed = {o.suite for o in plan.failed}
    assert {"raw_batches", "fct_daily_revenue", "sla_volume__web_events"} <= failed
    assert all(o.expectation == "expect_table_to_exist" and not o.success for o in plan.failed)


def test_the_postgres_connection_string_never_holds_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSWORD", "s3cret-value")
    url = pg_connection_string(pg_settings())
    assert "s3cret" not in url and url.startswith("postgresql+psycopg2://")
