-- pivot gives one column per listed value: its aggregate equals a plain group-by for values
-- in the data, and else_value (0, never null) for a value absent from the data. A value of
-- none matches nulls. Returns one row per broken rule.
with

orders as (
    select * from {{ ref('int_orders_unioned') }}
),

pivoted as (
    select
        currency,
        {{ shoplog.pivot(
            column='channel',
            values=['online_store', 'marketplace', "no_such_channel's"],
            agg='sum',
            then_value='gross_amount',
            prefix='gross_'
        ) }},
        {{ shoplog.pivot(
            column='anonymous_id',
            values=[none],
            then_value=1,
            suffix='_browser_orders',
            quote_identifiers=false
        ) }}
    from orders
    group by currency
),

by_channel as (
    select
        currency,
        sum(case when channel = 'online_store' then gross_amount else 0 end) as online_store,
        sum(case when channel = 'marketplace' then gross_amount else 0 end) as marketplace,
        sum(case when anonymous_id is null then 1 else 0 end) as without_browser
    from orders
    group by currency
),

row_counts as (
    select
        (select count(*) from pivoted) as pivoted_rows,
        (select count(distinct orders.currency) from orders) as currencies
)

select pivoted.currency
from pivoted
inner join by_channel
    on pivoted.currency = by_channel.currency
where
    pivoted.{{ adapter.quote("gross_no_such_channel's") }} is null
    or pivoted.{{ adapter.quote("gross_no_such_channel's") }} != 0
    or pivoted.{{ adapter.quote('gross_online_store') }} != by_channel.online_store
    or pivoted.{{ adapter.quote('gross_marketplace') }} != by_channel.marketplace
    or pivoted.null_browser_orders != by_channel.without_browser
    or (select row_counts.pivoted_rows != row_counts.currencies from row_counts)
