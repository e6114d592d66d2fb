{#- Overrides dbt's default__get_where_subquery: what a generic data test reads of its model.
    A model over the append-only log can name its batch column in meta.new_rows_batch_column
    when every row a build adds or changes carries a batch of that build. Then in an
    incremental build - the
    CLI and the flows set $SHOPLOG_TESTS_NEW_BATCHES_AFTER to the newest batch the models
    already held; by hand, var('tests_new_batches_after') - its row-wise tests (not_null,
    accepted_values, relationships, expression_is_true: each row passes or fails alone) read
    only the rows of newer batches: the older rows were tested when they were written. Without
    the watermark (a full build, `shoplog quality`) every row is read, so the quality suite
    still checks everything, e.g. old rows against a seed that changed since. dbt's `unique`
    reads the rows sharing their value with a new row: a new row colliding with an old one
    still fails, and the old rows are not counted again. unique_combination scopes itself; a
    test's own `where` config still applies. -#}
{% macro default__get_where_subquery(relation) -%}
    {#- one macro, not two: the test context that dispatches here resolves no other macro of
        this project, so the watermark lookup below repeats test_unique_combination's -#}
    {%- set row_wise = ['not_null', 'accepted_values', 'relationships', 'expression_is_true'] -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append(where) -%}
    {%- endif -%}
    {%- if execute and model.resource_type == 'test' -%}
        {%- set test_name = (model.test_metadata or {}).get('name') -%}
        {%- set tested = graph.nodes.get(model.attached_node or '') -%}
        {%- set batch_column = tested.config.meta.get('new_rows_batch_column')
            if tested is not none else none -%}
        {%- set new_after = var('tests_new_batches_after', none) -%}
        {%- if new_after is none and env_var('SHOPLOG_TESTS_NEW_BATCHES_AFTER', '') -%}
            {%- set new_after = env_var('SHOPLOG_TESTS_NEW_BATCHES_AFTER') -%}
        {%- endif -%}
        {%- if batch_column and new_after is not none -%}
            {%- set new_rows = batch_column ~ ' > ' ~ (new_after | int) -%}
            {%- if test_name in row_wise -%}
                {%- do conditions.append(new_rows) -%}
            {%- elif test_name == 'unique' -%}
                {%- do conditions.append(model.column_name ~ ' in (select ' ~ model.column_name
                    ~ ' from ' ~ relation ~ ' where ' ~ new_rows ~ ')') -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
