-- Every clean version of every Shopify order, with the interval it was the order's state:
-- the order's history as a type-2 view over the log (no snapshot needed; the log is immutable).
-- A version delivered twice is one version; the first copy in the log wins.
with

versions as (
    select * from {{ ref('base_shopify__orders') }}
    where reject_reasons is null
),

distinct_versions as (
    {{ shoplog.dedupe(
        relation='versions',
        partition_by='order_id, updated_at',
        order_by='_batch_id, _line_number'
    ) }}
)

select
    order_id,
    updated_at as valid_from,
    lead(updated_at) over (partition by order_id order by updated_at) as valid_to,
    order_name,
    email_original,
    email,
    created_at,
    updated_at,
    currency,
    financial_status,
    total_price,
    current_total_price,
    customer_id,
    customer_email_original,
    customer_email,
    customer_phone_original,
    customer_phone,
    line_items_json,
    _batch_id,
    _line_number,
    _loaded_at
from distinct_versions
