"""The scheduled deployments of the shoplog flows, and `serve()` behind `shoplog serve`.

prefect.yaml declares the same deployments for a worker on a process work pool; a test holds
the two to the same entrypoints, names, crons and parameters.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from prefect import Flow
from prefect import serve as prefect_serve
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron

from flows.prefect_api import require_server

TIMEZONE = "UTC"  # cron times mean the same on every machine, and no DST gap or double run


@dataclass(frozen=True)
class DeploymentSpec:
    entrypoint: str  # as in prefect.yaml: path/to/module.py:flow_function
    flow_name: str
    name: str
    description: str
    cron: str | None = None  # None: runs only when asked for
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.flow_name}/{self.name}"

    def load_flow(self) -> Flow:
        """The flow object, imported only when needed (the quality flow loads Great
        Expectations, which takes seconds)."""
        path, function = self.entrypoint.split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        return getattr(module, function)


DEPLOYMENTS = (
    DeploymentSpec(
        "flows/pipeline.py:build_flow",
        "build",
        "hourly-incremental",
        "Incremental dbt build of the log loaded so far, with targeted retries.",
        # a quarter past, so files dropped on the hour are loaded before it reads the log
        cron="15 * * * *",
        parameters={"full_refresh": False},
    ),
    DeploymentSpec(
        "flows/quality_flow.py:quality",
        "quality",
        "daily",
        "dbt tests and Great Expectations suites over the warehouse; alerts and fails on errors.",
        # after the 02:15 build, when nothing else runs
        cron="45 2 * * *",
    ),
    DeploymentSpec(
        "flows/retrain_flow.py:retrain",
        "retrain",
        "monthly",
        "Snapshot ml_training_set, train challenger and shadow, register them, apply the gate.",
        # the 1st of the month, after the 02:15 build and the 02:45 quality run it gates on
        cron="30 4 1 * *",
    ),
    DeploymentSpec(
        "flows/pipeline.py:pipeline",
        "pipeline",
        "on-demand",
        "Load data/incoming, build, alert: the flow of `shoplog run`, never inventing data.",
        parameters={"demo_events": 0},
    ),
)


def runner_deployments() -> list[RunnerDeployment]:
    """The deployments as `serve` registers them: by module path, so they run from any cwd."""
    return [
        spec.load_flow().to_deployment(
            name=spec.name,
            description=spec.description,
            schedules=[Cron(spec.cron, timezone=TIMEZONE)] if spec.cron else None,
            parameters=spec.parameters,
            tags=["shoplog"],
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        for spec in DEPLOYMENTS
    ]


def serve(limit: int = 1) -> None:
    """Register the deployments with the Prefect server and run their flows until interrupted.

    limit=1: one flow run at a time, since every run writes the same warehouse (the writer
    lock would serialise them anyway, but a queue is clearer than runs blocked on a lock).
    """
    require_server()
    prefect_serve(*runner_deployments(), limit=limit)
