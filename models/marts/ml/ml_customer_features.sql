-- Point-in-time features of every customer at every cutoff of ml_cutoffs: what their revenue
-- orders and web sessions strictly before the cutoff say about them (recency, frequency,
-- monetary value, web activity and funnel depth, channel mix). A customer appears at a cutoff
-- once they have an order or a session before it. Nothing at or after a cutoff is read.
-- Incremental: a build computes only the rows of customers whose inputs changed and of new
-- cutoffs (macros/ml/customer_rows_to_rebuild.sql); the others stay as built.
-- PostgreSQL: its sessions before each cutoff (3.8 M rows at 10 M events, +1 %) sort on disk
-- at the default 4 MB; with var('ml_features_work_mem') the query took 5.5 s, not 7.4 s.
{{ config(**shoplog.customer_rows_incremental_config(
    ['cutoff_date', 'is_training'], work_mem=var('ml_features_work_mem'))) }}
{%- set windows = [7, 30, 90] %}

with

cutoffs as (
    select * from {{ ref('ml_cutoffs') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where counts_as_revenue and customer_key is not null
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

digests as (
    select * from {{ ref('ml_customer_activity_digests') }}
),

cutoffs_to_compute as (
    {{- shoplog.customer_cutoffs_to_compute('cutoffs', ref('ml_customer_activity_digests')) }}
),

customer_identifiers as (
    select * from {{ ref('dim_customer_identifiers') }}
    where identifier_type = 'anonymous_id'
),

customer_sessions as (
    select
        customer_identifiers.customer_key,
        sessions.session_started_at,
        sessions.events,
        sessions.viewed_product,
        sessions.added_to_cart,
        sessions.started_checkout
    from sessions
    inner join customer_identifiers
        on sessions.anonymous_id = customer_identifiers.identifier_value
),

orders_before as (
    select
        cutoffs_to_compute.cutoff_date,
        cutoffs_to_compute.cutoff_at,
        orders.customer_key,
        orders.ordered_at,
        orders.channel,
        orders.net_amount_usd,
        {{ dbt.datediff('orders.ordered_at', 'cutoffs_to_compute.cutoff_at', 'day') }}
            as days_before
    from cutoffs_to_compute
    inner join orders
        on
            {{ shoplog.same_customer('cutoffs_to_compute', 'orders') }}
            cutoffs_to_compute.cutoff_at > orders.ordered_at
),

sessions_before as (
    select
        cutoffs_to_compute.cutoff_date,
        customer_sessions.*,
        {{ dbt.datediff(
            'customer_sessions.session_started_at', 'cutoffs_to_compute.cutoff_at', 'day'
        ) }} as days_before
    from cutoffs_to_compute
    inner join customer_sessions
        on
            {{ shoplog.same_customer('cutoffs_to_compute', 'customer_sessions') }}
            cutoffs_to_compute.cutoff_at > customer_sessions.session_started_at
),

order_features as (
    select
        customer_key,
        cutoff_date,
        count(*) as orders_total,
        {%- for days in windows %}
        sum(case when days_before < {{ days }} then 1 else 0 end) as orders_{{ days }}d,
        {%- endfor %}
        sum(case when channel = 'marketplace' then 1 else 0 end) as marketplace_orders,
        sum(net_amount_usd) as net_revenue_usd,
        sum(case when days_before < 90 then net_amount_usd else 0 end) as net_revenue_usd_90d,
        min(days_before) as days_since_last_order,
        max(days_before) as days_since_first_order
    from orders_before
    group by customer_key, cutoff_date
),

session_features as (
    select
        customer_key,
        cutoff_date,
        count(*) as sessions_total,
        {%- for days in windows %}
        sum(case when days_before < {{ days }} then 1 else 0 end) as sessions_{{ days }}d,
        {%- endfor %}
        sum(case when days_before < 30 then events else 0 end) as events_30d,
        sum(case when days_before < 30 and viewed_product then 1 else 0 end)
            as product_view_sessions_30d,
        sum(case when days_before < 30 and added_to_cart then 1 else 0 end)
            as add_to_cart_sessions_30d,
        sum(case when started_checkout then 1 else 0 end) as checkout_sessions_total,
        min(days_before) as days_since_last_session,
        max(days_before) as days_since_first_session
    from sessions_before
    group by customer_key, cutoff_date
),

customer_cutoffs as (
    select
        order_features.customer_key,
        order_features.cutoff_date
    from order_features
    union
    select
        session_features.customer_key,
        session_features.cutoff_date
    from session_features
),

features as (
    select
        customer_cutoffs.customer_key,
        customer_cutoffs.cutoff_date,
        order_features.orders_total,
        {%- for days in windows %}
        order_features.orders_{{ days }}d,
        {%- endfor %}
        order_features.marketplace_orders,
        order_features.net_revenue_usd,
        order_features.net_revenue_usd_90d,
        order_features.days_since_last_order,
        order_features.days_since_first_order,
        session_features.sessions_total,
        {%- for days in windows %}
        session_features.sessions_{{ days }}d,
        {%- endfor %}
        session_features.events_30d,
        session_features.product_view_sessions_30d,
        session_features.add_to_cart_sessions_30d,
        session_features.checkout_sessions_total,
        session_features.days_since_last_session,
        session_features.days_since_first_session
    from customer_cutoffs
    left join order_features
        on
            customer_cutoffs.customer_key = order_features.customer_key
            and customer_cutoffs.cutoff_date = order_features.cutoff_date
    left join session_features
        on
            customer_cutoffs.customer_key = session_features.customer_key
            and customer_cutoffs.cutoff_date = session_features.cutoff_date
)

select
    cast(features.customer_key as varchar(32)) as customer_key,
    cast(features.cutoff_date as date) as cutoff_date,
    cast(cutoffs.is_training as boolean) as is_training,
    cast(coalesce(features.orders_total, 0) as bigint) as orders_total,
    {%- for days in windows %}
    cast(coalesce(features.orders_{{ days }}d, 0) as bigint) as orders_{{ days }}d,
    {%- endfor %}
    cast(coalesce(features.marketplace_orders, 0) as double precision)
    / nullif(coalesce(features.orders_total, 0), 0) as marketplace_order_share,
    cast(coalesce(features.net_revenue_usd, 0) as double precision) as net_revenue_usd,
    cast(coalesce(features.net_revenue_usd_90d, 0) as double precision) as net_revenue_usd_90d,
    cast(features.net_revenue_usd as double precision)
    / nullif(features.orders_total, 0) as avg_order_value_usd,
    cast(features.days_since_last_order as bigint) as days_since_last_order,
    cast(coalesce(features.sessions_total, 0) as bigint) as sessions_total,
    {%- for days in windows %}
    cast(coalesce(features.sessions_{{ days }}d, 0) as bigint) as sessions_{{ days }}d,
    {%- endfor %}
    cast(coalesce(features.events_30d, 0) as bigint) as events_30d,
    cast(coalesce(features.product_view_sessions_30d, 0) as bigint) as product_view_sessions_30d,
    cast(coalesce(features.add_to_cart_sessions_30d, 0) as bigint) as add_to_cart_sessions_30d,
    cast(coalesce(features.checkout_sessions_total, 0) as bigint) as checkout_sessions_total,
    cast(features.days_since_last_session as bigint) as days_since_last_session,
    cast(case
        when features.days_since_first_session is null then features.days_since_first_order
        when features.days_since_first_order is null then features.days_since_first_session
        when features.days_since_first_session > features.days_since_first_order
            then features.days_since_first_session
        else features.days_since_first_order
    end as bigint) as tenure_days,
    cast(digests.inputs_digest as varchar(32)) as inputs_digest
from features
inner join cutoffs
    on features.cutoff_date = cutoffs.cutoff_date
inner join digests
    on features.customer_key = digests.customer_key
