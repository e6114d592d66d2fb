{#- Config of the incremental models over the raw log, per engine. Everywhere but Spark:
    delete+insert on unique_key. dbt-spark has no delete+insert, and merge needs Delta or
    Iceberg (not bundled with Spark): a model whose rows are replaced whole batches at a time
    (partition_by given) overwrites exactly the batches it re-reads (insert_overwrite of
    those partitions, the same rows delete+insert would replace); any other is rebuilt in
    full on Spark, which gives the same rows. -#}
{% macro log_incremental_config(unique_key, partition_by=none) -%}
    {{ return(adapter.dispatch('log_incremental_config', 'shoplog')(unique_key, partition_by)) }}
{%- endmacro %}

{% macro default__log_incremental_config(unique_key, partition_by) -%}
    {{ return({
        'materialized': 'incremental',
        'unique_key': unique_key,
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{% macro spark__log_incremental_config(unique_key, partition_by) -%}
    {%- if partition_by is none -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': partition_by,
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}
