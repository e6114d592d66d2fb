"""Orchestration overhead: the pipeline flow's wall time minus the time of its dbt subprocesses
and of its own in-process steps (load, quality suites, summary), which are work, not overhead.

It runs against the Prefect server the flows report to (what a scheduled run pays: run and
task-run records, artifacts, logs over HTTP), on a scratch warehouse, with a small demo data
set generated before the clock starts. The flow is passed in, so this step imports no flow.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flows.engine import Target, scratch_postgres_database
from flows.envvars import environment
from flows.generate import generate

TARGET_OVERHEAD_S = 5.0


class PipelineSummaryLike(Protocol):
    target: str
    seconds: dict[str, float]
    dbt_seconds: float


PipelineFlow = Callable[..., PipelineSummaryLike]


@dataclass(frozen=True)
class FlowBench:
    events: int
    wall_seconds: float  # from calling the flow to its return
    dbt_seconds: float  # inside dbt subprocesses
    step_seconds: dict[str, float]  # the flow's own per-step clock (load, build, ...)

    @property
    def overhead_seconds(self) -> float:
        """Everything that is not dbt: Prefect, and the in-process steps."""
        return self.wall_seconds - self.dbt_seconds

    @property
    def in_process_steps(self) -> dict[str, float]:
        """The steps the flow does in its own process (load, quality suites, summary): work
        the overhead holds besides orchestration."""
        return {k: v for k, v in self.step_seconds.items() if k != "build"}

    @property
    def orchestration_seconds(self) -> float:
        """What running it as a Prefect flow costs: the wall time minus dbt and the in-process
        steps (flow and task runs, their records and logs, the build task around dbt)."""
        return self.overhead_seconds - sum(self.in_process_steps.values())


def bench_flow(
    pipeline_flow: PipelineFlow, workdir: Path, target_name: str, events: int = 2_000
) -> FlowBench:
    """Run the pipeline flow once on a scratch warehouse and time it."""
    incoming = workdir / "incoming"
    generate(incoming, seed=11, events=events, days=3, defect_rate=0.02)
    with scratch_warehouse(workdir, target_name) as target:
        started = time.monotonic()
        summary = pipeline_flow(
            target=target.name, incoming=str(incoming), demo_events=0, retries=0
        )
        wall = time.monotonic() - started
    return FlowBench(events, wall, summary.dbt_seconds, dict(summary.seconds))


@contextlib.contextmanager
def scratch_warehouse(workdir: Path, target_name: str) -> Iterator[Target]:
    """Point the environment the flow resolves its target from at a scratch warehouse (and
    its locks and dbt artifacts into workdir), never at the user's own; restored after."""
    overrides = {
        "SHOPLOG_DATA_DIR": str(workdir / "data"),
        "SHOPLOG_DBT_TARGET_DIR": str(workdir / "target"),
    }
    with contextlib.ExitStack() as stack:
        if target_name == "postgres":
            target = stack.enter_context(scratch_postgres_database("shoplog_bench"))
            assert target.pg_dsn is not None
            overrides["PGDATABASE"] = target.pg_dsn["dbname"]
        else:
            target = Target("duckdb", duckdb_path=workdir / "bench.duckdb")
            overrides["SHOPLOG_DUCKDB_PATH"] = str(target.duckdb_path)
        stack.enter_context(environment(overrides))
        yield target
