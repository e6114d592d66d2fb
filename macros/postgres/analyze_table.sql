{#- Post-hook of every model: fresh planner statistics for the table just written.
    PostgreSQL only gathers them when autovacuum gets round to it, so the next model's query
    was planned from a new table's guesses: the current Shopify orders were estimated at 37
    rows for 8,000 and their join to the purchase events became a nested loop (97 s of a 155 s
    incremental build at 1 M events). DuckDB keeps its statistics as it writes; Spark's
    optimizer is not told here. -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'shoplog')()) }}
{%- endmacro %}

{% macro default__analyze_table() -%}{%- endmacro %}

{#- A table model is a new table: always analyzed. An incremental model only when it has no
    statistics yet, or when this build changed more of it (pg_stat_xact_user_tables) than
    autovacuum's own threshold, 50 rows and a tenth of the table: re-sampling a 10 M-row table
    after a day's 1 % took up to 7 s (35 s of a 10 M incremental build's SQL went to analyze)
    for statistics that barely move. Slow drift over many builds is autovacuum's to catch; a
    batch column's newest values the planner reads from its index. (Not the changes since the
    last analyze: an analyze inside the writing transaction counts that transaction's rows
    again once it commits, so every build would analyze again.) -#}
{% macro postgres__analyze_table() -%}
    {%- set materialized = config.get('materialized') -%}
    {%- if materialized == 'table' -%}
        analyze {{ this }}
    {%- elif materialized == 'incremental' -%}
        {%- set relation = this.include(database=false) -%}
        do $shoplog_analyze$
        declare
            table_oid oid := to_regclass('{{ relation }}');
        begin
            if not exists (
                select 1 from pg_stat_user_tables
                where relid = table_oid
                    and coalesce(last_analyze, last_autoanalyze) is not null
            ) or (
                select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)
                from pg_stat_xact_user_tables where relid = table_oid
            ) > 50 + 0.1 * (select greatest(reltuples, 0) from pg_class where oid = table_oid)
            then
                execute 'analyze {{ relation }}';
            end if;
        end
        $shoplog_analyze$
    {%- endif -%}
{%- endmacro %}
