"""The flows against a real Prefect server: deployments and their schedules, a run through the
API, targeted dbt retries, the single-writer lock between two `shoplog run`s, failure alerts.

One server serves the whole session (the `prefect_api_url` fixture in conftest.py).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import pytest
import yaml
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
)
from prefect.client.schemas.objects import Artifact
from prefect.client.schemas.sorting import ArtifactSort
from prefect.deployments import run_deployment

import flows.dbt_runner.retry as retry_module
from flows.alerts import read_alerts
from flows.artifacts import RUN_RESULTS_KEY
from flows.dbt_runner import DbtResult, default_target_path, read_run_results, run_dbt
from flows.deployments import DEPLOYMENTS, TIMEZONE
from flows.engine import ShoplogError, Target, resolve_target, writer_lock
from flows.generate import generate
from flows.load import ensure_raw_tables
from flows.pipeline import build_flow

SHOPLOG = str(Path(sys.executable).with_name("shoplog"))
PREFECT = str(Path(sys.executable).with_name("prefect"))
REPO = Path(__file__).resolve().parent.parent  # where prefect.yaml and the flows package live
RETRYABLE = {"error", "fail", "runtime error", "skipped"}  # what `dbt retry` reruns
RAW_TABLES = ("web_events", "shopify_orders", "braintree_transactions")
# A slice of the project keeps the retry tests quick: a seed that builds, the model the broken
# table breaks and two models downstream of it (skipped when it fails), with the tests of
# these nodes only (DBT_INDIRECT_SELECTION=cautious, set by the `sliced` fixture).
SLICE = "fx_rates base_shopify__orders stg_shopify__order_versions stg_shopify__orders"

pytestmark = pytest.mark.slow


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Target:
    """A scratch DuckDB warehouse with its locks, incoming files and dbt artifacts in tmp_path,
    for flows in this process and for the `shoplog` processes a test starts."""
    monkeypatch.setenv("SHOPLOG_TARGET", "duckdb")
    monkeypatch.setenv("SHOPLOG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHOPLOG_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SHOPLOG_DBT_TARGET_DIR", str(tmp_path / "target"))
    monkeypatch.delenv("SHOPLOG_ALERT_WEBHOOK", raising=False)
    return resolve_target()


@pytest.fixture
def sliced(monkeypatch: pytest.MonkeyPatch) -> str:
    """The SLICE selection, without the tests of the models outside it (eager selection would
    add a test of an unbuilt model that also reads a model in the slice)."""
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    return SLICE


def rename_raw_column(target: Target, old: str, new: str) -> None:
    with duckdb.connect(str(target.duckdb_path)) as conn:
        conn.execute(f"alter table raw.shopify_orders rename column {old} to {new}")


def break_shopify_log(target: Target) -> None:
    """A raw table that lost its `record` column (say, renamed by hand): its models fail."""
    ensure_raw_tables(target)
    rename_raw_column(target, "record", "payload")


class DbtSpy:
    """Records each dbt command the build runs, and can act just before each retry."""

    def __init__(self, before_retry: Callable[[], None] | None = None) -> None:
        self.commands: list[str] = []
        self.before_retry = before_retry

    def __call__(self, args: Sequence[str], target: Target, **kwargs: Any) -> DbtResult:
        self.commands.append(args[0])
        if args[0] == "retry" and self.before_retry is not None:
            self.before_retry()
        return run_dbt(args, target, **kwargs)


def run_results_artifacts(flow_run_id: UUID) -> list[Artifact]:
    """The flow run's run_results artifacts, oldest first."""
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[RUN_RESULTS_KEY]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
            ),
            sort=ArtifactSort.CREATED_DESC,
        )
    return list(reversed(artifacts))


def rows_of(artifact: Artifact) -> list[dict[str, Any]]:
    data = artifact.data
    return json.loads(data) if isinstance(data, str) else list(data or [])


def ran(nodes: Sequence[Any]) -> set[str]:
    """Unique ids of the graph nodes a dbt command ran (hooks run on every command)."""
    return {n.unique_id for n in nodes if not n.unique_id.startswith("operation.")}


# --- deployments -------------------------------------------------------------------------------


