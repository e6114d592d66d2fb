-- Every order line of every sales channel in one shape: the per-channel prepared line models
-- unioned by column name, keyed to int_orders_unioned by the same surrogate order_key.
-- A table, not a view: two marts and three tests read it, and each read of a view would hash
-- the keys again. Incremental: a run replaces every line of the orders int_orders_unioned
-- changed in batches it has not seen; each line carries its order's last_batch_id. The
-- pre-hook first deletes those orders' lines (by order_key, indexed where the engine indexes),
-- because an order's new version can have fewer lines.
{{ config(
    pre_hook="{{ shoplog.delete_keys_of_unseen_batches(
        ref('int_orders_unioned'), 'order_key', batch_column='last_batch_id') }}",
    **shoplog.log_incremental_config(
        unique_key='order_line_key', batch_column='last_batch_id',
        on_schema_change='append_new_columns', lookup_columns=[['order_key']])
) }}
with

unioned as (
    {{ shoplog.union_relations(
        relations=[
            ref('int_shopify_order_lines_prepared'),
            ref('int_braintree_order_lines_prepared'),
        ],
        source_column_name='_source_relation'
    ) }}
),

orders as (
    select
        channel,
        source_order_id,
        last_batch_id
    from {{ ref('int_orders_unioned') }}
    where {{ shoplog.unseen_batches(batch_column='last_batch_id') }}
)

select
    {{ shoplog.surrogate_key(
        ['unioned.channel', 'unioned.source_order_id', 'unioned.line_position']
    ) }} as order_line_key,
    {{ shoplog.surrogate_key(['unioned.channel', 'unioned.source_order_id']) }} as order_key,
    unioned.channel,
    unioned.source_order_id,
    unioned.line_position,
    unioned.shopify_line_item_id,
    unioned.sku,
    unioned.title,
    unioned.quantity,
    unioned.unit_price,
    cast(unioned.quantity * unioned.unit_price as decimal(18, 2)) as line_amount,
    unioned.currency,
    unioned._source_relation,
    orders.last_batch_id
from unioned
left join orders
    on
        unioned.channel = orders.channel
        and unioned.source_order_id = orders.source_order_id
{#- a full build keeps a line without an order (its relationships test then fails); an
    incremental one reads only the lines of the orders it replaces #}
{%- if is_incremental() %}
where orders.source_order_id is not null
{%- endif %}
