-- Braintree sales (the marketplace channel) in the shape every channel's orders share before
-- they are unioned: one row per sale transaction, successful or not (a declined sale retried
-- is a new transaction of the same order_id). Only successful sales count. A successful
-- credit refunds the first successful sale of its order_id, so it counts on that sale's
-- date, and not at all when the clean log holds no such sale.
-- Incremental: a sale's row depends only on the transactions of its order id (itself, when it
-- has none), so a run recomputes the sales of the order ids with a transaction in a batch it
-- has not seen; last_batch_id is the newest batch among those transactions.
{%- set successful = "('settled', 'submitted_for_settlement', 'settling')" %}
{{ config(**shoplog.log_incremental_config(
    unique_key='source_order_id', batch_column='last_batch_id',
    on_schema_change='append_new_columns')) }}

with

all_transactions as {{ shoplog.inlined_cte() }}(
    select * from {{ ref('stg_braintree__transactions') }}
),

{% if is_incremental() -%}
new_transactions as (
    select
        transaction_id,
        order_id
    from all_transactions
    where {{ shoplog.unseen_batches(built_column='last_batch_id') }}
),

{% endif -%}
-- transactions and sales are each read twice: inlined on PostgreSQL, which otherwise
-- materializes them and plans the join of sales and credits blind (a nested loop of every
-- sale with every credit: 2.7 s at 1 M events, growing with the square of the log)
transactions as {{ shoplog.inlined_cte() }}(
    select * from all_transactions
    {%- if is_incremental() %}
    where
        order_id in (
            select new_transactions.order_id from new_transactions
            where new_transactions.order_id is not null
        )
        or (
            order_id is null
            and transaction_id in (select new_transactions.transaction_id from new_transactions)
        )
    {%- endif %}
),

order_batches as (
    select
        order_id,
        max(_batch_id) as last_batch_id
    from transactions
    where order_id is not null
    group by order_id
),

sales as {{ shoplog.inlined_cte() }}(
    select
        *,
        status in {{ successful }} as counts_as_revenue
    from transactions
    where transaction_type = 'sale'
),

counted_sales as (
    select
        order_id,
        transaction_id,
        created_at
    from sales
    where counts_as_revenue
),

refunded_sales as (
    {{ shoplog.dedupe(
        relation='counted_sales',
        partition_by='order_id',
        order_by='created_at, ' ~ shoplog.binary_collation('transaction_id')
    ) }}
),

credits as (
    select
        order_id,
        sum(amount) as refund_amount
    from transactions
    where transaction_type = 'credit' and status in {{ successful }} and order_id is not null
    group by order_id
),

sale_refunds as (
    select
        refunded_sales.transaction_id,
        credits.refund_amount
    from refunded_sales
    inner join credits
        on refunded_sales.order_id = credits.order_id
    where refunded_sales.order_id is not null
),

priced as (
    select
        sales.*,
        case when sales.counts_as_revenue then sales.amount else 0 end as gross_amount,
        coalesce(sale_refunds.refund_amount, 0) as refund_amount,
        coalesce(order_batches.last_batch_id, sales._batch_id) as last_batch_id
    from sales
    left join sale_refunds
        on sales.transaction_id = sale_refunds.transaction_id
    left join order_batches
        on sales.order_id = order_batches.order_id
)

select
    cast('marketplace' as varchar(20)) as channel,
    cast(priced.transaction_id as varchar(40)) as source_order_id,
    cast(priced.order_id as varchar(40)) as order_name,
    priced.created_at as ordered_at,
    cast(priced.currency as varchar(3)) as currency,
    cast(priced.status as varchar(40)) as status,
    cast(priced.payment_instrument_type as varchar(40)) as payment_method,
    priced.counts_as_revenue,
    cast(priced.amount as decimal(18, 2)) as order_total,
    cast(priced.gross_amount as decimal(18, 2)) as gross_amount,
    cast(priced.refund_amount as decimal(18, 2)) as refund_amount,
    cast(priced.gross_amount - priced.refund_amount as decimal(18, 2)) as net_amount,
    cast(priced.customer_email as {{ dbt.type_string() }}) as email,
    cast(priced.customer_phone as {{ dbt.type_string() }}) as phone,
    cast(priced.customer_id as varchar(40)) as braintree_customer_id,
    priced.last_batch_id
from priced
