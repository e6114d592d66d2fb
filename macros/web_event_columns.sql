{#- The columns of a staged web event, in order: stg_web__events and its live tail list them
    from here, so the built past and the fresh tail always line up. -#}
{% macro web_event_columns() -%}
    {{ return([
        'event_id', 'event_type', 'anonymous_id', 'user_email_original', 'user_email', 'sku',
        'price', 'quantity', 'order_ref', 'client_ts', 'received_at', 'page_url', 'user_agent',
        '_batch_id', '_line_number', '_loaded_at',
    ]) }}
{%- endmacro %}
