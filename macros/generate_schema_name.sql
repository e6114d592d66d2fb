{#- Custom schemas are used as they are (raw, staging, marts, ...), not prefixed with the
    target schema, so every engine shows the same layout ARCHITECTURE names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
