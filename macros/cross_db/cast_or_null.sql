{#- Cast text to a type, giving null instead of an error when the text does not fit.
    Supported types: bigint, integer, decimal/numeric(p,s), double, timestamp, date. -#}
{% macro cast_or_null(text_expr, type) -%}
    {{ return(adapter.dispatch('cast_or_null', 'shoplog')(text_expr, type)) }}
{%- endmacro %}

{% macro default__cast_or_null(text_expr, type) -%}
    try_cast({{ text_expr }} as {{ type }})
{%- endmacro %}

{% macro postgres__cast_or_null(text_expr, type) -%}
    {%- set base = type.split('(')[0] | trim | lower -%}
    {%- if base in ('decimal', 'numeric') -%}
        cast({{ target.schema }}.shoplog_try_numeric({{ text_expr }}) as {{ type }})
    {%- elif base in ('bigint', 'integer', 'int', 'smallint') -%}
        cast({{ target.schema }}.shoplog_try_bigint({{ text_expr }}) as {{ type }})
    {%- elif base in ('double', 'float', 'real') -%}
        cast({{ target.schema }}.shoplog_try_numeric({{ text_expr }}) as double precision)
    {%- elif base == 'timestamp' -%}
        {{ target.schema }}.shoplog_try_utc_timestamp({{ text_expr }})
    {%- elif base == 'date' -%}
        cast({{ target.schema }}.shoplog_try_utc_timestamp({{ text_expr }}) as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error("cast_or_null: unsupported type " ~ type) }}
    {%- endif -%}
{%- endmacro %}

{#- An ISO-8601 text (with Z, a UTC offset, or none meaning UTC) as a timestamp in UTC;
    null when it is not a valid timestamp. -#}
{% macro to_utc_timestamp(text_expr) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'shoplog')(text_expr)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(text_expr) -%}
    cast(timezone('UTC', try_cast({{ text_expr }} as timestamptz)) as timestamp)
{%- endmacro %}

{% macro postgres__to_utc_timestamp(text_expr) -%}
    {{ target.schema }}.shoplog_try_utc_timestamp({{ text_expr }})
{%- endmacro %}

{#- Spark's casts accept more than the other engines (' 1e5' as a decimal, '2.0' as a
    bigint, '2024' as a timestamp), so the text must first look like what PostgreSQL's
    helper functions accept. -#}
{% macro spark__cast_or_null(text_expr, type) -%}
    {%- set base = type.split('(')[0] | trim | lower -%}
    {%- if base in ('decimal', 'numeric', 'double', 'float', 'real') -%}
        {%- set pattern = '^\\\\s*[-+]?([0-9]+(\\\\.[0-9]*)?|\\\\.[0-9]+)\\\\s*$' -%}
    {%- elif base in ('bigint', 'integer', 'int', 'smallint') -%}
        {%- set pattern = '^\\\\s*[-+]?[0-9]+\\\\s*$' -%}
    {%- elif base in ('timestamp', 'date') -%}
        {{ return(spark__to_utc_timestamp(text_expr) if base == 'timestamp'
                  else 'cast(' ~ spark__to_utc_timestamp(text_expr) ~ ' as date)') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("cast_or_null: unsupported type " ~ type) }}
    {%- endif -%}
    case when {{ text_expr }} rlike '{{ pattern }}'
         then try_cast(trim({{ text_expr }}) as {{ 'double' if base in ('float', 'real') else type }}) end
{%- endmacro %}

{#- The session time zone is UTC (profile), so a text without an offset means UTC. -#}
{% macro spark__to_utc_timestamp(text_expr) -%}
    case when {{ text_expr }} rlike '^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}'
         then try_cast(trim({{ text_expr }}) as timestamp) end
{%- endmacro %}
