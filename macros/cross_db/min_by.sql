{#- An aggregate: the value (null included) of the group's row with the smallest ordering.
    One pass of a group by, where dedupe needs a window over every row. The ordering must be
    non-null and unique within a group, or the row chosen is not the same on every engine. -#}
{% macro min_by(value, ordering) -%}
    {{ return(adapter.dispatch('min_by', 'shoplog')(value, ordering)) }}
{%- endmacro %}

{#- PostgreSQL has no min_by: the first element of the values aggregated in order. -#}
{% macro default__min_by(value, ordering) -%}
    (array_agg({{ value }} order by {{ ordering }}))[1]
{%- endmacro %}

{#- arg_min_null, not arg_min: arg_min skips the rows whose value is null. -#}
{% macro duckdb__min_by(value, ordering) -%}
    arg_min_null({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro spark__min_by(value, ordering) -%}
    min_by({{ value }}, {{ ordering }})
{%- endmacro %}
