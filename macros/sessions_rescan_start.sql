{#- fct_sessions' incremental runs: the earliest client_ts an incremental run must read events
    from, as a condition on staged events (or 1 = 1 when there is nothing to bound). Every
    event a run re-sessionizes is a new one (at or after its browser's earliest new event) or
    belongs to a built session that a new event can still change (one ending at most
    inactivity_minutes before that browser's earliest new event), so it is no older than the
    earliest of those times. The bound is read when the model compiles and written in as a
    day: only a constant lets DuckDB's zone maps skip the older events (a subquery or a join
    skipped nothing); on PostgreSQL it trims the join input. -#}
{% macro sessions_rescan_start(events, sessions, inactivity_minutes) -%}
    {%- if not (is_incremental() and execute) -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {%- set bound_sql -%}
        with new_event_starts as (
            select anonymous_id, min(client_ts) as first_new_ts
            from {{ events }}
            where
                anonymous_id is not null and client_ts is not null
                and {{ shoplog.unseen_batches(built_column='last_batch_id') }}
            group by anonymous_id
        ),

        rescan_starts as (
            select first_new_ts as rescan_from from new_event_starts
            union all
            select built.session_started_at as rescan_from
            from {{ sessions }} as built
            inner join new_event_starts on built.anonymous_id = new_event_starts.anonymous_id
            where
                built.session_ended_at
                >= {{ dbt.dateadd('minute', -inactivity_minutes, 'new_event_starts.first_new_ts') }}
        )

        select cast(cast(min(rescan_from) as date) as {{ dbt.type_string() }}) from rescan_starts
    {%- endset -%}
    {%- set day = run_query(bound_sql).columns[0].values()[0] -%}
    {%- if day is none -%}
        {{ return('1 = 1') }}
    {%- endif -%}
    {{ return("client_ts >= cast('" ~ day ~ "' as timestamp)") }}
{%- endmacro %}
