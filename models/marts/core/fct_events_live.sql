{{ config(materialized='view') }}
-- Every clean web event up to the latest load, without waiting for a build: the
-- incrementally built events union all the fresh tail of the log (typed the same way).
with

built_events as (
    select * from {{ ref('stg_web__events') }}
),

fresh_events as (
    select * from {{ ref('stg_web__events_tail') }}
),

all_events as (
    select
        *,
        false as is_from_tail
    from built_events
    union all
    select
        *,
        true as is_from_tail
    from fresh_events
)

select
    event_id,
    event_type,
    anonymous_id,
    user_email,
    sku,
    price,
    quantity,
    order_ref,
    client_ts,
    received_at,
    page_url,
    user_agent,
    _batch_id,
    is_from_tail
from all_events
