"""The `quality` Prefect flow: run the suites, publish what they found, gate on errors.

An error-level failure raises a `quality_gate_failed` alert and fails the flow (so a schedule
shows red and whatever waits on the gate does not proceed); warnings are only reported, in
the table artifact and in audit.dq_results.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact

from flows.alerts import Alert, notify
from flows.engine import ShoplogError, Target, resolve_target, writer_lock
from flows.quality import QualityReport, run_quality

QUALITY_ARTIFACT_KEY = "quality-results"


@task(name="quality suites")
def quality_suites_task(target: Target, dbt_tests: bool) -> QualityReport:
    logger = get_run_logger()
    return run_quality(target, on_line=logger.info, dbt_tests=dbt_tests)


def publish_quality_report(report: QualityReport) -> None:
    """Every expectation of the run as a table artifact, failures first."""
    skipped = "; ".join(f"{name}: {why}" for name, why in report.skipped.items())
    create_table_artifact(
        key=QUALITY_ARTIFACT_KEY,
        table=report.table_rows(),
        description=report.summary()
        + (f" (skipped {skipped})" if skipped else "")
        + (f"; Data Docs: {report.docs_index}" if report.docs_index else ""),
    )


def enforce_gate(target: Target, report: QualityReport) -> None:
    """Alert and raise when an error-level expectation failed; nothing to do otherwise."""
    if report.passed:
        return
    alert = Alert(
        kind="quality_gate_failed",
        message=report.summary(),
        details={
            "run_id": report.run_id,
            "failed": [
                {"suite": o.suite, "expectation": o.expectation, "column": o.column}
                for o in report.errors
            ],
            "data_docs": str(report.docs_index) if report.docs_index else None,
        },
    )
    with writer_lock(target):  # storing the alert writes to the warehouse
        notify(target, alert)
    raise ShoplogError(report.summary())


@flow(name="quality", log_prints=True)
def quality(target: str | None = None, dbt_tests: bool = True) -> QualityReport:
    """Validate the warehouse; fail (after alerting) when the quality gate does not pass.

    dbt_tests: run the dbt tests too (the scheduled run); a pipeline that has just built
    (and so tested) passes False.
    """
    resolved = resolve_target(target)
    report = quality_suites_task(resolved, dbt_tests)
    publish_quality_report(report)
    enforce_gate(resolved, report)
    return report
