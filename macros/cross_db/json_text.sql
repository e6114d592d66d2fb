{#- The value at a key path of a parsed JSON object as text (strings unquoted, numbers as
    written, objects and arrays as JSON text); null when absent or JSON null.
    path: a dotted key path such as 'customer.email'. -#}
{% macro json_text(json_expr, path) -%}
    {{ return(adapter.dispatch('json_text', 'shoplog')(json_expr, path)) }}
{%- endmacro %}

{% macro default__json_text(json_expr, path) -%}
    json_extract_string({{ json_expr }}, '$.{{ path.split(".") | map("tojson") | join(".") }}')
{%- endmacro %}

{% macro postgres__json_text(json_expr, path) -%}
    ({{ json_expr }} #>> '{ {{- path.split(".") | join(",") -}} }')
{%- endmacro %}

{#- get_json_object gives strings unquoted and objects/arrays as JSON text, like the others. -#}
{% macro spark__json_text(json_expr, path) -%}
    get_json_object({{ json_expr }}, '$.{{ path }}')
{%- endmacro %}
