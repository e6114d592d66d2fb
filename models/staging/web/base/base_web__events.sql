{{ config(
    materialized='incremental',
    unique_key=['_batch_id', '_line_number'],
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}
-- Every raw web event, parsed and typed as far as it goes, with the contract checks it fails.
-- stg_web__events keeps the clean ones; quarantine.web_events keeps the rest.
-- Incremental: a run parses only batches it has not seen, plus the last
-- var('web_events_lookback_batches') batches again (idempotent on batch and line).
with

source as (
    select * from {{ source('web', 'web_events') }}
    {% if is_incremental() -%}
    where
        _batch_id > (
            select coalesce(max(previous._batch_id), 0) - {{ var('web_events_lookback_batches') }}
            from {{ this }} as previous
        )
    {%- endif %}
),

parsed as (
    {{ shoplog.web_events_parsed('source') }}
)

select * from parsed
