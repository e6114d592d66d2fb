-- The browser that bought each order: for every order name a web purchase event names
-- (order_ref), the earliest such event (by client_ts, then event_id in byte order).
-- Incremental: the earliest of all an order's events is the earlier of the one kept and the
-- earliest new one, so a run reads only the events of batches it has not seen and the kept
-- rows of the orders they name (a late event older than the kept one replaces it), never the
-- purchase events of every order again. One exception: when a new batch redelivers the kept
-- event itself, staging may have replaced it with the new copy, so that order is computed
-- again from all its purchase events.
{{ config(**shoplog.log_incremental_config(
    unique_key='order_ref', batch_column='last_batch_id')) }}
{%- set incremental = is_incremental() %}
{%- if incremental %}
{%- set unseen = shoplog.unseen_batches(built_column='last_batch_id') %}
{#- the orders whose kept event a new batch delivers again (staging may now hold the new copy) -#}
{%- set redelivered_orders_sql %}
select order_ref from {{ this }}
where event_id in (select event_id from {{ ref('stg_web__events') }} where {{ unseen }})
{%- endset %}
{#- asked before the model's query, so that a usual run reads no old purchase event (a count,
    not `limit 1`: PostgreSQL answered that one by probing the events' index once per kept row) -#}
{%- set rescan = execute and run_query(
    'select count(*) from (' ~ redelivered_orders_sql ~ ') as redelivered'
).columns[0].values()[0] > 0 %}
{#- the events read: those of new batches, and all those of the redelivered orders; their kept
    rows are not (nothing to add or exclude when no order was redelivered) -#}
{%- set redelivered = '(select redelivered_orders.order_ref from redelivered_orders)' %}
{%- set read_events = unseen ~ (' or order_ref in ' ~ redelivered if rescan else '') %}
{%- set not_redelivered = ' and order_ref not in ' ~ redelivered if rescan else '' %}
{%- endif %}
with

web_events as (
    select * from {{ ref('stg_web__events') }}
),

{% if incremental and rescan -%}
redelivered_orders as (
    {{ redelivered_orders_sql }}
),

{% endif -%}
purchase_events as (
    select
        order_ref,
        anonymous_id,
        client_ts,
        event_id,
        _batch_id
    from web_events
    where
        event_type = 'purchase' and order_ref is not null
        {%- if incremental %}
        and ({{ read_events }})
        {%- endif %}
),

{% if incremental -%}
kept_first_events as (
    -- the built row of each order a new event names, as the event it holds
    select
        order_ref,
        anonymous_id,
        purchased_at as client_ts,
        event_id,
        last_batch_id as _batch_id
    from {{ this }}
    where order_ref in (select purchase_events.order_ref from purchase_events){{ not_redelivered }}
),

{% endif -%}
candidates as (
    select
        *,
        max(_batch_id) over (partition by order_ref) as last_batch_id
    from (
        select * from purchase_events
        {%- if incremental %}
        union all
        select * from kept_first_events
        {%- endif %}
    ) as events
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
