-- One row per line of every order of every sales channel, with its order's day, status and
-- whether the order counts as revenue.
-- Incremental, as int_order_lines_unioned: a run replaces every line of the orders changed in
-- batches it has not seen (a line carries its order's last_batch_id).
{{ config(
    pre_hook="{{ shoplog.delete_keys_of_unseen_batches(
        ref('int_orders_unioned'), 'order_key', batch_column='last_batch_id') }}",
    **shoplog.log_incremental_config(
        unique_key='order_line_key', batch_column='last_batch_id',
        on_schema_change='append_new_columns', lookup_columns=[['order_key']])
) }}
with

order_lines as (
    select * from {{ ref('int_order_lines_unioned') }}
    where {{ shoplog.unseen_batches(batch_column='last_batch_id') }}
),

orders as (
    select * from {{ ref('int_orders_unioned') }}
    where {{ shoplog.unseen_batches(batch_column='last_batch_id') }}
)

select
    cast(order_lines.order_line_key as varchar(32)) as order_line_key,
    cast(order_lines.order_key as varchar(32)) as order_key,
    cast(order_lines.channel as varchar(20)) as channel,
    cast(order_lines.source_order_id as varchar(40)) as source_order_id,
    cast(order_lines.line_position as bigint) as line_position,
    cast(order_lines.shopify_line_item_id as bigint) as shopify_line_item_id,
    cast(order_lines.sku as {{ dbt.type_string() }}) as sku,
    cast(order_lines.title as {{ dbt.type_string() }}) as title,
    cast(order_lines.quantity as bigint) as quantity,
    cast(order_lines.unit_price as decimal(18, 2)) as unit_price,
    cast(order_lines.line_amount as decimal(18, 2)) as line_amount,
    cast(order_lines.currency as varchar(3)) as currency,
    cast(orders.ordered_at as timestamp) as ordered_at,
    cast(orders.ordered_at as date) as order_date,
    cast(orders.status as varchar(40)) as order_status,
    cast(orders.counts_as_revenue as boolean) as counts_as_revenue,
    cast(orders.last_batch_id as bigint) as last_batch_id
from order_lines
inner join orders
    on order_lines.order_key = orders.order_key
