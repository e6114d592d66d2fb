{#- CTEs, named <source_name>_*, ending in <source_name>_first_seen: per batch among the unseen
    ones, its rows in `clean` (clean_rows) and the keys no earlier batch delivered
    (first_seen_keys). Each key counts once, in the smallest batch that holds it, so the
    first_seen_keys of all batches sum to the distinct keys of the whole log. (CTEs rather than
    one nested query: not every engine accepts a `with` inside a CTE.)
    clean: a relation (CTE) of the source's clean rows, with _batch_id; key: its key columns;
    unseen: the condition picking the batches to count (macro unseen_batches). -#}
{% macro batch_first_seen_keys(source_name, clean, key, unseen) -%}
    {%- set key_list = key | join(', ') -%}
{{ source_name }}_unseen as (
    select _batch_id, {{ key_list }}
    from {{ clean }}
    where {{ unseen }}
),

{{ source_name }}_unseen_keys as (
    select {{ key_list }}, min(_batch_id) as first_batch
    from {{ source_name }}_unseen
    group by {{ key_list }}
),

{{ source_name }}_seen_earlier as (
    -- keys of the unseen batches that an older batch already delivered
    select distinct
        {%- for column in key %}
        earlier.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ clean }} as earlier
    inner join {{ source_name }}_unseen_keys as unseen_keys
        on
        {%- for column in key %}
            {{ 'and ' if not loop.first }}earlier.{{ column }} = unseen_keys.{{ column }}
        {%- endfor %}
    where earlier._batch_id < unseen_keys.first_batch
),

{{ source_name }}_first_seen_keys as (
    select
        unseen_keys.first_batch as _batch_id,
        count(*) as first_seen_keys
    from {{ source_name }}_unseen_keys as unseen_keys
    left join {{ source_name }}_seen_earlier as seen_earlier
        on
        {%- for column in key %}
            {{ 'and ' if not loop.first }}unseen_keys.{{ column }} = seen_earlier.{{ column }}
        {%- endfor %}
    where seen_earlier.{{ key[0] }} is null
    group by unseen_keys.first_batch
),

{{ source_name }}_clean_rows as (
    select
        _batch_id,
        count(*) as clean_rows
    from {{ source_name }}_unseen
    group by _batch_id
),

{{ source_name }}_first_seen as (
    select
        clean_rows._batch_id,
        clean_rows.clean_rows,
        coalesce(first_seen_keys.first_seen_keys, 0) as first_seen_keys
    from {{ source_name }}_clean_rows as clean_rows
    left join {{ source_name }}_first_seen_keys as first_seen_keys
        on clean_rows._batch_id = first_seen_keys._batch_id
)
{%- endmacro %}
