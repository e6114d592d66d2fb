{#- Point-in-time state reconstructed from the log, for any past moment.
    as_of: a SQL timestamp expression (e.g. "cast('2026-09-03 12:00:00' as timestamp)").
    known_at: optional; also ignore what was loaded into the log after it, which answers
    "what did we know then" instead of "what was true then". -#}

{#- Each Shopify order as it stood at as_of: its latest version updated at or before then. -#}
{% macro order_state_as_of(as_of, known_at=none) -%}
    select
        order_id, order_name, email, created_at, updated_at, currency, financial_status,
        total_price, current_total_price, customer_id, customer_email, customer_phone
    from (
        select
            versions.*,
            row_number() over (partition by order_id order by updated_at desc) as recency
        from {{ ref('stg_shopify__order_versions') }} as versions
        where updated_at <= {{ as_of }}
        {%- if known_at is not none %}
          and _loaded_at <= {{ known_at }}
        {%- endif %}
    ) as known_versions
    where recency = 1
{%- endmacro %}

{#- Each Shopify customer as they stood at as_of: contact details from their most recently
    updated order, and their orders and net revenue up to then (voided orders excluded). -#}
{% macro customer_state_as_of(as_of, known_at=none) -%}
    select
        customer_id,
        max(case when contact_recency = 1 then customer_email end) as customer_email,
        max(case when contact_recency = 1 then customer_phone end) as customer_phone,
        min(created_at) as first_order_at,
        sum(case when financial_status != 'voided' then 1 else 0 end) as orders,
        sum(case when financial_status != 'voided' then current_total_price else 0 end)
            as net_revenue
    from (
        select
            orders_then.*,
            row_number() over (
                partition by customer_id order by updated_at desc, order_id desc
            ) as contact_recency
        from ({{ shoplog.order_state_as_of(as_of, known_at) }}) as orders_then
        where customer_id is not null
    ) as ranked
    group by customer_id
{%- endmacro %}
