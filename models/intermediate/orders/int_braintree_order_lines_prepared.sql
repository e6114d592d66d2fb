-- Braintree sale lines in the shape every channel's order lines share before they are
-- unioned: one row per line of each sale transaction (source_order_id is the sale's
-- transaction id, as in int_braintree_orders_prepared).
-- A view: a renaming of staging's lines, read once by int_order_lines_unioned.
{{ config(materialized='view') }}
with

transaction_lines as (
    select * from {{ ref('stg_braintree__transaction_lines') }}
)

select
    cast('marketplace' as varchar(20)) as channel,
    cast(transaction_id as varchar(40)) as source_order_id,
    line_position,
    cast(sku as {{ dbt.type_string() }}) as sku,
    cast(title as {{ dbt.type_string() }}) as title,
    quantity,
    cast(unit_price as decimal(18, 2)) as unit_price,
    cast(currency as varchar(3)) as currency
from transaction_lines
