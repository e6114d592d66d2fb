"""dbt's run_results as Prefect table artifacts: what each command did, node by node."""

from __future__ import annotations

from prefect.artifacts import create_table_artifact

from flows.dbt_runner import DbtResult

RUN_RESULTS_KEY = "dbt-run-results"


def run_results_rows(result: DbtResult) -> list[dict[str, object]]:
    """One row per node, failures first so they are on screen without scrolling."""
    ordered = sorted(result.nodes, key=lambda node: not node.failed)
    return [
        {
            "node": node.name,
            "type": node.resource_type,
            "status": node.status,
            "seconds": round(node.seconds, 2),
            "rows_affected": node.rows_affected,
            "error": node.first_error_line if node.failed else "",
        }
        for node in ordered
    ]


def publish_run_results(result: DbtResult, attempt: int = 1) -> None:
    """A table artifact of one dbt command; its description says how it ended.

    Every command publishes under the same key, so the artifact's latest version is the
    current state and its history holds each attempt.
    """
    command = "dbt " + " ".join(result.args)
    label = f"{command} (attempt {attempt})" if attempt > 1 else command
    outcome = "ok" if result.ok else result.failure_summary()
    create_table_artifact(
        key=RUN_RESULTS_KEY,
        table=run_results_rows(result),
        description=f"{label} in {result.seconds:.1f}s: {outcome}",
    )
