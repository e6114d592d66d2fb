-- One row per customer with a digest of everything their rows in ml_customer_features and
-- ml_training_set are computed from: each field those models read of the customer's revenue
-- orders and of their browsers' sessions, and the label window's length. An incremental build
-- of those models rebuilds a customer's rows only when this digest differs from the one the
-- rows were built with (macros/ml/customer_rows_to_rebuild.sql).
with

orders as (
    select * from {{ ref('fct_orders') }}
    where counts_as_revenue and customer_key is not null
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

customer_identifiers as (
    select * from {{ ref('dim_customer_identifiers') }}
    where identifier_type = 'anonymous_id'
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
)

select
    cast(customer_key as varchar(32)) as customer_key,
    cast({{ shoplog.set_digest('input_text', salt=var('ml_label_days')) }} as varchar(32))
        as inputs_digest
from inputs
group by customer_key
