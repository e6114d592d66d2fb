"""Run suite specs through Great Expectations 1.x checkpoints and build the Data Docs.

DuckDB is read by us, through a read-only connection, into pandas dataframe assets (GX's SQL
engine fails on DuckDB); PostgreSQL is validated in the database by GX's SQL datasource, one
query asset per suite. The context is ephemeral: no GX project on disk, nothing of it (and no
connection string) persisted between runs; the results history is audit.dq_results.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from flows.engine import Target, first_line
from flows.quality.observed import column_of, describe_result
from flows.quality.report import Outcome
from flows.quality.slas import Severity
from flows.quality.spec import SuiteSpec

DOCS_SITE = "shoplog"
DATASOURCE = "shoplog_warehouse"
LineSink = Callable[[str], None]
# frames derived for an SLA are a few rows: naming each unexpected row in full is cheap there
SMALL_FRAME_FORMAT: dict[str, Any] = {"result_format": "COMPLETE"}
DEFAULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY"}


def pg_connection_string(settings: dict[str, str]) -> str:
    """A SQLAlchemy URL without a password: libpq itself reads PGPASSWORD (or ~/.pgpass) when
    psycopg2 connects, so the secret never enters a string GX could log or render.

    JIT is off for these sessions: GX sends many short queries, and compiling the live view's
    parsing expression costs PostgreSQL over a second each time, for milliseconds of work.
    """
    from sqlalchemy.engine import URL

    url = URL.create(
        "postgresql+psycopg2",
        username=settings["user"],
        host=settings["host"],
        port=int(settings["port"]),
        database=settings["dbname"],
        query={"options": "-c jit=off"},
    )
    return url.render_as_string(hide_password=False)


def make_context(docs_dir: Path) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        # no temporary docs site of GX's own: only ours, under data/quality/
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def build_expectation(spec: Any) -> Any:
    import great_expectations.expectations as gxe
    from great_expectations.expectations.metadata_types import FailureSeverity

    severity = FailureSeverity.CRITICAL if spec.severity == "error" else FailureSeverity.WARNING
    return getattr(gxe, spec.type)(**spec.kwargs, severity=severity)


def validate(
    target: Target,
    suites: Sequence[SuiteSpec],
    *,
    run_id: str,
    run_at: datetime,
    docs_dir: Path,
    duckdb_reader: Any = None,
    on_line: LineSink | None = None,
) -> tuple[list[Outcome], bool]:
    """Validate every suite through its checkpoint; write the Data Docs site to docs_dir.

    duckdb_reader: the read-only DuckDB connection the frames are read through (DuckDB only).
    Returns the outcomes and whether the Data Docs were written: a failure to write them is
    reported, never allowed to lose the run's results.
    """
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    # Build the site beside the old one and swap at the end: readers never see half a site,
    # and pages of earlier runs (kept in audit.dq_results) do not pile up.
    building = docs_dir.with_name(f".{docs_dir.name}-{run_id}")
    context = make_context(building)
    if target.pg_dsn is not None:
        datasource = context.data_sources.add_postgres(
            DATASOURCE, connection_string=pg_connection_string(target.pg_dsn)
        )
    else:
        datasource = context.data_sources.add_pandas(DATASOURCE)
    # one GX run id for all checkpoints: the Data Docs group them as one run
    run_identifier = RunIdentifier(run_name=run_id, run_time=run_at)
    outcomes: list[Outcome] = []
    try:
        for spec in suites:
            if on_line is not None:
                on_line(f"quality: validating {spec.name}")
            outcomes += validate_one(gx, context, datasource, spec, run_identifier, duckdb_reader)
        try:
            context.build_data_docs(site_names=[DOCS_SITE])
            replace_dir(building, docs_dir)
            docs_written = True
        except Exception as exc:  # e.g. two runs swapping the site at once
            docs_written = False
            if on_line is not None:
                on_line(f"quality: Data Docs not written: {first_line(exc)}")
    finally:
        shutil.rmtree(building, ignore_errors=True)
        if target.pg_dsn is not None:
            # close GX's pooled connections now, not when the garbage collector gets to them
            datasource.get_execution_engine().engine.dispose()
    return outcomes, docs_written


def validate_one(
    gx: Any,
    context: Any,
    datasource: Any,
    spec: SuiteSpec,
    run_identifier: Any,
    duckdb_reader: Any,
) -> list[Outcome]:
    parameters: dict[str, Any] = {}
    try:
        if duckdb_reader is not None:
            asset = datasource.add_dataframe_asset(spec.name)
            batch_definition = asset.add_batch_definition_whole_dataframe("all rows")
            parameters = {"dataframe": duckdb_reader.execute(spec.query).df()}
        else:
            # GX accepts only queries that start with SELECT; ours may open with a WITH
            query = f"select * from ({spec.query}) as frame"
            asset = datasource.add_query_asset(spec.name, query=query)
            batch_definition = asset.add_batch_definition_whole_table("all rows")
        suite = context.suites.add(
            gx.ExpectationSuite(
                name=spec.name, expectations=[build_expectation(e) for e in spec.expectations]
            )
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
        )
        result_format = DEFAULT_FORMAT
        if spec.index_columns:
            result_format = {
                **SMALL_FRAME_FORMAT,
                "unexpected_index_column_names": list(spec.index_columns),
            }
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=spec.name, validation_definitions=[definition], result_format=result_format
            )
        )
        result = checkpoint.run(batch_parameters=parameters, run_id=run_identifier)
    except Exception as exc:  # a broken query must show as this suite failing, not stop the run
        return [unreadable(spec, exc)]
    return [to_outcome(spec.name, r) for vr in result.run_results.values() for r in vr.results]


def to_outcome(suite: str, result: Any) -> Outcome:
    config = result.expectation_config
    severity: Severity = "warn" if str(config.severity.value) == "warning" else "error"
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")}
    return Outcome(
        suite=suite,
        expectation=config.type,
        column=column_of(kwargs),
        success=bool(result.success),
        observed_value=describe_result(result.result or {}, result.exception_info or {}),
        severity=severity,
        kwargs=kwargs,
    )


def unreadable(spec: SuiteSpec, exc: Exception) -> Outcome:
    severity: Severity = (
        "error" if any(e.severity == "error" for e in spec.expectations) else "warn"
    )
    return Outcome(
        spec.name, "query_runs", None, False, f"cannot read: {first_line(exc)}", severity
    )


def replace_dir(new: Path, old: Path) -> None:
    previous = old.with_name(f".{old.name}-previous")
    shutil.rmtree(previous, ignore_errors=True)
    if old.exists():
        old.rename(previous)
    new.rename(old)
    shutil.rmtree(previous, ignore_errors=True)
