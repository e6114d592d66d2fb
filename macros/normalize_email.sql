{#- An email as systems should compare it at the least: trimmed and lower-cased; '' is null.
    (Alias folding for entity resolution — gmail dots and +tags — is a separate step.) -#}
{% macro normalize_email_basic(text_expr) -%}
    nullif(lower(trim({{ text_expr }})), '')
{%- endmacro %}

{#- A phone number as digits only, a 10-digit (North American) number prefixed with 1;
    null when nothing is left. -#}
{% macro normalize_phone(text_expr) -%}
    {%- set digits = shoplog.digits_only(text_expr) -%}
    case when length({{ digits }}) = 10 then '1' || {{ digits }}
         else nullif({{ digits }}, '') end
{%- endmacro %}

{% macro digits_only(text_expr) -%}
    {{ return(adapter.dispatch('digits_only', 'shoplog')(text_expr)) }}
{%- endmacro %}

{% macro default__digits_only(text_expr) -%}
    regexp_replace({{ text_expr }}, '[^0-9]', '', 'g')
{%- endmacro %}

{#- Spark's regexp_replace replaces every match and takes no flags -#}
{% macro spark__digits_only(text_expr) -%}
    regexp_replace({{ text_expr }}, '[^0-9]', '')
{%- endmacro %}
