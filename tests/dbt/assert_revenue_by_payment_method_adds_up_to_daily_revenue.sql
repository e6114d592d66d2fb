-- Each row of rpt_revenue_by_payment_method adds up: its payment-method columns plus
-- other_net_amount are its total, and the total is fct_daily_revenue's net_amount summed over
-- the channels for that day and currency (no day or currency missing on either side).
{%- set methods = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.name == 'rpt_revenue_by_payment_method' %}
{%- do methods.extend(node.config.meta.get('payment_methods', [])) %}
{%- endfor %}
{%- endif %}

with

report as (
    select * from {{ ref('rpt_revenue_by_payment_method') }}
),

daily_revenue as (
    select * from {{ ref('fct_daily_revenue') }}
),

daily_net as (
    select
        revenue_date,
        currency,
        sum(orders) as orders,
        sum(net_amount) as net_amount
    from daily_revenue
    group by revenue_date, currency
)

select
    coalesce(report.revenue_date, daily_net.revenue_date) as revenue_date,
    coalesce(report.currency, daily_net.currency) as currency
from report
full outer join daily_net
    on
        report.revenue_date = daily_net.revenue_date
        and report.currency = daily_net.currency
where
    report.revenue_date is null
    or daily_net.revenue_date is null
    or report.total_net_amount != daily_net.net_amount
    or report.orders != daily_net.orders
    or report.total_net_amount != (
        {%- for method in methods %}
        report.{{ method }}_net_amount +
        {%- endfor %}
        report.other_net_amount
    )
