{#- A currency code as written (three ASCII letters, any case) upper-cased, else null: the
    typed value of a currency field, so that a longer or odd code is quarantined as
    mistyped_currency instead of cut to three letters by a varchar(3) further on. -#}
{% macro currency_code(text_expr) -%}
    {{ return(adapter.dispatch('currency_code', 'shoplog')(text_expr)) }}
{%- endmacro %}

{% macro default__currency_code(text_expr) -%}
    case when regexp_full_match({{ text_expr }}, '[A-Za-z]{3}') then upper({{ text_expr }}) end
{%- endmacro %}

{% macro postgres__currency_code(text_expr) -%}
    case when {{ text_expr }} ~ '^[A-Za-z]{3}$' then upper({{ text_expr }}) end
{%- endmacro %}

{% macro spark__currency_code(text_expr) -%}
    case when {{ text_expr }} rlike '^[A-Za-z]{3}$' then upper({{ text_expr }}) end
{%- endmacro %}
