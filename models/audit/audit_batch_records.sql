{{ config(**shoplog.log_incremental_config(
    unique_key='_batch_id', partition_by=['_batch_id'],
    on_schema_change='append_new_columns')) }}
-- Per source and load batch: its raw rows, its clean rows, and how many record keys it was the
-- first batch to deliver. The log is append-only and a key's first batch never changes as it
-- grows, so an incremental run counts only the batches it has not seen, and
-- audit_row_accounting sums these rows instead of counting the whole log again.
{%- set sources = [
    ('web_events', source('web', 'web_events'), 'base_web__events', ['event_id']),
    ('shopify_orders', source('shopify', 'shopify_orders'), 'base_shopify__orders',
        ['order_id', 'updated_at']),
    ('braintree_transactions', source('braintree', 'braintree_transactions'),
        'base_braintree__transactions', ['transaction_id']),
] %}
{#- a table built before raw_rows existed counts every batch again, filling the new column -#}
{%- set unseen = shoplog.unseen_batches(required_column='raw_rows') %}
with
{% for source_name, raw_relation, base_model, key in sources %}
{{ source_name }}_raw_rows as (
    -- counted from the raw log itself, not from the base model, so that a row staging loses
    -- breaks audit_row_accounting's identity
    select
        _batch_id,
        count(*) as raw_rows
    from {{ raw_relation }}
    where {{ unseen }}
    group by _batch_id
),

{#- read twice by batch_first_seen_keys: inlined, so each reader's filter reaches the table -#}
{{ source_name }}_clean as {{ shoplog.inlined_cte() }}(
    select * from {{ ref(base_model) }}
    where reject_reasons is null
),

{{ shoplog.batch_first_seen_keys(source_name, source_name ~ '_clean', key, unseen) }},

{{ source_name }} as (
    -- every batch of the source, clean rows or not
    select
        '{{ source_name }}' as source_name,
        raw_rows._batch_id,
        raw_rows.raw_rows,
        coalesce(first_seen.clean_rows, 0) as clean_rows,
        coalesce(first_seen.first_seen_keys, 0) as first_seen_keys
    from {{ source_name }}_raw_rows as raw_rows
    left join {{ source_name }}_first_seen as first_seen
        on raw_rows._batch_id = first_seen._batch_id
),
{% endfor %}
all_sources as (
    {%- for source_name, _, _, _ in sources %}
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
    cast(first_seen_keys as bigint) as first_seen_keys,
    cast(raw_rows as bigint) as raw_rows
from all_sources
