{#- A relation turned from wide to long: one row per input row and column not excluded, with
    the column's name in field_name and its value, cast to cast_to, in value_name. The
    excluded columns are carried on every row (in the relation's order). Rows whose value is
    null are kept. Reads the relation's schema, so it must be built first. -#}
{% macro unpivot(relation, cast_to=none, exclude=none, field_name='field_name', value_name='value') -%}
    {{ return(adapter.dispatch('unpivot', 'shoplog')(relation, cast_to, exclude, field_name, value_name)) }}
{%- endmacro %}

{% macro default__unpivot(relation, cast_to, exclude, field_name, value_name) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set cast_to = cast_to or dbt.type_string() -%}
    {%- set excluded = (exclude or []) | map('lower') | list -%}
    {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {%- if columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            'unpivot: ' ~ relation ~ ' has no columns (is it built yet?)') }}
    {%- endif -%}
    {%- set carried = [] -%}
    {%- set melted = [] -%}
    {%- for column in columns -%}
        {%- do (carried if column.name | lower in excluded else melted).append(column) -%}
    {%- endfor -%}
    {%- if melted | length == 0 -%}
        {{ exceptions.raise_compiler_error('unpivot: every column of ' ~ relation ~ ' is excluded') }}
    {%- endif -%}
    {%- for column in melted %}
    select
        {%- for keep in carried %}
        {{ adapter.quote(keep.name) }},
        {%- endfor %}
        cast('{{ column.name | lower }}' as {{ dbt.type_string() }}) as {{ field_name }},
        cast({{ adapter.quote(column.name) }} as {{ cast_to }}) as {{ value_name }}
    from {{ relation }}
    {% if not loop.last -%}
    union all
    {%- endif -%}
    {%- endfor %}
{%- endmacro %}
