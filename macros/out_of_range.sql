{#- True when a timestamp is implausible: before var shoplog_min_ts, or more than
    var shoplog_max_future_days after the time its batch was loaded. -#}
{% macro out_of_range(ts_expr, loaded_at_expr) -%}
    ({{ ts_expr }} < cast('{{ var("shoplog_min_ts") }}' as timestamp)
     or {{ ts_expr }} > {{ dbt.dateadd('day', var('shoplog_max_future_days'), loaded_at_expr) }})
{%- endmacro %}
