-- The payment methods rpt_revenue_by_payment_method pivots on (meta.payment_methods in its
-- YAML, a static list) are exactly the rows of the payment_methods seed. Returns each method
-- that is in one but not the other.
{%- set listed = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.name == 'rpt_revenue_by_payment_method' %}
        {%- do listed.extend(node.config.meta.get('payment_methods', [])) %}
    {%- endfor %}
{%- endif %}

with

seeded as (
    select payment_method from {{ ref('payment_methods') }}
),

listed as (
    {%- for method in listed %}
    select cast('{{ method }}' as {{ dbt.type_string() }}) as payment_method
    {%- if not loop.last %} union all{% endif %}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as payment_method
    {%- endfor %}
)

select
    coalesce(seeded.payment_method, listed.payment_method) as payment_method,
    case when seeded.payment_method is null then 'listed but not in the seed'
         else 'in the seed but not listed' end as problem
from seeded
full outer join listed
    on seeded.payment_method = listed.payment_method
where seeded.payment_method is null or listed.payment_method is null
