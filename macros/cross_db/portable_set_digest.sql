{#- An aggregate: a digest of a group's set of lines (with repeats), whatever order the rows
    come in, and the same on every engine for the same lines - for a column of a mart, which
    the engines must build alike. The md5 of the line count and of the exact sum of the lines'
    md5s, each read as a 60-bit number (no sort). A changed set keeps its digest only if the
    sums happen to agree (about 2^-60). -#}
{% macro portable_set_digest(text_expr) -%}
    {{ dbt.hash(dbt.concat([
        'cast(count(*) as ' ~ dbt.type_string() ~ ')',
        "'|'",
        'cast(sum(' ~ shoplog.md5_prefix_number(text_expr) ~ ') as ' ~ dbt.type_string() ~ ')',
    ])) }}
{%- endmacro %}

{#- The first 15 hex digits of the md5 of text_expr as a number (0 to 2^60 - 1): each engine
    has its own way from hex to a number. Summed, it needs more than 64 bits: DuckDB sums
    bigints as hugeints and PostgreSQL as numerics; Spark's bigint sum would overflow. -#}
{% macro md5_prefix_number(text_expr) -%}
    {{ return(adapter.dispatch('md5_prefix_number', 'shoplog')(text_expr)) }}
{%- endmacro %}

{#- PostgreSQL: hex text becomes a bit string, and a bit string a number -#}
{% macro default__md5_prefix_number(text_expr) -%}
    cast(cast(('x' || substr(md5({{ text_expr }}), 1, 15)) as bit(60)) as bigint)
{%- endmacro %}

{% macro duckdb__md5_prefix_number(text_expr) -%}
    cast(('0x' || substr(md5({{ text_expr }}), 1, 15)) as bigint)
{%- endmacro %}

{% macro spark__md5_prefix_number(text_expr) -%}
    cast(conv(substr(md5({{ text_expr }}), 1, 15), 16, 10) as decimal(20, 0))
{%- endmacro %}
