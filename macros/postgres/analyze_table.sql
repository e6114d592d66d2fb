{#- Post-hook of every model: fresh planner statistics for the table just written.
    PostgreSQL only gathers them when autovacuum gets round to it, so the next model's query
    was planned from a new table's guesses: the current Shopify orders were estimated at 37
    rows for 8,000 and their join to the purchase events became a nested loop (97 s of a 155 s
    incremental build at 1 M events). DuckDB keeps its statistics as it writes; Spark's
    optimizer is not told here.
    Incremental models too, after every run, however few rows it added: the next run reads
    "batch > the newest built", a value past the last histogram bound. Skipping the analyze
    when a table had grown by under a tenth (tried at 10 M events) left the new batch's
    117,160 rows estimated at 1, and audit_batch_records and fct_sessions ran as nested loops
    for over 5 minutes instead of seconds. -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'shoplog')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
