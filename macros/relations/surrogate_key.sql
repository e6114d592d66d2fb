{#- A deterministic key from several columns: the md5 hash of their text values joined by
    '-', a null written as a placeholder so that null and '' (or null in another column)
    give different keys and a null never makes the whole key null. The same values give the
    same key on every engine as long as their text forms agree (use text, integers and
    decimals; avoid floats and timestamps with fractional seconds). -#}
{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key', 'shoplog')(columns)) }}
{%- endmacro %}

{% macro default__surrogate_key(columns) -%}
    {%- if columns is string or columns | length == 0 -%}
        {{ exceptions.raise_compiler_error('surrogate_key: columns must be a non-empty list') }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_shoplog_null_')") -%}
        {%- if not loop.last -%}
            {%- do parts.append("'-'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
