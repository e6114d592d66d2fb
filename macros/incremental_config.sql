{#- Config of the incremental models over the raw log, per engine. Everywhere but Spark:
    delete+insert on unique_key. dbt-spark has no delete+insert, and merge needs Delta or
    Iceberg (not bundled with Spark): a model whose rows are replaced whole batches at a time
    (partition_by given) overwrites exactly the batches it re-reads (insert_overwrite of
    those partitions, the same rows delete+insert would replace); any other is rebuilt in
    full on Spark, which gives the same rows.
    batch_column: the column an incremental run reads its high-water mark from (macro
    unseen_batches); PostgreSQL indexes it and the unique key (see postgres__ below).
    replace_from_column: replace each key's rows only from the new rows' smallest value of this
    column on (strategy replace_from, macros/replace_from_strategy.sql), not all of them.
    lookup_columns: more column lists that readers look single rows up by; indexed where the
    engine indexes (PostgreSQL). -#}
{% macro log_incremental_config(
    unique_key, partition_by=none, on_schema_change='fail', batch_column='_batch_id',
    replace_from_column=none, lookup_columns=[]
) -%}
    {%- set settings = adapter.dispatch('log_incremental_config', 'shoplog')(
        unique_key, partition_by, on_schema_change, batch_column) -%}
    {%- if 'indexes' in settings -%}
        {%- for columns in lookup_columns -%}
            {%- do settings['indexes'].append({'columns': columns}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if replace_from_column and settings.get('incremental_strategy') == 'delete+insert' -%}
        {%- do settings.update({
            'incremental_strategy': 'replace_from', 'replace_from_column': replace_from_column,
        }) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}

{% macro default__log_incremental_config(unique_key, partition_by, on_schema_change, batch_column) -%}
    {{ return({
        'materialized': 'incremental',
        'unique_key': unique_key,
        'incremental_strategy': 'delete+insert',
        'on_schema_change': on_schema_change,
    }) }}
{%- endmacro %}

{#- PostgreSQL: without indexes every incremental run read the whole table three times - for
    its high-water mark (max of batch_column), to find the built rows of keys seen again, and
    for delete+insert's delete - and the new-batch tests read it again. A b-tree on the unique
    key and one on the batch column (max() reads its last entry) make each a lookup. dbt
    creates them when it creates the table; later runs keep them up to date. DuckDB needs
    none: its zone maps skip old batches, and an index would only slow its bulk writes. -#}
{% macro postgres__log_incremental_config(unique_key, partition_by, on_schema_change, batch_column) -%}
    {%- set key = [unique_key] if unique_key is string else unique_key -%}
    {%- set indexes = [{'columns': key}] -%}
    {%- if key[0] != batch_column -%}
        {%- do indexes.append({'columns': [batch_column]}) -%}
    {%- endif -%}
    {%- set settings = shoplog.default__log_incremental_config(
        unique_key, partition_by, on_schema_change, batch_column) -%}
    {%- do settings.update({"indexes": indexes}) -%}
    {{ return(settings) }}
{%- endmacro %}

{% macro spark__log_incremental_config(unique_key, partition_by, on_schema_change, batch_column) -%}
    {%- if partition_by is none -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': partition_by,
        'on_schema_change': on_schema_change,
    }) }}
{%- endmacro %}
