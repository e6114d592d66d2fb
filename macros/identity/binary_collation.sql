{#- Text compared byte by byte (code-point order), whatever the database's collation, so
    orderings that decide keys are the same on every engine. DuckDB compares binary already. -#}
{% macro binary_collation(expr) -%}
    {{ return(adapter.dispatch('binary_collation', 'shoplog')(expr)) }}
{%- endmacro %}

{% macro default__binary_collation(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro postgres__binary_collation(expr) -%}
    {{ expr }} collate "C"
{%- endmacro %}
