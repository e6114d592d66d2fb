"""Prefect state hooks of the shoplog flows: a failed flow raises a `flow_failed` alert."""

from __future__ import annotations

import logging
from typing import Any

from prefect import Flow
from prefect.client.schemas.objects import FlowRun
from prefect.states import State

from flows.alerts import Alert, notify_best_effort
from flows.engine import Target, first_line, resolve_target

logger = logging.getLogger("shoplog.flows")


def failure_reason(state: State) -> str:
    """The exception's first line when the state carries it, else Prefect's state message."""
    try:
        exc = state.result(raise_on_failure=False)
    except Exception:  # the result may be unreadable (not persisted): fall back to the message
        exc = None
    if isinstance(exc, BaseException):
        return first_line(exc)
    return (state.message or state.name or "failed").strip().splitlines()[0]


def alert_flow_failed(flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
    """on_failure hook: log, store (when the warehouse lets us) and post a `flow_failed` alert.

    Prefect runs it after the flow's last attempt, in the flow's process, before the exception
    reaches the caller; an error here is logged by Prefect and never hides the flow's own.
    """
    reason = failure_reason(state)
    parameters = dict(flow_run.parameters or {})
    alert = Alert(
        kind="flow_failed",
        message=f"flow {flow.name} (run {flow_run.name}) failed: {reason}",
        details={
            "flow": flow.name,
            "flow_run_id": str(flow_run.id),
            "flow_run_name": flow_run.name,
            "parameters": parameters,
        },
    )
    notify_best_effort(_target_of(parameters), alert)


def _target_of(parameters: dict[str, Any]) -> Target | None:
    """The warehouse the flow wrote to; None when even that cannot be resolved."""
    try:
        return resolve_target(parameters.get("target"))
    except Exception as exc:  # an unknown target is the failure itself: alert without storing
        logger.warning("no warehouse to store the alert in: %s", first_line(exc))
        return None
