{#- The rows of relation an incremental model computes again: those whose key is among keys
    (a relation or CTE with that key column) when only_those is true, else every row. -#}
{% macro rows_to_compute(relation, keys, key, only_those) -%}
    {%- if only_those %}
    select {{ relation }}.*
    from {{ relation }}
    inner join {{ keys }}
        on {{ relation }}.{{ key }} = {{ keys }}.{{ key }}
    {%- else %}
    select * from {{ relation }}
    {%- endif %}
{%- endmacro %}
