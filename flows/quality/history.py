"""audit.dq_results: every expectation of every quality run, appended, never rewritten.

It is history, not something derived from the log, so dbt does not own it (a replay or a
full refresh leaves it alone); this module creates it on first use, like audit.alerts.
"""

from __future__ import annotations

import json
from typing import Any

from flows.engine import Target, connect, list_relations
from flows.quality.report import QualityReport

# `column` is reserved in both engines, hence column_name.
DQ_RESULTS_DDL = """
create table if not exists audit.dq_results (
    run_id varchar(36) not null,
    run_at timestamp not null,
    suite varchar(200) not null,
    expectation varchar(200) not null,
    column_name varchar(400),
    success boolean not null,
    observed_value varchar,
    severity varchar(5) not null,
    expectation_kwargs varchar
)
"""
COLUMNS = (
    "run_id",
    "run_at",
    "suite",
    "expectation",
    "column_name",
    "success",
    "observed_value",
    "severity",
    "expectation_kwargs",
)


def store_report(target: Target, report: QualityReport) -> None:
    """Append the run's outcomes (the caller holds the writer lock)."""
    marker = "%s" if target.pg_dsn else "?"
    rows = [
        (
            report.run_id,
            report.run_at,
            o.suite,
            o.expectation,
            o.column,
            o.success,
            o.observed_value,
            o.severity,
            json.dumps(o.kwargs, sort_keys=True, default=str),
        )
        for o in report.outcomes
    ]
    conn = connect(target)
    try:
        cur = conn.cursor()
        cur.execute("create schema if not exists audit")
        cur.execute(DQ_RESULTS_DDL)
        if rows:
            cur.executemany(
                f"insert into audit.dq_results ({', '.join(COLUMNS)}) "
                f"values ({', '.join([marker] * len(COLUMNS))})",
                rows,
            )
        conn.commit()
    finally:
        conn.close()


def read_results(target: Target, run_id: str | None = None) -> list[dict[str, Any]]:
    """The rows of one run (default: the latest), in stored order; empty when none."""
    if ("audit", "dq_results") not in list_relations(target):
        return []
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        run_id = run_id or latest_run_id(cur)
        if run_id is None:
            return []
        marker = "%s" if target.pg_dsn else "?"
        cur.execute(
            f"select {', '.join(COLUMNS)} from audit.dq_results where run_id = {marker} "
            "order by suite, expectation, column_name",
            [run_id],
        )
        return [dict(zip(COLUMNS, row, strict=True)) for row in cur.fetchall()]
    finally:
        conn.close()


def latest_run_id(cur: Any) -> str | None:
    cur.execute("select run_id from audit.dq_results order by run_at desc, run_id desc limit 1")
    row = cur.fetchone()
    return None if row is None else str(row[0])


def run_ids(target: Target) -> list[str]:
    """Every recorded run, oldest first."""
    if ("audit", "dq_results") not in list_relations(target):
        return []
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute(
            "select run_id, min(run_at) from audit.dq_results group by run_id order by 2, 1"
        )
        return [str(row[0]) for row in cur.fetchall()]
    finally:
        conn.close()


def gate_passed(target: Target, run_id: str | None = None) -> bool:
    """Whether the quality gate passed in a run (default: the latest one): no error-level
    expectation failed. False when no run was ever recorded - no evidence is no pass."""
    rows = read_results(target, run_id)
    return bool(rows) and not any(r["severity"] == "error" and not r["success"] for r in rows)
