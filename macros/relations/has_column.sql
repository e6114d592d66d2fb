{#- Whether a built relation has a column (names compared in lower case). For incremental
    models that gained a column: the table an older version built lacks it. -#}
{% macro has_column(relation, column_name) -%}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name')
        | map('lower') | list -%}
    {{ return(column_name | lower in names) }}
{%- endmacro %}
