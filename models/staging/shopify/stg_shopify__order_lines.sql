-- The line items of every Shopify order's current state, one row per line.
with

orders as (
    select * from {{ ref('stg_shopify__orders') }}
),

lines as (
    select
        orders.order_id,
        orders.currency,
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
    currency
from lines
