{#- The columns of a Shopify order's state after its order_id, in order: the order's history
    (stg_shopify__order_versions) and its current state (stg_shopify__orders) list them from
    here, so the two always line up. -#}
{% macro shopify_order_state_columns() -%}
    {{ return([
        'order_name', 'email_original', 'email', 'created_at', 'updated_at', 'currency',
        'financial_status', 'total_price', 'current_total_price', 'customer_id',
        'customer_email_original', 'customer_email', 'customer_phone_original',
        'customer_phone', 'line_items_json', '_batch_id', '_line_number', '_loaded_at',
    ]) }}
{%- endmacro %}
