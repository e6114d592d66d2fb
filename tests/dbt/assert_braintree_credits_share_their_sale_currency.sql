-- int_braintree_orders_prepared books a successful credit as a refund of its order's first
-- successful sale, in that sale's currency; this holds only when the two currencies agree.
-- Returns the credits in another currency than a successful sale of their order.
{%- set successful = "('settled', 'submitted_for_settlement', 'settling')" %}

with

transactions as (
    select * from {{ ref('stg_braintree__transactions') }}
)

select
    credits.transaction_id,
    credits.currency as credit_currency,
    sales.currency as sale_currency
from transactions as credits
inner join transactions as sales
    on credits.order_id = sales.order_id
where
    credits.transaction_type = 'credit'
    and credits.status in {{ successful }}
    and sales.transaction_type = 'sale'
    and sales.status in {{ successful }}
    and credits.currency != sales.currency
