-- Shopify order lines in the shape every channel's order lines share before they are
-- unioned: one row per line of each order's current state.
-- A view: a renaming of staging's lines, read once by int_order_lines_unioned.
{{ config(materialized='view') }}
with

order_lines as (
    select * from {{ ref('stg_shopify__order_lines') }}
)

select
    cast('online_store' as varchar(20)) as channel,
    cast(order_id as varchar(40)) as source_order_id,
    line_position,
    line_item_id as shopify_line_item_id,
    cast(sku as {{ dbt.type_string() }}) as sku,
    cast(title as {{ dbt.type_string() }}) as title,
    quantity,
    cast(unit_price as decimal(18, 2)) as unit_price,
    cast(currency as varchar(3)) as currency
from order_lines
