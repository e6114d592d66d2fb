{#- An email as entity resolution compares it: trimmed and lower-cased ('' is null), and for
    Gmail, which ignores them, without the dots and without anything from the first '+' of the
    local part, googlemail.com written as gmail.com. These are the rules the demo generator
    documents (flows/generate/identity.py); flows/eval/er.py holds the same rules in Python.
    Plain LIKE / left / split_part / replace: the same on DuckDB, PostgreSQL and Spark. The
    expression repeats expr a few times, so pass a column rather than a costly expression. -#}
{% macro normalize_email_identity(expr) -%}
    {{ return(adapter.dispatch('normalize_email_identity', 'shoplog')(expr)) }}
{%- endmacro %}

{% macro default__normalize_email_identity(expr) -%}
    {%- set email = 'lower(trim(' ~ expr ~ '))' -%}
    nullif(
        case
            when {{ email }} like '%@gmail.com'
                then replace(split_part(left({{ email }}, length({{ email }}) - 10), '+', 1), '.', '')
                    || '@gmail.com'
            when {{ email }} like '%@googlemail.com'
                then replace(split_part(left({{ email }}, length({{ email }}) - 15), '+', 1), '.', '')
                    || '@gmail.com'
            else {{ email }}
        end,
        ''
    )
{%- endmacro %}
