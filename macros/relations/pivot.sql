{#- One aggregate column per value of `column`: agg(case when column = value then then_value
    else else_value end), named prefix ~ value ~ suffix. Use it inside a select with a
    group by. values come from the caller as a static list (a seed's values written out in
    YAML or vars), never from a query at compile time, so the columns are known at parse
    time and a value missing from the data still gets its column (else_value, 0 by default).
    A value of none matches nulls; strings are compared as SQL string literals, numbers as
    numbers. quote_identifiers quotes the generated column names (needed for names that are
    not plain lower-case identifiers). -#}
{% macro pivot(column, values, agg='sum', then_value=1, else_value=0, prefix='', suffix='', quote_identifiers=true) -%}
    {{ return(adapter.dispatch('pivot', 'shoplog')(
        column, values, agg, then_value, else_value, prefix, suffix, quote_identifiers)) }}
{%- endmacro %}

{% macro default__pivot(column, values, agg, then_value, else_value, prefix, suffix, quote_identifiers) -%}
    {%- if values is string or values | length == 0 -%}
        {{ exceptions.raise_compiler_error('pivot: values must be a non-empty list') }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for value in values -%}
        {%- if value is none -%}
            {%- set condition = column ~ ' is null' -%}
        {%- elif value is string -%}
            {%- set condition = column ~ " = '" ~ value | replace("'", "''") ~ "'" -%}
        {%- else -%}
            {%- set condition = column ~ ' = ' ~ value -%}
        {%- endif -%}
        {%- set alias = prefix ~ ('null' if value is none else value) ~ suffix -%}
        {%- do columns.append(
            agg ~ '(case when ' ~ condition ~ ' then ' ~ then_value ~ ' else ' ~ else_value
            ~ ' end) as ' ~ (adapter.quote(alias) if quote_identifiers else alias)) -%}
    {%- endfor -%}
    {{ columns | join(',\n        ') }}
{%- endmacro %}
