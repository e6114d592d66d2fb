-- One row per order of every sales channel (a Shopify order, a Braintree sale transaction),
-- with its revenue under the finance rules, its line counts, the customer behind it (identity
-- graph) and the browser that bought it.
-- Incremental: a row depends on its order (int_orders_unioned), the order's lines, which change
-- only with the order, and its customer (int_order_customers). A run recomputes the orders
-- changed in batches it has not seen (their last_batch_id) and the orders whose customer is no
-- longer the one built: identities merge and split, so the customer of an old order can change
-- without any new row of its own. Orders never disappear, so nothing is deleted.
{{ config(**shoplog.log_incremental_config(
    unique_key='order_key', batch_column='last_batch_id',
    on_schema_change='append_new_columns')) }}
-- orders is read twice: inlined, so that PostgreSQL reads the changed orders through the
-- batch index instead of materializing every order first.
with

orders as {{ shoplog.inlined_cte() }}(
    select * from {{ ref('int_orders_unioned') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_unioned') }}
),

order_customers as (
    select * from {{ ref('int_order_customers') }}
),

{% if is_incremental() -%}
changed_orders as (
    select order_key
    from orders
    where {{ shoplog.unseen_batches(batch_column='last_batch_id') }}
    union
    select order_customers.order_key
    from order_customers
    inner join {{ this }} as built
        on order_customers.order_key = built.order_key
    where order_customers.customer_key is distinct from built.customer_key
),

{% endif -%}
line_totals as (
    select
        order_key,
        count(*) as line_count,
        sum(quantity) as units
    from order_lines
    {%- if is_incremental() %}
    where order_key in (select changed_orders.order_key from changed_orders)
    {%- endif %}
    group by order_key
)

select
    cast(orders.order_key as varchar(32)) as order_key,
    cast(order_customers.customer_key as varchar(32)) as customer_key,
    cast(orders.channel as varchar(20)) as channel,
    cast(orders.source_order_id as varchar(40)) as source_order_id,
    cast(orders.order_name as varchar(40)) as order_name,
    cast(orders.ordered_at as timestamp) as ordered_at,
    cast(orders.ordered_at as date) as order_date,
    cast(orders.currency as varchar(3)) as currency,
    cast(orders.status as varchar(40)) as status,
    cast(orders.payment_method as varchar(40)) as payment_method,
    cast(orders.counts_as_revenue as boolean) as counts_as_revenue,
    cast(orders.order_total as decimal(18, 2)) as order_total,
    cast(orders.gross_amount as decimal(18, 2)) as gross_amount,
    cast(orders.refund_amount as decimal(18, 2)) as refund_amount,
    cast(orders.net_amount as decimal(18, 2)) as net_amount,
    cast(orders.net_amount_usd as decimal(18, 2)) as net_amount_usd,
    cast(coalesce(line_totals.line_count, 0) as bigint) as line_count,
    cast(coalesce(line_totals.units, 0) as bigint) as units,
    cast(orders.anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
    cast(orders.last_batch_id as bigint) as last_batch_id
from orders
left join line_totals
    on orders.order_key = line_totals.order_key
left join order_customers
    on orders.order_key = order_customers.order_key
{%- if is_incremental() %}
where orders.order_key in (select changed_orders.order_key from changed_orders)
{%- endif %}