@contextlib.contextmanager
def shoplog_serve(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        process = subprocess.Popen(
            [SHOPLOG, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_deployments(names: Sequence[str], timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while True:
            try:
                return {name: client.read_deployment_by_name(name) for name in names}
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


def assert_schedules_match_specs(deployments: dict[str, Any]) -> None:
    for spec in DEPLOYMENTS:
        deployment = deployments[spec.full_name]
        crons = [(s.schedule.cron, s.schedule.timezone, s.active) for s in deployment.schedules]
        assert crons == ([(spec.cron, TIMEZONE, True)] if spec.cron else []), spec.full_name
        assert deployment.parameters == spec.parameters


def test_served_deployments_are_scheduled_and_a_pipeline_run_through_the_api_completes(
    prefect_api_url: str, warehouse: Target, tmp_path: Path
) -> None:
    incoming = tmp_path / "incoming"
    generate(incoming, seed=5, events=500, days=3, defect_rate=0.01)
    env = {**os.environ, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    with shoplog_serve(env, tmp_path / "serve.log") as server:
        deployments = wait_for_deployments([spec.full_name for spec in DEPLOYMENTS])
        assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        assert_schedules_match_specs(deployments)
        assert deployments["build/hourly-incremental"].schedules[0].schedule.cron == "15 * * * *"

        flow_run = run_deployment(
            "pipeline/on-demand",
            parameters={"incoming": str(incoming), "retries": 0},
            timeout=300,
            poll_interval=1,
            as_subflow=False,
        )
    assert flow_run.state is not None and flow_run.state.is_completed(), (
        flow_run.state,
        (tmp_path / "serve.log").read_text()[-3000:],
    )
    # the run's artifact lists the models dbt built, none failed or skipped
    (artifact,) = run_results_artifacts(flow_run.id)
    rows = {row["node"]: row for row in rows_of(artifact)}
    for model in (
        "base_web__events",
        "stg_web__events",
        "qua_shopify__orders",
        "fct_daily_revenue",
    ):
        assert rows[model]["status"] == "success" and rows[model]["type"] == "model"
    assert not {row["status"] for row in rows.values()} & RETRYABLE
    assert artifact.description and artifact.description.startswith("dbt build ")
    # and the served run wrote the warehouse the serving process was pointed at
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as conn:
        assert conn.execute("select count(*) from raw.web_events").fetchone()[0] > 0


def test_prefect_yaml_deploys_the_same_schedules_on_a_process_pool(
    prefect_api_url: str, tmp_path: Path
) -> None:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    declared = {(d["entrypoint"], d["name"]): d for d in config["deployments"]}
    assert set(declared) == {(spec.entrypoint, spec.name) for spec in DEPLOYMENTS}
    for spec in DEPLOYMENTS:
        deployment = declared[spec.entrypoint, spec.name]
        crons = [(s["cron"], s["timezone"]) for s in deployment["schedules"]]
        assert crons == ([(spec.cron, "UTC")] if spec.cron else []), spec.full_name
        assert (deployment.get("parameters") or {}) == spec.parameters
        assert deployment["work_pool"]["name"] == "shoplog"

    pool = subprocess.run(
        [PREFECT, "work-pool", "create", "shoplog", "--type", "process", "--overwrite"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert pool.returncode == 0, pool.stdout + pool.stderr
    deploy = subprocess.run(
        [PREFECT, "--no-prompt", "deploy", "--all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]
    deployments = wait_for_deployments([spec.full_name for spec in DEPLOYMENTS], timeout_s=5)
    assert_schedules_match_specs(deployments)
    assert {d.work_pool_name for d in deployments.values()} == {"shoplog"}
    with get_client(sync_client=True) as client:
        assert client.read_work_pool("shoplog").type == "process"


# --- targeted retries and failure alerts -------------------------------------------------------


def test_a_transient_failure_is_retried_for_the_failed_and_skipped_nodes_only(
    prefect_api_url: str,
    warehouse: Target,
    sliced: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    break_shopify_log(warehouse)
    run_results = default_target_path(warehouse) / "run_results.json"
    first_results = tmp_path / "first_run_results.json"

    def repair() -> None:  # the transient cause is gone by the first retry
        if not first_results.exists():
            shutil.copy(run_results, first_results)
            rename_raw_column(warehouse, "payload", "record")

    spy = DbtSpy(before_retry=repair)
    monkeypatch.setattr(retry_module, "run_dbt", spy)
    state = build_flow(
        target="duckdb", select=sliced, retries=3, retry_delay_s=0, return_state=True
    )

    assert state.is_completed(), state.message
    assert spy.commands == ["build", "retry"]  # one retry was enough; the bound was 3
    first = read_run_results(first_results)
    retried = read_run_results(run_results)
    failed_or_skipped = {n.unique_id for n in first if n.status in RETRYABLE}
    assert {"model.shoplog.base_shopify__orders", "model.shoplog.stg_shopify__orders"} <= (
        failed_or_skipped
    )
    assert ran(retried) == ran([n for n in first if n.unique_id in failed_or_skipped])
    assert ran(retried) < ran(first)  # what succeeded the first time was not run again
    assert not {n.status for n in retried} & RETRYABLE

    outcome = state.result()
    assert outcome.ok and outcome.retries == 1
    assert not {n.status for n in outcome.nodes} & RETRYABLE
    # one artifact per dbt command: the failed build names the failing model and its error
    artifacts = run_results_artifacts(state.state_details.flow_run_id)
    descriptions = [a.description or "" for a in artifacts]
    assert len(descriptions) == 2
    assert descriptions[0].startswith(f"dbt build --select {SLICE} ")
    assert descriptions[1].startswith("dbt retry (attempt 2) in ")
    assert descriptions[1].endswith(": ok")
    failing = [row for row in rows_of(artifacts[0]) if row["status"] == "error"]
    assert failing and failing[0]["node"] == "base_shopify__orders"
    assert "record" in failing[0]["error"]
    assert "base_shopify__orders" in artifacts[0].description


class WebhookReceiver(http.server.BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    server = http.server.HTTPServer(("127.0.0.1", 0), WebhookReceiver)
    WebhookReceiver.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SHOPLOG_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/")
    yield WebhookReceiver.received
    server.shutdown()


def test_retries_are_bounded_then_the_flow_fails_naming_the_model_and_alerts(
    prefect_api_url: str,
    warehouse: Target,
    webhook: list[dict[str, Any]],
    sliced: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    break_shopify_log(warehouse)
    spy = DbtSpy()
    monkeypatch.setattr(retry_module, "run_dbt", spy)
    with pytest.raises(ShoplogError) as caught:
        build_flow(target="duckdb", select=sliced, retries=1, retry_delay_s=0)

    assert spy.commands == ["build", "retry"]
    message = str(caught.value)
    assert message.startswith("dbt build failed after 2 attempts; dbt retry failed: ")
    assert "base_shopify__orders (" in message and "record" in message and "\n" not in message

    (alert,) = [a for a in read_alerts(warehouse) if a["kind"] == "flow_failed"]
    assert alert["message"].startswith("flow build (run ")
    assert message in alert["message"]
    (posted,) = webhook
    assert posted["kind"] == "flow_failed" and posted["alert_id"] == alert["alert_id"]
    flow_run_id = json.loads(alert["details"])["flow_run_id"]
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(UUID(flow_run_id))
    assert flow_run.state is not None and flow_run.state.is_failed()


# --- the single-writer lock --------------------------------------------------------------------


def lock_is_held(target: Target) -> bool:
    try:
        with writer_lock(target, timeout_s=0):
            return False
    except ShoplogError:
        return True


def test_a_second_run_waits_for_the_lock_then_fails_in_one_line_and_nothing_is_duplicated(
    prefect_api_url: str, warehouse: Target, tmp_path: Path
) -> None:
    incoming = tmp_path / "incoming"
    generate(incoming, seed=9, events=500, days=3, defect_rate=0.01)
    run = [SHOPLOG, "run", "--incoming", str(incoming), "--retries", "0"]
    first = subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not lock_is_held(warehouse):
            assert first.poll() is None and time.monotonic() < deadline, "first run never locked"
            time.sleep(0.1)

        started = time.monotonic()
        second = subprocess.run(
            run,
            env={**os.environ, "SHOPLOG_LOCK_TIMEOUT": "2"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        waited = time.monotonic() - started
        assert first.poll() is None, "the first run must still hold the lock"
    finally:
        out, err = first.communicate(timeout=300)

    assert second.returncode == 1 and waited >= 2
    lines = second.stderr.strip().splitlines()
    assert lines[-1] == (
        f"shoplog: error: another shoplog process is writing to {warehouse.key} "
        "(waited 2s for its lock); try again when it finishes"
    )
    assert [line for line in lines if line.startswith("shoplog: error:")] == [lines[-1]]
    assert "Traceback" not in second.stderr
    assert "ALERT flow_failed: flow pipeline" in second.stderr  # the failed flow alerted

    assert first.returncode == 0, err[-3000:]
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as conn:
        raw_rows = sum(
            conn.execute(f"select count(*) from raw.{table}").fetchone()[0] for table in RAW_TABLES
        )
        union = " union all ".join(
            f"select _batch_id, _line_number from raw.{table}" for table in RAW_TABLES
        )
        # every batch holds exactly its rows, each line once, and each file is one batch
        mismatched = conn.execute(
            f"select count(*) from raw._load_batches b left join (select _batch_id, count(*) n,"
            f" count(distinct _line_number) lines from ({union}) group by 1) r"
            " on r._batch_id = b.batch_id where coalesce(r.n, 0) <> b.rows or r.n <> r.lines"
        ).fetchone()[0]
        batches, files = conn.execute(
            "select count(*), count(distinct file_sha256) from raw._load_batches"
        ).fetchone()
    assert mismatched == 0 and batches == files
    assert f"{raw_rows:,} raw rows added" in out


def test_serve_without_a_server_is_a_one_line_error(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")  # no profile that names a server either
    result = subprocess.run(
        [SHOPLOG, "serve"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "shoplog: error: this needs a running Prefect server: start one with "
        "`prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api "
        "(never Prefect Cloud)"
    ]
