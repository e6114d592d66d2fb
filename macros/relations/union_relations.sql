{#- The union (all rows) of several relations whose columns differ: columns are aligned by
    name (case-insensitive), in the order they are first seen; a relation that lacks a column
    gives a null of that column's type. A leading column (source_column_name) names the
    relation each row came from (its identifier, e.g. the model name, the same on every
    engine). include: optional list of the only columns to keep, in that order.
    A column's type is that of the first relation holding it; when relations disagree, every
    value is cast to it (to the engine's string type when all of them are strings).
    Reads the relations' schemas (not their values), so the relations must be built first;
    nothing is introspected at parse time. -#}
{% macro union_relations(relations, source_column_name='_source_relation', include=none) -%}
    {{ return(adapter.dispatch('union_relations', 'shoplog')(relations, source_column_name, include)) }}
{%- endmacro %}

{% macro default__union_relations(relations, source_column_name, include) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- if relations | length == 0 -%}
        {{ exceptions.raise_compiler_error('union_relations: no relations given') }}
    {%- endif -%}

    {#- first pass: every relation's columns, and the union of names in first-seen order -#}
    {%- set order = [] -%}
    {%- set first_column = {} -%}
    {%- set all_strings = {} -%}
    {%- set differing = {} -%}
    {%- set present = [] -%}
    {%- for relation in relations -%}
        {%- set columns = adapter.get_columns_in_relation(relation) -%}
        {%- if columns | length == 0 -%}
            {{ exceptions.raise_compiler_error(
                'union_relations: ' ~ relation ~ ' has no columns (is it built yet?)') }}
        {%- endif -%}
        {%- set here = {} -%}
        {%- for column in columns -%}
            {%- set key = column.name | lower -%}
            {%- do here.update({key: column}) -%}
            {%- if key not in first_column -%}
                {%- do order.append(key) -%}
                {%- do first_column.update({key: column}) -%}
                {%- do all_strings.update({key: column.is_string()}) -%}
                {%- do differing.update({key: false}) -%}
            {%- else -%}
                {%- if column.data_type | lower != first_column[key].data_type | lower -%}
                    {%- do differing.update({key: true}) -%}
                {%- endif -%}
                {%- do all_strings.update({key: all_strings[key] and column.is_string()}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do present.append(here) -%}
    {%- endfor -%}

    {%- if include is none -%}
        {%- set selected = order -%}
    {%- else -%}
        {%- set selected = [] -%}
        {%- for name in include -%}
            {%- if name | lower not in first_column -%}
                {{ exceptions.raise_compiler_error(
                    'union_relations: no relation has a column ' ~ name) }}
            {%- endif -%}
            {%- do selected.append(name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if source_column_name | lower in selected -%}
        {{ exceptions.raise_compiler_error(
            'union_relations: a relation already has a column ' ~ source_column_name) }}
    {%- endif -%}

    {#- the type each output column gets -#}
    {%- set types = {} -%}
    {%- for key in selected -%}
        {%- if differing[key] and all_strings[key] -%}
            {%- do types.update({key: dbt.type_string()}) -%}
        {%- else -%}
            {%- do types.update({key: shoplog._column_type(first_column[key])}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- for relation in relations %}
    {%- set here = present[loop.index0] %}
    select
        cast('{{ relation.identifier }}' as {{ dbt.type_string() }}) as {{ adapter.quote(source_column_name) }}
        {%- for key in selected -%}
        {%- set name = adapter.quote(first_column[key].name) -%}
        ,
        {% if key not in here -%}
        cast(null as {{ types[key] }}) as {{ name }}
        {%- elif differing[key] -%}
        cast({{ adapter.quote(here[key].name) }} as {{ types[key] }}) as {{ name }}
        {%- else -%}
        {{ adapter.quote(here[key].name) }} as {{ name }}
        {%- endif -%}
        {%- endfor %}
    from {{ relation }}
    {% if not loop.last -%}
    union all
    {%- endif -%}
    {%- endfor %}
{%- endmacro %}

{#- A column's type as SQL: as reported, except an unbounded string stays unbounded (dbt's
    Column.data_type would give it a made-up length of 256). -#}
{% macro _column_type(column) -%}
    {%- if column.is_string() and column.char_size is none -%}
        {{ return(dbt.type_string()) }}
    {%- else -%}
        {{ return(column.data_type) }}
    {%- endif -%}
{%- endmacro %}
