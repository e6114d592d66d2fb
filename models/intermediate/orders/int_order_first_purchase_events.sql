-- The browser that bought each order: for every order name a web purchase event names
-- (order_ref), the earliest such event (by client_ts, then event_id in byte order).
-- Incremental: a run recomputes only the order names that purchase events in batches it has
-- not seen name, from every purchase event of those names, so it keeps what a full rebuild
-- keeps (a late event older than the kept one replaces it) without scanning for the first
-- purchase of every order again.
{{ config(**shoplog.log_incremental_config(
    unique_key='order_ref', batch_column='last_batch_id')) }}
with

web_events as (
    select * from {{ ref('stg_web__events') }}
),

purchase_events as (
    select
        order_ref,
        anonymous_id,
        client_ts,
        event_id,
        _batch_id
    from web_events
    where event_type = 'purchase' and order_ref is not null
),

{% if is_incremental() -%}
touched_orders as (
    select distinct order_ref
    from purchase_events
    where {{ shoplog.unseen_batches(built_column='last_batch_id') }}
),

{% endif -%}
candidates as (
    select
        *,
        max(_batch_id) over (partition by order_ref) as last_batch_id
    from purchase_events
    {%- if is_incremental() %}
    where order_ref in (select touched_orders.order_ref from touched_orders)
    {%- endif %}
),

first_events as (
    {{ shoplog.dedupe(
        relation='candidates',
        partition_by='order_ref',
        order_by='client_ts, ' ~ shoplog.binary_collation('event_id')
    ) }}
)

select
    order_ref,
    anonymous_id,
    client_ts as purchased_at,
    event_id,
    last_batch_id
from first_events
