-- int_braintree_orders_prepared books a successful credit as a refund of its order's first
-- successful sale, in that sale's currency; this holds only when the two currencies agree.
-- Returns the credits in another currency than a successful sale of their order.
{%- set successful = "('settled', 'submitted_for_settlement', 'settling')" %}

with

-- two imports of the model, not one CTE read twice: PostgreSQL materializes a CTE that is read
-- twice and plans its scans blind (6 rows estimated for 80,000), which made this join a
-- nested loop of 117 s at 10 M events
credits as (
    select * from {{ ref('stg_braintree__transactions') }}
    where transaction_type = 'credit' and status in {{ successful }}
),

sales as (
    select * from {{ ref('stg_braintree__transactions') }}
    where transaction_type = 'sale' and status in {{ successful }}
)

select
    credits.transaction_id,
    credits.currency as credit_currency,
    sales.currency as sale_currency
from credits
inner join sales
    on credits.order_id = sales.order_id
where credits.currency != sales.currency
