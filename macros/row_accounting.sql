{#- One row of audit_row_accounting for a source: counts taken independently, so that
    raw = staged + quarantined + duplicates is a real check of the staging layer (a row lost
    or doubled anywhere breaks it). Raw rows were counted in the raw log itself, one batch at
    a time as audit_batch_records first saw it (the log is append-only); staged and
    quarantined rows are counted in the whole of their tables on every build, since
    incremental runs rewrite them. Duplicates are the source's clean rows minus its distinct
    record keys, both summed over the batches in audit_batch_records. -#}
{% macro row_accounting(source_name, staged_model, quarantine_model) -%}
    select
        cast('{{ source_name }}' as varchar(40)) as source_name,
        batches.raw_rows,
        (select count(*) from {{ ref(staged_model) }}) as staged_rows,
        (select count(*) from {{ ref(quarantine_model) }}) as quarantined_rows,
        batches.duplicate_rows
    from (
        select
            coalesce(sum(raw_rows), 0) as raw_rows,
            coalesce(sum(clean_rows - first_seen_keys), 0) as duplicate_rows
        from {{ ref('audit_batch_records') }}
        where source_name = '{{ source_name }}'
    ) as batches
{%- endmacro %}
