-- The line items of every clean Braintree sale (from its line_items_json), one row per line.
-- Incremental: a staged transaction never changes (its first copy in the log wins), so a run
-- reads only the transactions of batches it has not seen.
{{ config(**shoplog.log_incremental_config(
    unique_key='transaction_id', on_schema_change='append_new_columns')) }}
with

transactions as (
    select * from {{ ref('stg_braintree__transactions') }}
    where {{ shoplog.unseen_batches() }}
),

lines as (
    select
        transactions.transaction_id,
        transactions.order_id,
        transactions.currency,
        transactions._batch_id,
        items.position as line_position,
        {{ shoplog.json_text('items.item', 'sku') }} as sku,
        {{ shoplog.json_text('items.item', 'title') }} as title,
        {{ shoplog.json_text('items.item', 'quantity') }} as quantity_text,
        {{ shoplog.json_text('items.item', 'price') }} as price_text
    from transactions
    {{ shoplog.cross_join_json_array('transactions.line_items_json', 'items') }}
    where transactions.transaction_type = 'sale'
)

select
    transaction_id,
    order_id,
    cast(line_position as bigint) as line_position,
    sku,
    title,
    {{ shoplog.cast_or_null('quantity_text', 'bigint') }} as quantity,
    {{ shoplog.cast_or_null('price_text', 'decimal(18,2)') }} as unit_price,
    currency,
    _batch_id
from lines
