-- The purchase-propensity training set: the features of every customer at every training
-- cutoff (complete label window), labelled 1 when they made a revenue order in the
-- `ml_label_days` days from the cutoff (at or after it, before the window's end), else 0.
-- Incremental like ml_customer_features: only the rows of changed customers and new cutoffs
-- are computed (macros/ml/customer_rows_to_rebuild.sql).
{{ config(**shoplog.customer_rows_incremental_config(['cutoff_date', 'is_training'])) }}

with

cutoffs as (
    select * from {{ ref('ml_cutoffs') }}
    where is_training
),

cutoffs_to_compute as (
    {{- shoplog.customer_cutoffs_to_compute('cutoffs', ref('ml_customer_activity_digests')) }}
),

features as (
    select all_features.*
    from {{ ref('ml_customer_features') }} as all_features
    inner join cutoffs_to_compute
        on
            {{ shoplog.same_customer('cutoffs_to_compute', 'all_features') }}
            all_features.cutoff_date = cutoffs_to_compute.cutoff_date
),

orders as (
    select * from {{ ref('fct_orders') }}
    where counts_as_revenue and customer_key is not null
),

future_orders as (
    -- only for the rows being computed: the label window's revenue orders of their customer
    select
        features.customer_key,
        features.cutoff_date,
        count(*) as orders_next_window
    from features
    inner join cutoffs
        on features.cutoff_date = cutoffs.cutoff_date
    inner join orders
        on
            features.customer_key = orders.customer_key
            and cutoffs.cutoff_at <= orders.ordered_at
            and cutoffs.label_window_end_at > orders.ordered_at
    group by features.customer_key, features.cutoff_date
)

-- every feature (the contract lists them)
select
    features.*,  -- noqa: AM04
    cast(cutoffs.label_window_end_at as date) as label_window_end_date,
    cast(coalesce(future_orders.orders_next_window, 0) as bigint) as orders_next_window,
    cast(case when future_orders.orders_next_window > 0 then 1 else 0 end as integer) as label
from features
inner join cutoffs
    on features.cutoff_date = cutoffs.cutoff_date
left join future_orders
    on
        features.customer_key = future_orders.customer_key
        and features.cutoff_date = future_orders.cutoff_date
