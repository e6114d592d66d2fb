-- The orders of fct_orders that count as revenue, summed per day, channel and currency, are
-- exactly fct_daily_revenue. Returns each day, channel and currency where they differ.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

daily_revenue as (
    select * from {{ ref('fct_daily_revenue') }}
),

from_orders as (
    select
        order_date as revenue_date,
        channel,
        currency,
        count(*) as orders,
        sum(gross_amount) as gross_amount,
        sum(refund_amount) as refund_amount,
        sum(net_amount) as net_amount
    from orders
    where counts_as_revenue
    group by order_date, channel, currency
)

select
    coalesce(from_orders.revenue_date, daily_revenue.revenue_date) as revenue_date,
    coalesce(from_orders.channel, daily_revenue.channel) as channel,
    coalesce(from_orders.currency, daily_revenue.currency) as currency
from from_orders
full outer join daily_revenue
    on
        from_orders.revenue_date = daily_revenue.revenue_date
        and from_orders.channel = daily_revenue.channel
        and from_orders.currency = daily_revenue.currency
where
    from_orders.revenue_date is null
    or daily_revenue.revenue_date is null
    or from_orders.orders != daily_revenue.orders
    or from_orders.gross_amount != daily_revenue.gross_amount
    or from_orders.refund_amount != daily_revenue.refund_amount
    or from_orders.net_amount != daily_revenue.net_amount
