{#- Generic test: no two rows share the same values in all the given columns.
    batch_column (optional): when the watermark is set - the CLI and the flows set
    $SHOPLOG_TESTS_NEW_BATCHES_AFTER on incremental builds to the newest load batch the models
    already held; by hand, var('tests_new_batches_after') - only the
    key values of rows newer than that are checked, against every row of the model, so a new
    row colliding with an old one still fails while the old rows, checked by earlier builds,
    are not read again. scope_columns widens the check to every row sharing those columns with
    a new row (for models that rewrite a whole group at once, like a browser's sessions).
    new_rows_where narrows the new rows checked to those matching a condition, for a model
    whose other new rows another model's scoped test already checks against every row (a
    view over a tested table and something more checks only what it adds).
    Without the watermark (a plain `dbt build`, the quality suite) every row is checked. The
    environment variable is read only when the test runs, so a new value never costs a full
    re-parse. -#}
{% test unique_combination(
    model, columns, batch_column=none, scope_columns=none, new_rows_where=none
) %}
{%- set new_after = var('tests_new_batches_after', none) %}
{%- if new_after is none and execute and env_var('SHOPLOG_TESTS_NEW_BATCHES_AFTER', '') %}
    {%- set new_after = env_var('SHOPLOG_TESTS_NEW_BATCHES_AFTER') | int %}
{%- endif %}
{%- set key = columns | join(', ') %}
{%- set scope = scope_columns or columns %}
with

{% if batch_column and new_after is not none -%}
new_scope as (
    select distinct {{ scope | join(', ') }}
    from {{ model }}
    where
        {{ batch_column }} > {{ new_after }}
        {%- if new_rows_where %}
        and ({{ new_rows_where }})
        {%- endif %}
),

checked as (
    select {{ key }}
    from {{ model }} as model_rows
    where
        {%- if batch_column in scope %}
        -- rows sharing the batch column with a new row are new rows too: reading only the
        -- new batches lets PostgreSQL use the batch column's index instead of the whole table
        model_rows.{{ batch_column }} > {{ new_after }} and
        {%- endif %}
        exists (
        select 1 from new_scope
        where {% for column in scope -%}
            new_scope.{{ column }} = model_rows.{{ column }}{{ " and " if not loop.last }}
        {%- endfor %}
    )
)
{%- else -%}
checked as (
    select {{ key }} from {{ model }}
)
{%- endif %}

select {{ key }}, count(*) as occurrences
from checked
group by {{ key }}
having count(*) > 1
{% endtest %}
