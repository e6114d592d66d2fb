-- Per loaded batch: how many of its raw rows were quarantined, and whether that rate crosses
-- the alert threshold (var quarantine_rate_alert_threshold). The pipeline alerts on the
-- flagged batches it has just loaded.
with

batches as (
    select * from {{ source('load_log', '_load_batches') }}
),

quarantined as (
    {%- for model in ['qua_web__events', 'qua_shopify__orders', 'qua_braintree__transactions'] %}
    select
        _batch_id,
        count(*) as quarantined_rows
    from {{ ref(model) }}
    group by _batch_id
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    batches.batch_id,
    cast(batches.source as varchar(40)) as source_name,
    batches.source_file,
    batches.loaded_at,
    cast(batches.rows as bigint) as raw_rows,
    cast(coalesce(quarantined.quarantined_rows, 0) as bigint) as quarantined_rows,
    cast(
        case
            when batches.rows > 0
                then 1.0 * coalesce(quarantined.quarantined_rows, 0) / batches.rows
            else 0
        end
        as decimal(9, 6)
    ) as quarantine_rate,
    coalesce(quarantined.quarantined_rows, 0)
    > {{ var('quarantine_rate_alert_threshold') }} * batches.rows as exceeds_threshold
from batches
left join quarantined
    on batches.batch_id = quarantined._batch_id
