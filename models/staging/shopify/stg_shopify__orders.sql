{{ config(materialized='view') }}
-- The current state of every Shopify order: its latest clean version in the log.
-- A view: a filter of stg_shopify__order_versions, cheaper to read twice than to store again.
with

versions as (
    select * from {{ ref('stg_shopify__order_versions') }}
)

select
    order_id,
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
from versions
where valid_to is null
