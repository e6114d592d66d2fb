-- Every order of every sales channel in one shape: the per-channel prepared models unioned by
-- column name (a column one channel lacks is null for its rows), with a surrogate order_key
-- and the net in US dollars. One row per Shopify order and per Braintree sale transaction.
-- A table, not a view: seven models and twenty tests read it, and each read of a view would
-- compute the union again. Incremental: a run replaces the orders the prepared models changed
-- in batches it has not seen (their last_batch_id). A change of the fx_rates seed needs a
-- full refresh, as a change of the SQL does.
{{ config(**shoplog.log_incremental_config(
    unique_key='order_key', batch_column='last_batch_id',
    on_schema_change='append_new_columns')) }}
with

unioned as (
    {{ shoplog.union_relations(
        relations=[
            ref('int_shopify_orders_prepared'),
            ref('int_braintree_orders_prepared'),
        ],
        source_column_name='_source_relation'
    ) }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
)

select
    {{ shoplog.surrogate_key(['unioned.channel', 'unioned.source_order_id']) }} as order_key,
    unioned.source_order_id,
    unioned.channel,
    unioned.order_name,
    unioned.ordered_at,
    unioned.currency,
    unioned.status,
    unioned.payment_method,
    unioned.counts_as_revenue,
    unioned.order_total,
    unioned.gross_amount,
    unioned.refund_amount,
    unioned.net_amount,
    cast(unioned.net_amount * fx_rates.usd_per_unit as decimal(18, 2)) as net_amount_usd,
    unioned.email,
    unioned.customer_email,
    unioned.phone,
    unioned.shopify_customer_id,
    unioned.braintree_customer_id,
    unioned.anonymous_id,
    unioned._source_relation,
    unioned.last_batch_id
from unioned
left join fx_rates
    on unioned.currency = fx_rates.currency
where
    {{ shoplog.unseen_batches(
        batch_column='unioned.last_batch_id', built_column='last_batch_id'
    ) }}
