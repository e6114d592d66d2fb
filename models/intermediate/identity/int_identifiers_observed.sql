-- Every identifier occurrence in the clean staged records: one row per record and field that
-- names a person, with the identifier's type and its normalized value (the graph's node).
-- A record is a web event that carries an email (identify, purchase), one version of a Shopify
-- order, or a Braintree transaction; identifiers on the same record belong together.
-- Web events without an email are not read: a browser that never identified itself names
-- nobody, so its anonymous id is no identity (events join to customers through the ids here).
-- Incremental: a run reads only the records of load batches it has not seen and replaces the
-- occurrences of those records (a web event delivered again keeps its record_id).
{{ config(**shoplog.log_incremental_config(unique_key=['source_name', 'record_id'])) }}
{# (record CTE, field as the source names it, identifier type, column holding it as written) #}
{% set fields = [
    ('web_records', 'anonymous_id', 'anonymous_id', 'anonymous_id'),
    ('web_records', 'user_email', 'email', 'user_email_original'),
    ('shopify_records', 'email', 'email', 'email_original'),
    ('shopify_records', 'customer.email', 'email', 'customer_email_original'),
    ('shopify_records', 'customer.phone', 'phone', 'customer_phone_original'),
    ('shopify_records', 'customer.id', 'shopify_customer_id', 'customer_id'),
    ('braintree_records', 'customer_email', 'email', 'customer_email_original'),
    ('braintree_records', 'customer_phone', 'phone', 'customer_phone_original'),
    ('braintree_records', 'customer_id', 'braintree_customer_id', 'customer_id'),
] %}

with

web_events as (
    select * from {{ ref('stg_web__events') }}
    where {{ shoplog.unseen_batches() }}
),

shopify_order_versions as (
    select * from {{ ref('stg_shopify__order_versions') }}
    where {{ shoplog.unseen_batches() }}
),

braintree_transactions as (
    select * from {{ ref('stg_braintree__transactions') }}
    where {{ shoplog.unseen_batches() }}
),

web_records as (
    select
        'web_events' as source_name,
        event_id as record_id,
        client_ts as observed_at,
        anonymous_id,
        user_email_original,
        _batch_id
    from web_events
    where user_email is not null
),

shopify_records as (
    -- each version of an order is a record: a later edit never glues two customers together
    select
        'shopify_orders' as source_name,
        cast(order_id as {{ dbt.type_string() }})
        || '@'
        || cast(valid_from as {{ dbt.type_string() }}) as record_id,
        updated_at as observed_at,
        email_original,
        customer_email_original,
        customer_phone_original,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        _batch_id
    from shopify_order_versions
),

braintree_records as (
    select
        'braintree_transactions' as source_name,
        transaction_id as record_id,
        created_at as observed_at,
        customer_email_original,
        customer_phone_original,
        customer_id,
        _batch_id
    from braintree_transactions
),

occurrences as (
    {%- for record_cte, source_field, identifier_type, column in fields %}
    select
        source_name,
        record_id,
        '{{ source_field }}' as source_field,
        '{{ identifier_type }}' as identifier_type,
        {{ shoplog.normalize_identifier("'" ~ identifier_type ~ "'", column) }}
            as identifier_value,
        {{ column }} as identifier_value_original,
        observed_at,
        _batch_id
    from {{ record_cte }}
    where {{ shoplog.identifier_is_present("'" ~ identifier_type ~ "'", column) }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
)

select
    source_name,
    record_id,
    source_field,
    identifier_type,
    identifier_value,
    identifier_value_original,
    observed_at,
    _batch_id
from occurrences
