{{ config(materialized='view') }}
-- The current state of every Shopify order: its latest clean version in the log.
-- A view: a filter of stg_shopify__order_versions, cheaper to read twice than to store again.
with

versions as (
    select * from {{ ref('stg_shopify__order_versions') }}
)

select
    order_id,
    {{ shoplog.shopify_order_state_columns() | join(',\n    ') }}
from versions
where valid_to is null
