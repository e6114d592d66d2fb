-- Every raw row accounted for, per source: staged, quarantined, or a recorded duplicate.
-- The test on this model fails the build unless raw = staged + quarantined + duplicates.
with

web_events as (
    {{ shoplog.row_accounting(
        'web_events', source('web', 'web_events'),
        'base_web__events', 'stg_web__events', 'qua_web__events', ['event_id']) }}
),

shopify_orders as (
    {{ shoplog.row_accounting(
        'shopify_orders', source('shopify', 'shopify_orders'),
        'base_shopify__orders', 'stg_shopify__order_versions', 'qua_shopify__orders',
        ['order_id', 'updated_at']) }}
),

braintree_transactions as (
    {{ shoplog.row_accounting(
        'braintree_transactions', source('braintree', 'braintree_transactions'),
        'base_braintree__transactions', 'stg_braintree__transactions',
        'qua_braintree__transactions', ['transaction_id']) }}
),

all_sources as (
    select * from web_events
    union all
    select * from shopify_orders
    union all
    select * from braintree_transactions
)

select
    source_name,
    cast(raw_rows as bigint) as raw_rows,
    cast(staged_rows as bigint) as staged_rows,
    cast(quarantined_rows as bigint) as quarantined_rows,
    cast(duplicate_rows as bigint) as duplicate_rows
from all_sources
