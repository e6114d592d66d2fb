"""The SLAs of quality/slas.yml as suites: a small SQL frame per SLA, one expectation on it.

Each SLA's measure (an age, z-scores per day, a rate) is computed by the same SQL on DuckDB and
PostgreSQL, and the threshold is a GX expectation on that frame, so Data Docs show the SLA and
its observed value side by side.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flows.quality.slas import (
    FreshnessSla,
    NullRateSla,
    QuarantineRateSla,
    Slas,
    VolumeSla,
)
from flows.quality.spec import SuiteSpec, expect


def sla_suites(slas: Slas, run_at: datetime) -> list[SuiteSpec]:
    suites = [freshness_suite(sla, run_at) for sla in slas.freshness]
    suites += [volume_suite(sla) for sla in slas.volume]
    suites += [quarantine_suite(sla) for sla in slas.quarantine_rate]
    suites += null_rate_suites(slas.null_rate)
    return suites


def freshness_suite(sla: FreshnessSla, run_at: datetime) -> SuiteSpec:
    # The run's clock is passed as a literal: the engines disagree on what `now()` means for a
    # naive UTC column (PostgreSQL applies the session time zone).
    now = run_at.strftime("%Y-%m-%d %H:%M:%S")
    query = (
        "select max(_loaded_at) as newest_loaded_at, "
        f"cast(extract(epoch from (cast('{now}' as timestamp) - max(_loaded_at))) / 3600.0 "
        "as double precision) as age_hours "
        f"from raw.{sla.source}"
    )
    return SuiteSpec(
        name=f"sla_freshness__{sla.source}",
        relation=("raw", sla.source),
        query=query,
        requires=("_loaded_at",),
        expectations=(
            # an empty log has no age: GX fails a max over no value, which is what we want
            expect(
                "ExpectColumnMaxToBeBetween",
                sla.severity,
                column="age_hours",
                max_value=sla.max_age_hours,
            ),
        ),
    )


def volume_suite(sla: VolumeSla) -> SuiteSpec:
    schema, table = sla.relation.split(".")
    judged_from = sla.check_days + sla.ignore_newest_days
    span = judged_from + sla.window_days
    # A calendar of days (a recursive CTE: generate_series differs between the engines), so
    # a day without a single row counts as 0 instead of vanishing from the history.
    query = f"""
with recursive
counts as (
    select cast({sla.day_column} as date) as day, count(*) as day_rows
    from {sla.relation}
    where {sla.day_column} is not null
    group by cast({sla.day_column} as date)
),
bounds as (
    select min(day) as first_day, max(day) as last_day from counts
),
calendar as (
    select greatest(first_day, cast(last_day - interval '{span} days' as date)) as day, last_day
    from bounds
    where last_day is not null
    union all
    select cast(day + interval '1 day' as date), last_day
    from calendar
    where day < last_day
),
daily as (
    select calendar.day, calendar.last_day, coalesce(counts.day_rows, 0) as day_rows
    from calendar
    left join counts on counts.day = calendar.day
),
scored as (
    select
        day,
        last_day,
        day_rows,
        count(*) over history as history_days,
        avg(day_rows) over history as trailing_mean,
        stddev_samp(day_rows) over history as trailing_sd
    from daily
    window history as (order by day rows between {sla.window_days} preceding and 1 preceding)
)
select
    day,
    day_rows,
    history_days,
    cast(trailing_mean as double precision) as trailing_mean,
    cast(trailing_sd as double precision) as trailing_sd,
    -- A daily count varies at least like a Poisson count (sd = sqrt(mean)): a week of small
    -- counts often shows less spread than that, and would flag ordinary days.
    cast(
        (day_rows - trailing_mean) / greatest(trailing_sd, sqrt(trailing_mean), 1.0)
        as double precision
    ) as z_score
from scored
where history_days >= {sla.min_history_days}
  and day > cast(last_day - interval '{judged_from} days' as date)
  and day <= cast(last_day - interval '{sla.ignore_newest_days} days' as date)
"""
    return SuiteSpec(
        name=f"sla_volume__{sla.source}",
        relation=(schema, table),
        query=query.strip(),
        requires=(sla.day_column,),
        index_columns=("day", "day_rows", "trailing_mean"),
        expectations=(
            expect(
                "ExpectColumnValuesToBeBetween",
                sla.severity,
                column="z_score",
                min_value=-sla.k,
                max_value=sla.k,
            ),
        ),
    )


def quarantine_suite(sla: QuarantineRateSla) -> SuiteSpec:
    query = f"""
with recent as (
    select batch_id, raw_rows, quarantined_rows
    from audit.audit_batch_quarantine
    where source_name = '{sla.source}'
    order by batch_id desc
    limit {sla.batches}
)
select
    count(*) as batches,
    min(batch_id) as first_batch_id,
    max(batch_id) as last_batch_id,
    sum(quarantined_rows) as quarantined_rows,
    sum(raw_rows) as raw_rows,
    -- a handful of rows says nothing about a rate: below min_rows the batches pass as 0
    cast(case when sum(raw_rows) >= greatest({sla.min_rows}, 1)
              then 1.0 * sum(quarantined_rows) / sum(raw_rows) else 0 end
         as double precision) as quarantine_rate
from recent
"""
    return SuiteSpec(
        name=f"sla_quarantine_rate__{sla.source}",
        relation=("audit", "audit_batch_quarantine"),
        query=query.strip(),
        requires=("batch_id", "source_name", "raw_rows", "quarantined_rows"),
        expectations=(
            expect(
                "ExpectColumnMaxToBeBetween",
                sla.severity,
                column="quarantine_rate",
                max_value=sla.max_rate,
            ),
        ),
    )


def null_rate_suites(slas: tuple[NullRateSla, ...]) -> list[SuiteSpec]:
    """One suite per relation, one not-null expectation (mostly = 1 - ceiling) per column."""
    by_relation: dict[str, list[NullRateSla]] = defaultdict(list)
    for sla in slas:
        by_relation[sla.relation].append(sla)
    suites = []
    for relation, entries in by_relation.items():
        schema, table = relation.split(".")
        columns = list(dict.fromkeys(sla.column for sla in entries))
        # Only whether each value is null matters: reading 1/null instead of the values keeps
        # a pandas frame of a wide text column small.
        flags = ", ".join(f"case when {c} is null then null else 1 end as {c}" for c in columns)
        suites.append(
            SuiteSpec(
                name=f"sla_null_rate__{table}",
                relation=(schema, table),
                query=f"select {flags} from {relation}",
                requires=tuple(columns),
                expectations=tuple(
                    expect(
                        "ExpectColumnValuesToNotBeNull",
                        sla.severity,
                        column=sla.column,
                        mostly=round(1.0 - sla.max_rate, 6),
                    )
                    for sla in entries
                ),
            )
        )
    return suites
