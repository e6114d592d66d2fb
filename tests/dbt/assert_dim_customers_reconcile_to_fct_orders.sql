-- dim_customers' orders and net revenue are exactly those of the fct_orders rows that count as
-- revenue and have a customer: nothing lost or counted twice in the customer join. Returns
-- the measure that differs.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where counts_as_revenue and customer_key is not null
),

totals as (
    select
        'orders' as measure,
        (select coalesce(sum(orders), 0) from customers) as from_customers,
        (select count(*) from orders) as from_orders
    union all
    select
        'net_revenue_usd',
        (select coalesce(sum(net_revenue_usd), 0) from customers),
        (select coalesce(sum(net_amount_usd), 0) from orders)
)

select measure
from totals
where from_customers != from_orders
