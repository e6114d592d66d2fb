{{ config(materialized='view') }}
-- The fresh tail of the web-event log: clean events in batches loaded after the last build
-- (newer than base_web__events' high-water mark), typed exactly as the built ones, one row
-- per event_id and none that the built past already holds. Evaluated at query time.
with

base_events as (
    select * from {{ ref('base_web__events') }}
),

built_events as (
    select * from {{ ref('stg_web__events') }}
),

load_batches as (
    select * from {{ source('load_log', '_load_batches') }}
),

fresh_raw as (
    select * from {{ source('web', 'web_events') }}
    where
        _batch_id > (select coalesce(max(base_events._batch_id), 0) from base_events)
        -- always true (the batch log holds every batch), but it makes the filter a range:
        -- PostgreSQL takes a column between two query-time values for a narrow range and
        -- reads the log's index, where against one bound it guesses a third of the log and
        -- scans all of it (5 to 7 s per query at 10 M events)
        and _batch_id <= (select max(load_batches.batch_id) from load_batches)
),

fresh_parsed as (
    {{ shoplog.web_events_parsed('fresh_raw') }}
),

fresh_clean as (
    select * from fresh_parsed
    where reject_reasons is null
),

-- the fresh events the built past already holds (found from the tail's side: the tail is
-- small, the past is large, so this never builds a hash table of the whole past)
already_built as (
    select event_id from built_events
    where event_id in (select fresh_clean.event_id from fresh_clean)
),

fresh_new as (
    select * from fresh_clean
    where not exists (
        select 1 from already_built
        where already_built.event_id = fresh_clean.event_id
    )
),

deduplicated as (
    {{ shoplog.dedupe(
        relation='fresh_new',
        partition_by='event_id',
        order_by='received_at, _batch_id, _line_number'
    ) }}
)

select
    {{ shoplog.web_event_columns() | join(',\n    ') }}
from deduplicated
