{{ config(**shoplog.log_incremental_config(unique_key='event_id')) }}
-- Clean web events, one row per event_id: delivery is at-least-once, so the first received
-- copy wins (ties broken by position in the log, so the choice is deterministic).
-- Incremental: new copies are weighed against the copy already kept for the same event, so an
-- incremental run keeps exactly the row a full refresh would, even for duplicates that span
-- batches or arrive late.
with

parsed_events as (
    select * from {{ ref('base_web__events') }}
    where
        reject_reasons is null
        and {{ shoplog.unseen_batches() }}
),

candidates as (
    select
        {{ shoplog.web_event_columns() | join(',\n        ') }}
    from parsed_events
    {% if is_incremental() -%}
    union all
    select
        {{ shoplog.web_event_columns() | join(',\n        ') }}
    from {{ this }}
    where event_id in (select parsed_events.event_id from parsed_events)
    {%- endif %}
),

deduplicated as (
    {{ shoplog.dedupe(
        relation='candidates',
        partition_by='event_id',
        order_by='received_at, _batch_id, _line_number'
    ) }}
)

select
    {{ shoplog.web_event_columns() | join(',\n    ') }}
from deduplicated
