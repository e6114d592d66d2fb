{#- Custom schemas are used as they are (raw, staging, marts, ...), not prefixed with the
    target schema, so every engine shows the same layout ARCHITECTURE names. A dev target
    (`*_dev`) on a shared server prefixes them (`dev_staging`), so dev never writes prod's
    relations; on DuckDB dev is a file of its own and keeps the plain names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.name.endswith('_dev') and target.type != 'duckdb' -%}
        {{ env_var('SHOPLOG_DEV_SCHEMA_PREFIX', 'dev_') ~ (custom_schema_name | trim) }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
