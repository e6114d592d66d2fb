{{ config(**shoplog.log_incremental_config(
    unique_key='_batch_id', partition_by=['_batch_id'])) }}
-- Every raw web event, parsed and typed as far as it goes, with the contract checks it fails.
-- stg_web__events keeps the clean ones; quarantine.web_events keeps the rest.
-- Incremental: a run parses only the batches it has not seen (macro unseen_batches).
with

source as (
    select * from {{ source('web', 'web_events') }}
    where {{ shoplog.unseen_batches() }}
),

parsed as (
    {{ shoplog.web_events_parsed('source') }}
)

select * from parsed
