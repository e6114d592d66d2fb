"""The flows: compose the steps (generate, load, dbt, report) under the single-writer lock.

`load`, `build` and `replay` are plain functions, so the CLI runs them without starting Prefect;
`pipeline` and `build_flow` (flow name "build") are the Prefect flows that `shoplog run`, the
deployments and `shoplog serve` call. Both flows raise a `flow_failed` alert when they fail.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import NonNegativeFloat, NonNegativeInt, PositiveFloat

from flows.alerts import quarantine_alerts
from flows.artifacts import publish_run_results
from flows.dbt_runner import DbtResult, default_target_path, run_dbt
from flows.dbt_runner.retry import BuildOutcome, ResultSink, build_with_retries
from flows.dbt_runner.runner import DEFAULT_TIMEOUT_S
from flows.dbt_runner.views import dropped_views, present_views, with_views_over
from flows.engine import (
    ShoplogError,
    Target,
    data_dir,
    list_relations,
    resolve_target,
    writer_lock,
)
from flows.envs import require_prod_log, require_prod_state, save_prod_state
from flows.generate import generate
from flows.hooks import alert_flow_failed
from flows.load import BatchResult, ensure_raw_tables, load_files
from flows.quality_flow import enforce_gate, publish_quality_report, quality_suites_task
from flows.replay import TableFingerprint, derived_relations, drop_relations, fingerprints
from flows.report import rows_per_layer, table_counts

LineSink = Callable[[str], None]
TargetName = Literal["duckdb", "postgres"]

# Scheduled builds retry once: most transient failures (a lock, a dropped connection) are gone
# seconds later, and a real bug should fail the run without burning the hour.
FLOW_RETRIES = 1
FLOW_RETRY_DELAY_S = 10.0


@dataclass
class PipelineSummary:
    target: str
    seconds: dict[str, float] = field(default_factory=dict)
    files_loaded: int = 0
    files_skipped: int = 0
    raw_rows_added: int = 0
    rows_per_layer: dict[str, int] = field(default_factory=dict)
    quarantined_rows: int = 0
    dbt_counts: dict[str, int] = field(default_factory=dict)
    dbt_seconds: float = 0.0  # inside dbt subprocesses, all attempts
    dbt_retries: int = 0
    generated_demo_data: bool = False
    alerts: list[str] = field(default_factory=list)
    quality: str = ""


def incoming_dir() -> Path:
    return data_dir() / "incoming"


def incoming_files(directory: Path) -> list[Path]:
    """The source files waiting in a folder, in name order (so days load in order)."""
    if not directory.is_dir():
        return []
    patterns = ("*.jsonl", "*.jsonl.gz", "*.csv", "*.csv.gz")
    return sorted({p for pattern in patterns for p in directory.glob(pattern) if p.is_file()})


# Six months of demo data ending 2026-09-29: enough for the 30-day purchase label at weekly
# cutoffs after 4 weeks of history (ml_training_set), and all of it in the past.
DEMO_DAYS = 180
DEMO_START = datetime.date(2026, 4, 3)


def ensure_demo_data(directory: Path, events: int) -> bool:
    """Generate the demo data set into an empty incoming folder; True when it did.

    events <= 0 turns this off: a scheduled run must never invent data.
    """
    if events <= 0 or incoming_files(directory):
        return False
    generate(directory, events=events, days=DEMO_DAYS, start=DEMO_START)
    return True


def load(
    target: Target,
    paths: Sequence[Path],
    source: str | None = None,
    on_line: LineSink | None = None,
) -> list[BatchResult]:
    with writer_lock(target):
        return load_files(target, paths, source=source, progress=on_line)


def dbt_build(
    target: Target,
    select: str | None = None,
    full_refresh: bool = False,
    on_line: LineSink | None = None,
    *,
    retries: int = 0,
    retry_delay_s: float = 0.0,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    on_result: ResultSink | None = None,
    unit_tests: bool = False,
    changed: bool = False,
) -> BuildOutcome:
    """`dbt build` (and its retries) under the writer lock, successful or not.

    The lock is held across the retries, so a retry rebuilds on the data the build saw.
    changed: a slim build, only the models modified since the last prod manifest and their
    children, reading every other parent from prod (`--defer --favor-state`).
    A partial build on PostgreSQL also selects the views it would drop with the tables it
    replaces, and builds again any view still gone after it (flows/dbt_runner/views.py).
    A successful full prod build keeps its manifest for later slim builds; a partial one does
    not, since it may leave prod's relations older than the code its manifest describes.
    """
    extra: list[str] = []
    if changed:
        if select:
            raise ShoplogError("--changed selects the modified models itself: drop --select")
        select = "state:modified+"
        extra = ["--defer", "--favor-state", "--state", str(require_prod_state(target))]
    with writer_lock(target):
        if target.env == "prod":
            ensure_raw_tables(target)
        else:
            require_prod_log(target)  # dev reads prod's raw log and never creates it

        def build_selection(selection: str | None) -> BuildOutcome:
            return build_with_retries(
                target,
                selection,
                full_refresh,
                retries=retries,
                retry_delay_s=retry_delay_s,
                timeout_s=timeout_s,
                on_line=on_line,
                on_result=on_result,
                unit_tests=unit_tests,
                extra_args=extra,
            )

        views_before = present_views(target) if select else None
        if select and not changed:  # --changed selects every child of what it builds
            widened = with_views_over(target, select, full_refresh)
            if widened != select and on_line is not None:
                on_line(f"also building the views it would drop: {widened[len(select) + 1 :]}")
            select = widened
        outcome = build_selection(select)
        dropped: list[str] = []
        if outcome.ok:
            dropped = dropped_views(target, views_before, default_target_path(target))
        if dropped:
            if on_line is not None:
                on_line(
                    f"building again {len(dropped)} views the build dropped: {', '.join(dropped)}"
                )
            outcome = BuildOutcome(outcome.attempts + build_selection(" ".join(dropped)).attempts)
        if outcome.ok and target.env == "prod" and not select:
            save_prod_state(target, default_target_path(target))
        return outcome


def require_ok(result: DbtResult) -> DbtResult:
    """The result itself when dbt succeeded; else a ShoplogError naming what failed."""
    if not result.ok:
        raise ShoplogError(result.failure_summary())
    return result


def build(
    target: Target,
    select: str | None = None,
    full_refresh: bool = False,
    on_line: LineSink | None = None,
    retries: int = 0,
    unit_tests: bool = False,
    changed: bool = False,
) -> BuildOutcome:
    """`dbt build`; raises ShoplogError naming the failing models."""
    outcome = dbt_build(
        target,
        select,
        full_refresh,
        on_line,
        retries=retries,
        unit_tests=unit_tests,
        changed=changed,
    )
    if not outcome.ok:
        raise ShoplogError(outcome.failure_summary())
    return outcome


@task(name="load", cache_policy=NO_CACHE)
def load_task(target: Target, paths: list[Path]) -> list[BatchResult]:
    logger = get_run_logger()
    return load(target, paths, on_line=logger.info)


@task(name="dbt build", cache_policy=NO_CACHE)  # a build is never "cached": the log moved on
def build_task(
    target: Target,
    select: str | None,
    full_refresh: bool,
    retries: int,
    retry_delay_s: float,
    timeout_s: float,
) -> BuildOutcome:
    """The build with targeted retries; an artifact of run_results after every dbt command."""
    logger = get_run_logger()

    def report(result: DbtResult, attempt: int) -> None:
        publish_run_results(result, attempt)
        if not result.ok:
            logger.warning("attempt %d: %s", attempt, result.failure_summary())

    outcome = dbt_build(
        target,
        select,
        full_refresh,
        logger.debug,
        retries=retries,
        retry_delay_s=retry_delay_s,
        timeout_s=timeout_s,
        on_result=report,
    )
    if not outcome.ok:
        raise ShoplogError(outcome.failure_summary())
    return outcome


@flow(name="build", on_failure=[alert_flow_failed])
def build_flow(
    target: TargetName | None = None,
    select: str | None = None,
    full_refresh: bool = False,
    retries: NonNegativeInt = FLOW_RETRIES,
    retry_delay_s: NonNegativeFloat = FLOW_RETRY_DELAY_S,
    timeout_s: PositiveFloat = DEFAULT_TIMEOUT_S,
) -> BuildOutcome:
    """`dbt build` of the warehouse; on failure `dbt retry` of only the failed and skipped
    nodes, up to `retries` times, then the flow fails naming what still fails.

    Args:
        target: warehouse engine (default: $SHOPLOG_TARGET, else duckdb)
        select: dbt node selection, e.g. "stg_web__events+" (default: everything)
        full_refresh: rebuild incremental models from the whole log
        retries: how many times `dbt retry` may rerun the failed and skipped nodes
        retry_delay_s: seconds to wait before each retry
        timeout_s: seconds each dbt command may take before it is killed
    """
    return build_task(
        resolve_target(target), select, full_refresh, retries, retry_delay_s, timeout_s
    )


@contextmanager
def timed(summary: PipelineSummary, step: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        summary.seconds[step] = time.monotonic() - started


@flow(name="pipeline", log_prints=True, on_failure=[alert_flow_failed])
def pipeline(
    target: TargetName | None = None,
    incoming: str | None = None,
    select: str | None = None,
    full_refresh: bool = False,
    demo_events: int = 50_000,
    retries: NonNegativeInt = FLOW_RETRIES,
    retry_delay_s: NonNegativeFloat = FLOW_RETRY_DELAY_S,
    timeout_s: PositiveFloat = DEFAULT_TIMEOUT_S,
) -> PipelineSummary:
    """Load whatever waits in the incoming folder (demo data when it is empty and demo_events
    > 0), build with targeted retries, alert on quarantine spikes, summarise.

    Args:
        target: warehouse engine (default: $SHOPLOG_TARGET, else duckdb)
        incoming: folder of source files to load (default: $SHOPLOG_DATA_DIR/incoming)
        select: dbt node selection for the build (default: everything)
        full_refresh: rebuild incremental models from the whole log
        demo_events: web events of demo data to generate into an empty incoming folder; 0: never
        retries: how many times `dbt retry` may rerun the failed and skipped nodes
        retry_delay_s: seconds to wait before each retry
        timeout_s: seconds each dbt command may take before it is killed
    """
    resolved = resolve_target(target)
    summary = PipelineSummary(target=resolved.name)
    directory = Path(incoming) if incoming else incoming_dir()

    # One writer from first file to last model: a second run waits here (SHOPLOG_LOCK_TIMEOUT)
    # instead of generating the same demo files or loading a batch twice.
    with writer_lock(resolved):
        with timed(summary, "generate"):
            summary.generated_demo_data = ensure_demo_data(directory, demo_events)

        with timed(summary, "load"):
            batches = load_task(resolved, incoming_files(directory))
        summary.files_loaded = sum(1 for b in batches if not b.skipped)
        summary.files_skipped = sum(1 for b in batches if b.skipped)
        summary.raw_rows_added = sum(b.rows for b in batches if not b.skipped)

        with timed(summary, "build"):
            outcome = build_task(resolved, select, full_refresh, retries, retry_delay_s, timeout_s)
        summary.dbt_counts = outcome.counts()
        summary.dbt_seconds = outcome.seconds
        summary.dbt_retries = outcome.retries
        new_batches = [b.batch_id for b in batches if b.batch_id is not None and not b.skipped]
        summary.alerts = [a.message for a in quarantine_alerts(resolved, new_batches)]

        # The build has just run the dbt tests, so the quality step runs the suites only;
        # a failed gate alerts and stops the run here.
        with timed(summary, "quality"):
            report = quality_suites_task(resolved, False)
            publish_quality_report(report)
            enforce_gate(resolved, report)
        summary.quality = report.summary()

        # Hook point for the later stages, in this order and still under this lock: retrain
        # when its cadence says it is due, then batch scoring with the champion model. Each
        # comes with its milestone; nothing stands in for them until then.

    with timed(summary, "summary"):
        counts = table_counts(resolved)
    summary.rows_per_layer = rows_per_layer(counts)
    summary.quarantined_rows = summary.rows_per_layer.get("quarantine", 0)
    return summary


@dataclass
class ReplayReport:
    before: dict[str, TableFingerprint]
    after: dict[str, TableFingerprint]

    @property
    def differences(self) -> list[str]:
        return [
            relation
            for relation in sorted(set(self.before) | set(self.after))
            if self.before.get(relation) != self.after.get(relation)
        ]


def replay(target: Target, on_line: LineSink | None = None) -> ReplayReport:
    """Drop every relation dbt derives from the log, rebuild from scratch, compare contents."""
    with writer_lock(target):
        require_ok(run_dbt(["parse"], target, on_line=on_line))
        relations = derived_relations(default_target_path(target) / "manifest.json")
        existing = list_relations(target)
        missing = [f"{s}.{n}" for s, n, _ in relations if (s, n) not in existing]
        if missing:
            raise ShoplogError(
                f"nothing to compare for {len(missing)} relation(s) never built "
                f"(e.g. {missing[0]}): run `shoplog build` first"
            )
        before = fingerprints(target, relations)
        drop_relations(target, relations)
        require_ok(run_dbt(["build", "--full-refresh"], target, on_line=on_line))
        after = fingerprints(target, relations)
    return ReplayReport(before, after)
