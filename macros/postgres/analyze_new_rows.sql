{#- Before an incremental delete on PostgreSQL: statistics of the temporary table of new rows,
    so that the delete looks the few keys up in the built table's index (see
    macros/postgres/delete_insert_merge.sql). Nothing elsewhere. -#}
{% macro analyze_new_rows(relation) -%}
    {{ return(adapter.dispatch('analyze_new_rows', 'shoplog')(relation)) }}
{%- endmacro %}

{% macro default__analyze_new_rows(relation) -%}{%- endmacro %}

{% macro postgres__analyze_new_rows(relation) -%}analyze {{ relation }};{%- endmacro %}
