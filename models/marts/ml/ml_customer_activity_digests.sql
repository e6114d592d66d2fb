-- One row per customer with a digest of everything their rows in ml_customer_features and
-- ml_training_set are computed from: each field those models read of the customer's revenue
-- orders and of their browsers' sessions, and the label window's length. An incremental build
-- of those models rebuilds a customer's rows only when this digest differs from the one the
-- rows were built with (macros/ml/customer_rows_to_rebuild.sql).
--
-- Incremental: a customer's orders and sessions change only with their identifiers, their set
-- of orders or a batch of their orders or sessions, which dim_customers' inputs_digest and
-- last_batch_id follow. A run keeps the rows whose customer_version (those two and
-- ml_label_days) is unchanged, deletes the others (pre-hook), and computes every customer left
-- without a row: the changed ones, and the few that have neither a revenue order nor a session.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ shoplog.delete_outdated_customer_versions(ref('dim_customers')) }}",
) }}
{%- set incremental = is_incremental() and execute
    and shoplog.has_column(this, 'customer_version') %}
with

all_orders as (
    select * from {{ ref('fct_orders') }}
    where counts_as_revenue and customer_key is not null
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

all_customer_identifiers as (
    select * from {{ ref('dim_customer_identifiers') }}
    where identifier_type = 'anonymous_id'
),

customers as (
    select
        dim_customers.customer_key,
        {{ shoplog.ml_customer_version('dim_customers') }} as customer_version
    from {{ ref('dim_customers') }} as dim_customers
),

customers_to_compute as (
    select customers.customer_key
    from customers
    {%- if incremental %}
    where
        not exists (
            select 1 from {{ this }} as built
            where built.customer_key = customers.customer_key
        )
    {%- endif %}
),

orders as (
    {{- shoplog.rows_to_compute(
        'all_orders', 'customers_to_compute', 'customer_key', incremental) }}
),

customer_identifiers as (
    {{- shoplog.rows_to_compute(
        'all_customer_identifiers', 'customers_to_compute', 'customer_key', incremental) }}
),

inputs as (
    select
        customer_key,
        {{ shoplog.digest_text(['ordered_at', 'channel', 'net_amount_usd'], prefix='order') }}
            as input_text
    from orders
    union all
    select
        customer_identifiers.customer_key,
        {{ shoplog.digest_text([
            'sessions.session_started_at', 'sessions.events', 'sessions.viewed_product',
            'sessions.added_to_cart', 'sessions.started_checkout',
        ], prefix='session') }}
    from sessions
    inner join customer_identifiers
        on sessions.anonymous_id = customer_identifiers.identifier_value
),

digests as (
    select
        customer_key,
        {{ shoplog.set_digest('input_text', salt=var('ml_label_days')) }} as inputs_digest
    from inputs
    group by customer_key
)

-- a left join: a customer missing from dim_customers fails the contract's not_null
select
    cast(digests.customer_key as varchar(32)) as customer_key,
    cast(digests.inputs_digest as varchar(32)) as inputs_digest,
    cast(customers.customer_version as varchar(64)) as customer_version
from digests
left join customers
    on digests.customer_key = customers.customer_key
