{#- The body of a quarantine model: the rows of a base model that failed any check, with every
    reason (codes and text), the raw record as it was loaded, its identity in the raw log, and
    the source's own key columns where they could be read.
    Materialized incrementally (unique key _batch_id, _line_number), a run reads only the
    batches it has not seen (macro unseen_batches). -#}
{% macro quarantined(base_model, raw_relation, key_columns) -%}
with

checked as (
    select * from {{ ref(base_model) }}
    where {{ shoplog.unseen_batches() }}
),

raw_log as (
    select * from {{ raw_relation }}
    where {{ shoplog.unseen_batches() }}
),

rejected as (
    select * from checked
    where reject_reasons is not null
)

select
    rejected._batch_id,
    rejected._line_number,
    rejected._source_file,
    rejected._loaded_at,
    rejected.reject_reasons,
    rejected.reject_details,
    raw_log.record,
    {%- for column in key_columns %}
    rejected.{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
from rejected
inner join raw_log
    on rejected._batch_id = raw_log._batch_id
    and rejected._line_number = raw_log._line_number
{%- endmacro %}
