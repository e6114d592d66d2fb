{#- Written between a CTE's `as` and its `(`: on PostgreSQL `materialized `, so the CTE is
    computed once. PostgreSQL otherwise inlines a CTE read once into its reader, and then
    computes a column expression again wherever a later CTE names the column: the JSON parse of
    a raw web event ran about 25 times per row, 91 s of a 98 s model at 200 k events (7 s
    materialized). DuckDB and Spark compute a CTE's columns once already: nothing there. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'shoplog')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}{%- endmacro %}

{% macro postgres__materialized_cte() -%}materialized {% endmacro %}
