{#- A where-condition for incremental models over the raw log: in an incremental run, only the
    rows of load batches newer than the newest this model holds, minus var('lookback_batches')
    (read again, which each model's unique key makes idempotent); in a full build, every row.
    Batch ids come from one sequence for all sources, and loads and builds take turns under
    the writer lock, so no batch can appear below the high-water mark: the lookback (default
    0) is there for a log written by something else. -#}
{% macro unseen_batches(batch_column='_batch_id') -%}
    {%- if is_incremental() -%}
        {{ batch_column }} > (
            select coalesce(max({{ batch_column }}), 0) - {{ var('lookback_batches') }}
            from {{ this }}
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
