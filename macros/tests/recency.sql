{#- Generic test: the newest value of a timestamp column (naive UTC, like every timestamp of
    the project) is at most max_age_hours old. An empty model fails too: no data is not fresh
    data. Fails with one row giving the newest value.
    batch_column (optional): a load batch column that grows with the timestamp (as a log's
    load time grows with its batch id, loads taking the writer lock one at a time); then only
    the newest batch's rows are read, through the batch column's index where there is one,
    not the whole table. -#}
{% test recency(model, column_name, max_age_hours, batch_column=none) %}
    select newest
    from (
        select max({{ column_name }}) as newest
        from {{ model }}
        {%- if batch_column %}
        where {{ batch_column }} = (select max({{ batch_column }}) from {{ model }})
        {%- endif %}
    ) as latest
    where newest is null
       or newest < {{ shoplog.utc_now() }} - interval '{{ max_age_hours | int }} hours'
{% endtest %}

{#- The current time as a naive UTC timestamp, comparable with the project's UTC columns. -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'shoplog')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{#- PostgreSQL's `now()` is in the session's time zone; `at time zone 'utc'` gives naive UTC. -#}
{% macro postgres__utc_now() -%}
    (now() at time zone 'utc')
{%- endmacro %}

{#- Spark: the session time zone is UTC (profile), so current_timestamp() is naive UTC. -#}
{% macro spark__utc_now() -%}
    current_timestamp()
{%- endmacro %}
