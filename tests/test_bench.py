"""The benchmark suite measures what it says: its floor rebuilds the same tables as dbt, each
step's memory is its own, and `shoplog bench` prints and saves every figure on both engines.

Timings are never asserted (the machine is shared); what is asserted is that every figure is
there, positive, and computed against its own baseline of the same run.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from warehouse_queries import query

from flows.bench.floor import floor_statements, run_floor
from flows.bench.flow import FlowBench
from flows.bench.measure import measured
from flows.bench.suite import INCREMENTAL_RUN_RESULTS, START, generate_history, split_last_day
from flows.dbt_runner import run_dbt
from flows.engine import ShoplogError, Target
from flows.load import load_files
from flows.replay.checksums import fingerprints
from flows.replay.relations import derived_relations

pytestmark = pytest.mark.slow

SHOPLOG = str(Path(sys.executable).with_name("shoplog"))
STEPS = (
    "load",
    "load floor",
    "full build",
    "build floor",
    "incremental build",
    "incremental floor",
    "pipeline flow",
)


def test_measured_reports_the_childs_own_peak_memory() -> None:
    small = measured(lambda: len(bytearray(10 << 20)))  # 10 MB
    large = measured(lambda: len(bytearray(400 << 20)))  # 400 MB
    assert small.value == 10 << 20 and large.value == 400 << 20
    assert large.peak_rss_mb >= 400 > small.peak_rss_mb
    # a later, smaller step is not charged with an earlier one's peak
    assert measured(lambda: 1).peak_rss_mb < 400


def test_measured_turns_a_failing_step_into_one_clear_error() -> None:
    def fails() -> None:
        raise ShoplogError("the step said no")

    with pytest.raises(ShoplogError, match="the step said no"):
        measured(fails)
    with pytest.raises(ShoplogError, match=r"ZeroDivisionError.*test_bench\.py"):
        measured(lambda: 1 // 0)


def test_flow_orchestration_is_what_remains_beside_dbt_and_the_flows_own_steps() -> None:
    flow = FlowBench(
        events=10,
        wall_seconds=20.0,
        dbt_seconds=10.0,
        step_seconds={"load": 3.0, "build": 11.0, "quality": 4.0},
    )
    assert flow.overhead_seconds == pytest.approx(10.0)
    assert flow.in_process_steps == {"load": 3.0, "quality": 4.0}
    assert flow.orchestration_seconds == pytest.approx(3.0)


def test_the_benchmark_history_ends_before_it_is_loaded(tmp_path: Path) -> None:
    """Events dated after their load (beyond shoplog_max_future_days) are quarantined as
    future-dated: a history reaching past today made the benchmark's increment almost all
    quarantine, with nothing new for the models after staging."""
    files = tmp_path / "files"
    generate_history(files, 500, progress=lambda _: None)
    _, last_day = split_last_day(files)
    days = {datetime.date.fromisoformat(p.name.rsplit("_", 1)[1][:10]) for p in last_day}
    assert len(days) == 1 and days.pop() < datetime.date.today()


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_floor_rebuilds_every_relation_exactly_as_dbt_built_it(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = (
        Target("duckdb", duckdb_path=tmp_path / "floor.duckdb")
        if engine == "duckdb"
        else request.getfixturevalue("pg_target")
    )
    files = tmp_path / "files"
    generate_history(files, 3_000, progress=lambda _: None)
    base, _ = split_last_day(files)
    load_files(target, base)
    dbt_target = tmp_path / "target"
    assert run_dbt(["build", "--full-refresh"], target, target_path=dbt_target).ok
    statements = floor_statements(dbt_target)
    assert any(s.startswith("create or replace table") for s in statements)
    assert any(s.startswith("select count(*)") for s in statements)  # the data tests
    relations = [r for r in derived_relations(dbt_target / "manifest.json") if r[2] != "seed"]
    built_by_dbt = fingerprints(target, relations)
    indexed_by_dbt = derived_indexes(target)
    assert run_floor(target, dbt_target) > 0
    assert fingerprints(target, relations) == built_by_dbt
    # the next incremental build finds the indexes dbt made (PostgreSQL's incremental models)
    assert derived_indexes(target) == indexed_by_dbt
    assert indexed_by_dbt or engine == "duckdb"


def derived_indexes(target: Target) -> list[tuple[str, str]]:
    """Each index on a derived table, as (table, definition without the index's name)."""
    if target.pg_dsn is None:
        return []
    rows = query(
        target,
        "select schemaname || '.' || tablename, "
        "regexp_replace(indexdef, 'INDEX \\S+ ON', 'INDEX ON') from pg_indexes "
        "where schemaname not in ('raw', 'pg_catalog', 'information_schema')",
    )
    return sorted(rows)


@pytest.mark.postgres
def test_shoplog_bench_prints_and_saves_every_figure_on_both_engines(
    tmp_path: Path, prefect_api_url: str
) -> None:
    results = tmp_path / "results"
    run = subprocess.run(
        [SHOPLOG, "bench", "--events", "3000", "--pg-events", "3000", "--results", str(results)],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "PREFECT_API_URL": prefect_api_url},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    table = run.stdout
    for engine in ("duckdb", "postgres"):
        lines = [line for line in table.splitlines() if line.startswith(engine)]
        for step in STEPS:
            assert any(step in line for line in lines), (engine, step, table)
    (saved,) = results.iterdir()
    document = json.loads(saved.read_text())
    assert document["machine"]["cpus"] >= 1 and document["machine"]["git_sha"]
    rows = document["rows"]
    assert {row["engine"] for row in rows} == {"duckdb", "postgres"}
    assert len(rows) == 2 * len(STEPS)
    for row in rows:
        assert row["seconds"] > 0 and row["peak_rss_mb"] > 0, row
        if row["baseline"]:
            assert row["ratio"] > 0, row
    by_step = {(row["engine"], row["step"].split(" (")[0]): row for row in rows}
    for engine in ("duckdb", "postgres"):
        full = by_step[(engine, "full build")]
        incremental = by_step[(engine, "incremental build")]
        assert incremental["ratio"] == pytest.approx(incremental["seconds"] / full["seconds"])
        nothing_new = by_step[(engine, "incremental floor")]
        assert nothing_new["ratio"] == pytest.approx(nothing_new["seconds"] / full["seconds"])
        assert nothing_new["figure"] == incremental["figure"]  # the same nodes, no new rows
        floor = by_step[(engine, "build floor")]
        assert full["ratio"] == pytest.approx(full["seconds"] / floor["seconds"])
        assert by_step[(engine, "pipeline flow")]["figure"].startswith("orchestration")


def test_a_kept_workdir_reuses_its_data_but_never_its_warehouse(tmp_path: Path) -> None:
    """`--workdir` keeps the generated files for the next run (generating 10 M events takes
    minutes) while every run loads and builds a new warehouse from them."""
    workdir = tmp_path / "work"
    command = [SHOPLOG, "bench", "build", "--engines", "duckdb", "--events", "2000"]
    command += ["--workdir", str(workdir), "--results", str(tmp_path / "results")]
    runs = [subprocess.run(command, capture_output=True, text=True, timeout=900) for _ in "12"]
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
    assert "generating" in runs[0].stderr and "generating" not in runs[1].stderr
    assert [p.name for p in workdir.iterdir() if p.name.startswith("files")] == [
        f"files_2000_from_{START.isoformat()}"
    ]
    documents = [json.loads(p.read_text()) for p in sorted((tmp_path / "results").iterdir())]
    loads = [[r for r in d["rows"] if r["step"] == "load"][0] for d in documents]
    # lines loaded both times: the second run did not find them already loaded
    assert len(documents) == 2 and all(load["figure"] != "0 lines/s" for load in loads)
    steps = [[r["step"] for r in d["rows"]] for d in documents]
    assert "+0 events" not in str(steps) and steps[0] == steps[1]  # the same increment
    # the incremental build's run_results, kept from before the build with nothing new
    kept = json.loads((workdir / "duckdb" / INCREMENTAL_RUN_RESULTS).read_text())
    last = json.loads((workdir / "duckdb" / "target" / "run_results.json").read_text())
    assert kept["metadata"]["invocation_id"] != last["metadata"]["invocation_id"]
    assert kept["metadata"]["generated_at"] < last["metadata"]["generated_at"]
    assert len(kept["results"]) == len(last["results"]) > 100
