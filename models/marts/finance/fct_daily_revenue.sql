-- Revenue per UTC day, sales channel and currency, with the net also in USD: the orders of
-- int_orders_unioned that count as revenue, on the day they were placed. The revenue rules
-- (voids, refunds, Braintree credits on their sale's day) are applied per order upstream,
-- in int_shopify_orders_prepared and int_braintree_orders_prepared.
with

orders as (
    select * from {{ ref('int_orders_unioned') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

daily as (
    select
        cast(ordered_at as date) as revenue_date,
        channel,
        currency,
        count(*) as orders,
        sum(gross_amount) as gross_amount,
        sum(refund_amount) as refund_amount
    from orders
    where counts_as_revenue
    group by cast(ordered_at as date), channel, currency
)

select
    daily.revenue_date,
    cast(daily.channel as varchar(20)) as channel,
    cast(daily.currency as varchar(3)) as currency,
    cast(daily.orders as bigint) as orders,
    cast(daily.gross_amount as decimal(18, 2)) as gross_amount,
    cast(daily.refund_amount as decimal(18, 2)) as refund_amount,
    cast(daily.gross_amount - daily.refund_amount as decimal(18, 2)) as net_amount,
    cast((daily.gross_amount - daily.refund_amount) * fx_rates.usd_per_unit as decimal(18, 2))
        as net_amount_usd
from daily
left join fx_rates
    on daily.currency = fx_rates.currency
