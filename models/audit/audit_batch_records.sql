{{ config(**shoplog.log_incremental_config(
    unique_key='_batch_id', partition_by=['_batch_id'])) }}
-- Per source and load batch: its clean rows, and how many record keys it was the first batch
-- to deliver. A key's first batch never changes as the log grows, so an incremental run counts
-- only the batches it has not seen, and audit_row_accounting sums these rows instead of
-- counting distinct keys over the whole log.
{%- set sources = [
    ('web_events', 'base_web__events', ['event_id']),
    ('shopify_orders', 'base_shopify__orders', ['order_id', 'updated_at']),
    ('braintree_transactions', 'base_braintree__transactions', ['transaction_id']),
] %}
with
{% for source_name, base_model, key in sources %}
{#- read twice by batch_first_seen_keys: inlined, so each reader's filter reaches the table -#}
{{ source_name }}_clean as {{ shoplog.inlined_cte() }}(
    select * from {{ ref(base_model) }}
    where reject_reasons is null
),

{{ shoplog.batch_first_seen_keys(source_name, source_name ~ '_clean', key) }},
{% endfor %}
all_sources as (
    {%- for source_name, _, _ in sources %}
    select * from {{ source_name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    cast(source_name as varchar(40)) as source_name,
    cast(_batch_id as bigint) as _batch_id,
    cast(clean_rows as bigint) as clean_rows,
    cast(first_seen_keys as bigint) as first_seen_keys
from all_sources
