-- Every order line of every sales channel in one shape: the per-channel prepared line models
-- unioned by column name, keyed to int_orders_unioned by the same surrogate order_key.
-- A table, not a view: two marts and three tests read it, and each read of a view would hash
-- the keys again.
with

unioned as (
    {{ shoplog.union_relations(
        relations=[
            ref('int_shopify_order_lines_prepared'),
            ref('int_braintree_order_lines_prepared'),
        ],
        source_column_name='_source_relation'
    ) }}
)

select
    {{ shoplog.surrogate_key(['channel', 'source_order_id', 'line_position']) }}
        as order_line_key,
    {{ shoplog.surrogate_key(['channel', 'source_order_id']) }} as order_key,
    channel,
    source_order_id,
    line_position,
    shopify_line_item_id,
    sku,
    title,
    quantity,
    unit_price,
    cast(quantity * unit_price as decimal(18, 2)) as line_amount,
    currency,
    _source_relation
from unioned
