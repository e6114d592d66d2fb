-- The as-of days of the purchase-propensity data: every `ml_cutoff_step_days` from an anchor
-- day (a Monday), from `ml_min_history_days` after the first activity until the last cutoff
-- whose `ml_label_days` label window is complete, plus one scoring cutoff - the day after
-- the last activity - for scoring current customers. Built from the data's range at run time
-- (a numbers series, never a compile-time query).
{%- set step_days = var('ml_cutoff_step_days') %}
{%- set label_days = var('ml_label_days') %}

with

orders as (
    select * from {{ ref('fct_orders') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

activity as (
    select ordered_at as activity_at from orders
    union all
    select session_started_at from sessions
),

data_range as (
    select
        cast(min(activity_at) as date) as first_day,
        cast(max(activity_at) as date) as last_day
    from activity
),

earliest as (
    select
        last_day,
        {{ dbt.datediff(
            "cast('" ~ var('ml_cutoff_anchor') ~ "' as date)",
            dbt.dateadd('day', var('ml_min_history_days'), 'first_day'),
            'day'
        ) }} as days_after_anchor
    from data_range
),

first_cutoff as (
    -- the first anchor-aligned day with enough history before it
    select
        last_day,
        cast({{ dbt.dateadd(
            'day',
            'cast(ceil(days_after_anchor / ' ~ step_days ~ '.0) as integer) * ' ~ step_days,
            "cast('" ~ var('ml_cutoff_anchor') ~ "' as date)"
        ) }} as date) as cutoff_date
    from earliest
),

numbers as (
    {{ dbt.generate_series(var('ml_max_cutoffs')) }}
),

training_cutoffs as (
    select
        cast({{ dbt.dateadd(
            'day', '(numbers.generated_number - 1) * ' ~ step_days, 'first_cutoff.cutoff_date'
        ) }} as date) as cutoff_date,
        first_cutoff.last_day
    from first_cutoff
    cross join numbers
),

cutoffs as (
    select
        cutoff_date,
        true as is_training
    from training_cutoffs
    where {{ dbt.dateadd('day', label_days, 'cutoff_date') }} <= last_day
    union all
    select
        cast({{ dbt.dateadd('day', 1, 'last_day') }} as date),
        false
    from data_range
    where last_day is not null
)

select
    cast(cutoff_date as date) as cutoff_date,
    cast(cutoff_date as timestamp) as cutoff_at,
    cast({{ dbt.dateadd('day', label_days, 'cutoff_date') }} as timestamp) as label_window_end_at,
    cast(is_training as boolean) as is_training
from cutoffs
