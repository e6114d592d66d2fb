{{ config(**shoplog.log_incremental_config(unique_key='order_id')) }}
-- Every clean version of every Shopify order, with the interval it was the order's state:
-- the order's history as a type-2 view over the log (no snapshot needed; the log is immutable).
-- A version delivered twice is one version; the first copy in the log wins.
-- Incremental: a run rebuilds the whole history of each order with a row in a batch it has
-- not seen (a late version can fall between two old ones) and replaces that order's rows.
with

clean_versions as (
    select * from {{ ref('base_shopify__orders') }}
    where reject_reasons is null
),

versions as (
    select clean_versions.* from clean_versions
    {%- if is_incremental() %}
    where
        clean_versions.order_id in (
            select changed_versions.order_id
            from clean_versions as changed_versions
            where {{ shoplog.unseen_batches() }}
        )
    {%- endif %}
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
    {{ shoplog.shopify_order_state_columns() | join(',\n    ') }}
from distinct_versions
