{#- One CSV line (RFC 4180 quoting: fields with , or " are quoted, "" is a quote) as an array
    of raw field texts, still quoted. Null when the line is not well-formed CSV.
    csv_field() unquotes one element; array_at()/array_size() index it the same on every engine. -#}

{% macro csv_fields(text_expr) -%}
    {{ return(adapter.dispatch('csv_fields', 'shoplog')(text_expr)) }}
{%- endmacro %}

{% macro default__csv_fields(text_expr) -%}
    case when regexp_full_match({{ text_expr }},
                                '{{ shoplog.csv_line_pattern() }}')
         then regexp_extract_all({{ text_expr }} || ',', '{{ shoplog.csv_field_pattern() }}', 1)
    end
{%- endmacro %}

{% macro postgres__csv_fields(text_expr) -%}
    case when {{ text_expr }} ~ '{{ shoplog.csv_line_pattern() }}'
         then array(
             select m[1]
             from regexp_matches({{ text_expr }} || ',', '{{ shoplog.csv_field_pattern() }}', 'g')
                 with ordinality as r(m, n)
             order by n)
    end
{%- endmacro %}

{% macro csv_field_pattern() -%}("(?:[^"]|"")*"|[^",]*),{%- endmacro %}
{% macro csv_line_pattern() -%}^(?:"(?:[^"]|"")*"|[^",]*)(?:,(?:"(?:[^"]|"")*"|[^",]*))*${%- endmacro %}

{#- A CSV field's value: quotes removed and "" undone; an empty unquoted field is null. -#}
{% macro csv_field(array_expr, position) -%}
    {%- set f = shoplog.array_at(array_expr, position) -%}
    case when {{ f }} like '"%'
         then replace(substr({{ f }}, 2, length({{ f }}) - 2), '""', '"')
         else nullif({{ f }}, '')
    end
{%- endmacro %}

{% macro array_at(array_expr, position) -%}
    {{ return(adapter.dispatch('array_at', 'shoplog')(array_expr, position)) }}
{%- endmacro %}

{% macro default__array_at(array_expr, position) -%}
    ({{ array_expr }})[{{ position }}]
{%- endmacro %}

{% macro array_size(array_expr) -%}
    {{ return(adapter.dispatch('array_size', 'shoplog')(array_expr)) }}
{%- endmacro %}

{% macro default__array_size(array_expr) -%}
    len({{ array_expr }})
{%- endmacro %}

{% macro postgres__array_size(array_expr) -%}
    coalesce(cardinality({{ array_expr }}), 0)
{%- endmacro %}

{#- Java regexes recurse on each repetition of an alternation, so Spark gets the same patterns
    with possessive quantifiers (quoted fields are unambiguous: nothing to backtrack into). -#}
{% macro spark__csv_fields(text_expr) -%}
    {%- set field = '"(?:[^"]++|"")*+"|[^",]*+' -%}
    case when {{ text_expr }} rlike '^(?:{{ field }})(?:,(?:{{ field }}))*$'
         then regexp_extract_all({{ text_expr }} || ',', '({{ field }}),', 1)
    end
{%- endmacro %}

{% macro spark__array_at(array_expr, position) -%}
    element_at({{ array_expr }}, {{ position }})
{%- endmacro %}

{#- size(null) is -1 on Spark without ANSI mode -#}
{% macro spark__array_size(array_expr) -%}
    case when {{ array_expr }} is null then 0 else size({{ array_expr }}) end
{%- endmacro %}
