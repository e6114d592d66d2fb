{#- A where-condition for incremental models over the raw log: in an incremental run, only the
    rows of load batches newer than the newest this model holds (in built_column, default the
    same column), minus var('lookback_batches') (read again, which each model's unique key
    makes idempotent); in a full build, every row.
    The newest batch is read when the model runs and written into the SQL as a number: a
    comparison with a constant lets the engine skip the old batches' storage (DuckDB's zone
    maps) instead of reading every row of the log to compare it with a subquery.
    A table built by an older version of the model without that column (or without
    required_column, a column the model gained later) re-reads every batch (with
    on_schema_change 'append_new_columns', the run then rewrites every row).
    Batch ids come from one sequence for all sources, and loads and builds take turns under
    the writer lock, so no batch can appear below the high-water mark: the lookback (default
    0) is there for a log written by something else. -#}
{% macro unseen_batches(batch_column='_batch_id', built_column=none, required_column=none) -%}
    {%- set built_column = built_column or batch_column -%}
    {%- if is_incremental() and execute and shoplog.has_column(this, built_column)
        and (required_column is none or shoplog.has_column(this, required_column)) -%}
        {%- set newest = run_query(
            'select coalesce(max(' ~ built_column ~ '), 0) from ' ~ this
        ).columns[0].values()[0] | int -%}
        {{ batch_column }} > {{ newest - var('lookback_batches') | int }}
    {%- else -%}
        {#- a full build, or a table built before it had the columns: read every batch -#}
        1 = 1
    {%- endif -%}
{%- endmacro %}
