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

{#- The opposite, for a CTE that is read twice but is cheap to read again and large: PostgreSQL
    materializes every CTE read more than once, computing all of it first, so a filter of a
    reader (an incremental run's new batches) no longer reaches the table's index, and a join
    over it is planned blind. `not materialized ` inlines it into each reader. -#}
{% macro inlined_cte() -%}
    {{ return(adapter.dispatch('inlined_cte', 'shoplog')()) }}
{%- endmacro %}

{% macro default__inlined_cte() -%}{%- endmacro %}

{% macro postgres__inlined_cte() -%}not materialized {% endmacro %}
