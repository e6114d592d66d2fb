{{ config(**shoplog.log_incremental_config(
    unique_key=['_batch_id', '_line_number'], partition_by=['_batch_id'])) }}
-- Every raw web event, parsed and typed as far as it goes, with the contract checks it fails.
-- stg_web__events keeps the clean ones; quarantine.web_events keeps the rest.
-- Incremental: a run parses only batches it has not seen, plus the last
-- var('web_events_lookback_batches') batches again (idempotent on batch and line).
with

source as (
    select * from {{ source('web', 'web_events') }}
    {% if is_incremental() -%}
    where _batch_id > (
        select coalesce(max(_batch_id), 0) - {{ var('web_events_lookback_batches') }}
        from {{ this }}
    )
    {%- endif %}
),

parsed as (
    {{ shoplog.web_events_parsed('source') }}
)

select * from parsed
