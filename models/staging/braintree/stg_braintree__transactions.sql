-- Clean Braintree transactions, one row per transaction_id (a row exported twice is the
-- same transaction; the first copy in the log wins).
with

transactions as (
    select * from {{ ref('base_braintree__transactions') }}
    where reject_reasons is null
),

deduplicated as (
    {{ shoplog.dedupe(
        relation='transactions',
        partition_by='transaction_id',
        order_by='_batch_id, _line_number'
    ) }}
)

select
    transaction_id,
    transaction_type,
    status,
    created_at,
    amount,
    currency,
    payment_instrument_type,
    customer_id,
    customer_email_original,
    customer_email,
    customer_phone_original,
    customer_phone,
    order_id,
    line_items_json,
    _batch_id,
    _line_number,
    _loaded_at
from deduplicated
