{{ config(alias='web_events', **shoplog.log_incremental_config(
    unique_key='_batch_id', partition_by=['_batch_id'])) }}
-- Web events that failed the contract, with every reason, kept with their place in the log.
-- Incremental like base_web__events: a run adds the rejects of the batches it has not seen.
{{ shoplog.quarantined(
    'base_web__events', source('web', 'web_events'), ['event_id', 'event_type']
) }}
