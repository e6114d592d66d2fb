"""The flows: compose the steps (generate, load, dbt, report) under the single-writer lock.

`build` and `load` are plain functions so the CLI can run them without a Prefect server;
`pipeline` is the Prefect flow `shoplog run` and the deployments call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact

from flows.alerts import quarantine_alerts
from flows.dbt_runner import DbtResult, default_target_path, run_dbt
from flows.engine import (
    ShoplogError,
    Target,
    data_dir,
    list_relations,
    resolve_target,
    writer_lock,
)
from flows.generate import generate
from flows.load import BatchResult, ensure_raw_tables, load_files
from flows.replay import TableFingerprint, derived_relations, drop_relations, fingerprints
from flows.report import rows_per_layer, table_counts

LineSink = Callable[[str], None]


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
    generated_demo_data: bool = False
    alerts: list[str] = field(default_factory=list)


def incoming_dir() -> Path:
    return data_dir() / "incoming"


def incoming_files(directory: Path) -> list[Path]:
    """The source files waiting in a folder, in name order (so days load in order)."""
    if not directory.is_dir():
        return []
    patterns = ("*.jsonl", "*.jsonl.gz", "*.csv", "*.csv.gz")
    return sorted({p for pattern in patterns for p in directory.glob(pattern) if p.is_file()})


def ensure_demo_data(directory: Path, events: int) -> bool:
    """Generate the demo data set into an empty incoming folder; True when it did."""
    if incoming_files(directory):
        return False
    generate(directory, events=events)
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
) -> DbtResult:
    """`dbt build` under the writer lock, successful or not."""
    args = ["build"]
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    with writer_lock(target):
        ensure_raw_tables(target)
        return run_dbt(args, target, on_line=on_line)


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
) -> DbtResult:
    """`dbt build`; raises ShoplogError naming the failing models."""
    return require_ok(dbt_build(target, select, full_refresh, on_line))


@task(name="load")
def load_task(target: Target, paths: list[Path]) -> list[BatchResult]:
    logger = get_run_logger()
    return load(target, paths, on_line=logger.info)


@task(name="dbt build")
def build_task(target: Target, select: str | None, full_refresh: bool) -> DbtResult:
    logger = get_run_logger()
    result = dbt_build(target, select, full_refresh, on_line=logger.debug)
    publish_run_results(result)
    return require_ok(result)


def publish_run_results(result: DbtResult) -> None:
    """The per-node outcome of a dbt command as a Prefect table artifact."""
    rows = [
        {
            "node": node.name,
            "type": node.resource_type,
            "status": node.status,
            "seconds": round(node.seconds, 2),
            "rows_affected": node.rows_affected,
        }
        for node in result.nodes
    ]
    create_table_artifact(
        key="dbt-run-results", table=rows, description=f"dbt {' '.join(result.args)}"
    )


@flow(name="pipeline", log_prints=True)
def pipeline(
    target: str | None = None,
    incoming: str | None = None,
    select: str | None = None,
    full_refresh: bool = False,
    demo_events: int = 50_000,
) -> PipelineSummary:
    """Load whatever waits in the incoming folder (demo data when it is empty), then build."""
    resolved = resolve_target(target)
    summary = PipelineSummary(target=resolved.name)
    directory = Path(incoming) if incoming else incoming_dir()

    started = time.monotonic()
    summary.generated_demo_data = ensure_demo_data(directory, demo_events)
    summary.seconds["generate"] = time.monotonic() - started

    with writer_lock(resolved):
        started = time.monotonic()
        batches = load_task(resolved, incoming_files(directory))
        summary.seconds["load"] = time.monotonic() - started
        summary.files_loaded = sum(1 for b in batches if not b.skipped)
        summary.files_skipped = sum(1 for b in batches if b.skipped)
        summary.raw_rows_added = sum(b.rows for b in batches if not b.skipped)

        started = time.monotonic()
        result = build_task(resolved, select, full_refresh)
        summary.seconds["build"] = time.monotonic() - started
        summary.dbt_counts = result.counts()
        new_batches = [b.batch_id for b in batches if b.batch_id is not None and not b.skipped]
        summary.alerts = [a.message for a in quarantine_alerts(resolved, new_batches)]

    started = time.monotonic()
    counts = table_counts(resolved)
    summary.rows_per_layer = rows_per_layer(counts)
    summary.quarantined_rows = summary.rows_per_layer.get("quarantine", 0)
    summary.seconds["summary"] = time.monotonic() - started
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
