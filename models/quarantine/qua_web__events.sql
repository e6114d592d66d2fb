{{ config(alias='web_events') }}
-- Web events that failed the contract, with every reason, kept with their place in the log.
{{ shoplog.quarantined(
    'base_web__events',
    source('web', 'web_events'),
    ['event_id', 'event_type']
) }}
