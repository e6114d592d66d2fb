{#- One row of audit_row_accounting for a source: four counts taken independently, so that
    raw = staged + quarantined + duplicates is a real check of the staging layer
    (a row lost or doubled anywhere breaks it).
    key: the columns that identify one record of the source (duplicates share it). -#}
{% macro row_accounting(source_name, raw_relation, base_model, staged_model, quarantine_model, key) -%}
    select
        cast('{{ source_name }}' as varchar(40)) as source_name,
        (select count(*) from {{ raw_relation }}) as raw_rows,
        (select count(*) from {{ ref(staged_model) }}) as staged_rows,
        (select count(*) from {{ ref(quarantine_model) }}) as quarantined_rows,
        (select count(*) from {{ ref(base_model) }} where reject_reasons is null)
        - (select count(*) from (
            select distinct {{ key | join(', ') }}
            from {{ ref(base_model) }}
            where reject_reasons is null
        ) as distinct_keys) as duplicate_rows
{%- endmacro %}
