"""Which suites a run validates, given what the warehouse holds right now.

A required suite whose table or column is missing is not run: it becomes a failed
`expect_table_to_exist` / `expect_column_to_exist` outcome (the gate must not pass on a
warehouse that lost a mart). An optional suite waits, skipped, until its table is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flows.engine import SCHEMAS, Target
from flows.quality.report import Outcome
from flows.quality.sla_suites import sla_suites
from flows.quality.slas import SOURCES, Slas
from flows.quality.spec import SuiteSpec
from flows.quality.table_suites import (
    daily_revenue_suite,
    events_live_suite,
    optional_suites,
    raw_batches_suite,
    row_accounting_suite,
)

Catalog = dict[tuple[str, str], set[str]]


@dataclass
class Plan:
    suites: list[SuiteSpec] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def read_catalog(conn: Any, target: Target) -> Catalog:
    """Every relation of the shoplog schemas with its (lower-case) column names."""
    marker = "%s" if target.pg_dsn else "?"
    cur = conn.cursor()
    cur.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema in ({', '.join([marker] * len(SCHEMAS))})",
        list(SCHEMAS),
    )
    catalog: Catalog = {}
    for schema, table, column in cur.fetchall():
        catalog.setdefault((schema, table), set()).add(column.lower())
    return catalog


def read_event_types(conn: Any, catalog: Catalog) -> list[str] | None:
    """The event types of the event_contract seed (the set events must belong to), if seeded."""
    if ("staging", "event_contract") not in catalog:
        return None
    cur = conn.cursor()
    cur.execute("select event_type from staging.event_contract order by event_type")
    return [row[0] for row in cur.fetchall()]


def make_plan(
    catalog: Catalog, slas: Slas, run_at: datetime, event_types: list[str] | None
) -> Plan:
    raw_tables = [source for source in SOURCES if ("raw", source) in catalog]
    required = [
        raw_batches_suite(raw_tables),
        *sla_suites(slas, run_at),
        daily_revenue_suite(),
        events_live_suite(event_types),
        row_accounting_suite(),
    ]
    plan = Plan()
    for suite in required:
        guard_required(plan, suite, catalog)
    for suite in optional_suites():
        guard_optional(plan, suite, catalog)
    return plan


def guard_required(plan: Plan, suite: SuiteSpec, catalog: Catalog) -> None:
    columns = catalog.get(suite.relation)
    severity = "error" if any(e.severity == "error" for e in suite.expectations) else "warn"
    relation = ".".join(suite.relation)
    if columns is None:
        plan.failed.append(
            Outcome(
                suite.name, "expect_table_to_exist", None, False, f"{relation} missing", severity
            )
        )
        return
    missing = [c for c in suite.requires if c not in columns]
    if missing:
        plan.failed.extend(
            Outcome(suite.name, "expect_column_to_exist", c, False, f"not in {relation}", severity)
            for c in missing
        )
        return
    plan.suites.append(suite)


def guard_optional(plan: Plan, suite: SuiteSpec, catalog: Catalog) -> None:
    if suite.name in {s.name for s in plan.suites}:
        return  # already found in another schema
    columns = catalog.get(suite.relation)
    if columns is None:
        plan.skipped.setdefault(suite.name, f"{suite.relation[1]} not built")
        return
    kept = tuple(e for e in suite.expectations if all(c in columns for c in e.columns))
    plan.skipped.pop(suite.name, None)
    plan.suites.append(replace(suite, expectations=kept))
