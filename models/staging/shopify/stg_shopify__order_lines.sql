{#- append_new_columns: a table built before it was incremental (no _batch_id) is rewritten
    whole by its first incremental run -#}
{{ config(
    pre_hook="{{ shoplog.delete_keys_of_unseen_batches(ref('stg_shopify__orders'), 'order_id') }}",
    **shoplog.log_incremental_config(unique_key='order_id', on_schema_change='append_new_columns')
) }}
-- The line items of every Shopify order's current state, one row per line.
-- Incremental: an order's lines change only with its current version, so a run reads only the
-- orders whose current version is in a batch it has not seen and replaces their lines (the
-- pre-hook first deletes them all, for a new version that has no lines).
with

orders as (
    select * from {{ ref('stg_shopify__orders') }}
    where {{ shoplog.unseen_batches() }}
),

lines as (
    select
        orders.order_id,
        orders.currency,
        orders._batch_id,
        items.position as line_position,
        {{ shoplog.json_text('items.item', 'id') }} as line_item_id_text,
        {{ shoplog.json_text('items.item', 'sku') }} as sku,
        {{ shoplog.json_text('items.item', 'title') }} as title,
        {{ shoplog.json_text('items.item', 'quantity') }} as quantity_text,
        {{ shoplog.json_text('items.item', 'price') }} as price_text
    from orders
    {{ shoplog.cross_join_json_array('orders.line_items_json', 'items') }}
)

select
    order_id,
    cast(line_position as bigint) as line_position,
    {{ shoplog.cast_or_null('line_item_id_text', 'bigint') }} as line_item_id,
    sku,
    title,
    {{ shoplog.cast_or_null('quantity_text', 'bigint') }} as quantity,
    {{ shoplog.cast_or_null('price_text', 'decimal(18,2)') }} as unit_price,
    currency,
    _batch_id
from lines
