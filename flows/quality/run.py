"""run_quality: plan the suites, validate them with GX, record the outcomes, write Data Docs."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from flows.engine import Target, connect, data_dir, writer_lock
from flows.quality.dbt_tests import dbt_test_outcomes
from flows.quality.gx_runner import validate
from flows.quality.history import store_report
from flows.quality.plan import make_plan, read_catalog, read_event_types
from flows.quality.report import QualityReport
from flows.quality.slas import Slas, load_slas

LineSink = Callable[[str], None]


def docs_dir() -> Path:
    """Where the Data Docs site is written: data/quality/docs/ (index.html at its top)."""
    return data_dir() / "quality" / "docs"


def run_quality(
    target: Target,
    slas: Slas | None = None,
    on_line: LineSink | None = None,
    *,
    dbt_tests: bool = False,
    dbt_args: Sequence[str] = (),
) -> QualityReport:
    """Validate every suite and SLA, append the outcomes to audit.dq_results, write Data Docs.

    dbt_tests: also run `dbt test` (with dbt_args, e.g. a selection) and gate on its results
    (suite `dbt_tests`) - for a run that does not follow a build, which ran them already.
    Never raises for bad data (that is the report's verdict: `report.passed`); raises
    ShoplogError when the warehouse cannot be read or the SLA file is invalid.
    """
    slas = slas or load_slas()
    run_id = str(uuid.uuid4())
    run_at = datetime.now(UTC).replace(tzinfo=None)
    site = docs_dir()
    site.parent.mkdir(parents=True, exist_ok=True)
    # Held throughout: a build must not rewrite tables between two suites of one run, and a
    # DuckDB file being written cannot be opened even read-only.
    with writer_lock(target):
        # dbt first: on DuckDB it opens the file for writing, which no reader may hold open
        tested = dbt_test_outcomes(target, dbt_args, on_line) if dbt_tests else []
        reader = connect(target, read_only=True)
        try:
            catalog = read_catalog(reader, target)
            plan = make_plan(catalog, slas, run_at, read_event_types(reader, catalog))
            if target.pg_dsn is not None:
                reader.close()  # GX reaches PostgreSQL through its own connections
                reader = None
            validated, docs_written = validate(
                target,
                plan.suites,
                run_id=run_id,
                run_at=run_at,
                docs_dir=site,
                duckdb_reader=reader,
                on_line=on_line,
            )
        finally:
            if reader is not None:
                reader.close()
        report = QualityReport(
            run_id=run_id,
            run_at=run_at,
            target=target.name,
            outcomes=tuple(tested + plan.failed + validated),
            docs_index=site / "index.html" if docs_written else None,
            skipped=plan.skipped,
        )
        store_report(target, report)
    if on_line is not None:
        on_line(report.summary())
    return report
