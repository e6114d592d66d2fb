-- Every raw row accounted for, per source: staged, quarantined, or a recorded duplicate.
-- The test on this model fails the build unless raw = staged + quarantined + duplicates.
with

web_events as (
    {{ shoplog.row_accounting('web_events', 'stg_web__events', 'qua_web__events') }}
),

shopify_orders as (
    {{ shoplog.row_accounting(
        'shopify_orders', 'stg_shopify__order_versions', 'qua_shopify__orders') }}
),

braintree_transactions as (
    {{ shoplog.row_accounting(
        'braintree_transactions', 'stg_braintree__transactions', 'qua_braintree__transactions') }}
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
