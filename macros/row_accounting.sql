{#- One row of audit_row_accounting for a source: four counts taken independently, so that
    raw = staged + quarantined + duplicates is a real check of the staging layer
    (a row lost or doubled anywhere breaks it). Duplicates are the source's clean rows minus
    its distinct record keys, both summed over the batches in audit_batch_records. -#}
{% macro row_accounting(source_name, raw_relation, staged_model, quarantine_model) -%}
    select
        cast('{{ source_name }}' as varchar(40)) as source_name,
        (select count(*) from {{ raw_relation }}) as raw_rows,
        (select count(*) from {{ ref(staged_model) }}) as staged_rows,
        (select count(*) from {{ ref(quarantine_model) }}) as quarantined_rows,
        (
            select coalesce(sum(clean_rows - first_seen_keys), 0)
            from {{ ref('audit_batch_records') }}
            where source_name = '{{ source_name }}'
        ) as duplicate_rows
{%- endmacro %}
