{#- Pre-hook of the incremental per-customer models: in an incremental run, deletes the rows
    of customers that no longer exist (merged into another, or keyed by a new anchor). Their
    rows would otherwise stay: delete+insert only replaces the keys the run computes. -#}
{% macro delete_gone_customers(customer_identifiers) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as built
        where not exists (
            select 1 from {{ customer_identifiers }} as current_customers
            where current_customers.customer_key = built.customer_key
        )
    {%- endif -%}
{%- endmacro %}
