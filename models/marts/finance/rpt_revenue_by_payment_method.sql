-- Net revenue per UTC day and currency, one column per payment method (pivoted). The payment
-- methods are the rows of the payment_methods seed, written out statically in this model's
-- config (meta.payment_methods in _revenue__models.yml; a test keeps the two equal), so the
-- columns are known without a query. A method not listed yet lands in other_net_amount, so a
-- row's total always equals fct_daily_revenue's net for that day and currency.
{#- var('rpt_payment_methods') replaces the list where config is not the model's own (its
    unit test, which sets it under overrides.vars). -#}
{%- set payment_methods = var(
        'rpt_payment_methods', (config.get('meta') or {}).get('payment_methods')) or [] %}
{%- if not payment_methods %}
    {%- if execute %}
        {{ exceptions.raise_compiler_error(
            'rpt_revenue_by_payment_method: list the payment methods in meta.payment_methods') }}
    {%- endif %}
    {%- set payment_methods = ['parsing'] %}
{%- endif %}

with

orders as (
    select * from {{ ref('int_orders_unioned') }}
    where counts_as_revenue
),

classified as (
    select
        cast(ordered_at as date) as revenue_date,
        currency,
        payment_method,
        net_amount,
        case when payment_method in (
            {%- for method in payment_methods %}
            '{{ method }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) then 0 else 1 end as is_unlisted
    from orders
),

pivoted as (
    select
        revenue_date,
        currency,
        count(*) as orders,
        {{ shoplog.pivot(
            column='payment_method',
            values=payment_methods,
            agg='sum',
            then_value='net_amount',
            else_value=0,
            suffix='_net_amount',
            quote_identifiers=false
        ) }},
        sum(case when is_unlisted = 1 then net_amount else 0 end) as other_net_amount,
        sum(net_amount) as total_net_amount
    from classified
    group by revenue_date, currency
)

select
    revenue_date,
    cast(currency as varchar(3)) as currency,
    cast(orders as bigint) as orders,
    {%- for method in payment_methods %}
    cast({{ method }}_net_amount as decimal(18, 2)) as {{ method }}_net_amount,
    {%- endfor %}
    cast(other_net_amount as decimal(18, 2)) as other_net_amount,
    cast(total_net_amount as decimal(18, 2)) as total_net_amount
from pivoted
