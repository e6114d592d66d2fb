{#- event_id is looked up by audit_batch_records, for the new batches' keys an older batch
    delivered: on PostgreSQL, without the index, a hash join read all 10 M rows (14 s; 2 s with
    it) -#}
{{ config(**shoplog.log_incremental_config(
    unique_key='_batch_id', partition_by=['_batch_id'], lookup_columns=[['event_id']])) }}
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
