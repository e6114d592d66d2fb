-- Revenue per UTC day, sales channel and currency, with the net also in USD.
-- Online store: each Shopify order's current state, counted on the day it was created;
-- voided orders count nothing; refunds are what the current total lost against the original.
-- Marketplace: successful Braintree sales on their day; successful credits (refunds) count
-- against the day of the sale they refund, and not at all when that sale is not in the
-- clean log (its revenue was never counted either).
{%- set successful = "('settled', 'submitted_for_settlement', 'settling')" %}

with

shopify_orders as (
    select * from {{ ref('stg_shopify__orders') }}
),

braintree_transactions as (
    select * from {{ ref('stg_braintree__transactions') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

online_store as (
    select
        cast(created_at as date) as revenue_date,
        'online_store' as channel,
        currency,
        1 as orders,
        total_price as gross_amount,
        total_price - current_total_price as refund_amount
    from shopify_orders
    where financial_status != 'voided'
),

marketplace_sales as (
    select
        order_id,
        cast(created_at as date) as revenue_date,
        currency,
        amount
    from braintree_transactions
    where transaction_type = 'sale' and status in {{ successful }}
),

sale_dates as (
    select order_id, min(revenue_date) as sale_date
    from marketplace_sales
    group by order_id
),

marketplace_refunds as (
    select
        sale_dates.sale_date as revenue_date,
        credits.currency,
        credits.amount
    from braintree_transactions as credits
    inner join sale_dates
        on credits.order_id = sale_dates.order_id
    where credits.transaction_type = 'credit' and credits.status in {{ successful }}
),

marketplace as (
    select revenue_date, 'marketplace' as channel, currency, 1 as orders,
           amount as gross_amount, cast(0 as decimal(18,2)) as refund_amount
    from marketplace_sales
    union all
    select revenue_date, 'marketplace' as channel, currency, 0 as orders,
           cast(0 as decimal(18,2)) as gross_amount, amount as refund_amount
    from marketplace_refunds
),

all_channels as (
    select * from online_store
    union all
    select * from marketplace
),

daily as (
    select
        revenue_date,
        channel,
        currency,
        sum(orders) as orders,
        sum(gross_amount) as gross_amount,
        sum(refund_amount) as refund_amount
    from all_channels
    group by revenue_date, channel, currency
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
