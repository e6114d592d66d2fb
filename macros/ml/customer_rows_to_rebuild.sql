{#- Incremental builds of the per-customer, per-cutoff ML models (ml_customer_features,
    ml_training_set). A row depends only on its cutoff and on its customer's inputs, which
    ml_customer_activity_digests sums up in a digest per customer. So a build keeps the built
    rows whose customer's digest is unchanged and whose cutoff is still one of ml_cutoffs as
    it was, deletes the rest (delete_changed_customer_rows, a pre-hook inside the model's
    transaction), and computes only the rows that are then missing
    (customer_cutoffs_to_compute): every cutoff of a customer left with no rows, and every
    customer at a cutoff left with no rows. Each daily batch moves the scoring cutoff, so that
    cutoff is computed for every customer; the training cutoffs only for the customers whose
    orders or sessions changed. -#}

{#- The models' config: rows appended after the pre-hook's delete. work_mem (optional): the
    PostgreSQL sort and hash memory of the model's transaction (macro work_mem). -#}
{% macro customer_rows_incremental_config(cutoff_columns, work_mem=none) -%}
    {%- set pre_hooks = [] -%}
    {%- if work_mem -%}
        {%- do pre_hooks.append("{{ shoplog.work_mem('" ~ work_mem ~ "') }}") -%}
    {%- endif -%}
    {%- do pre_hooks.append(
        "{{ shoplog.delete_changed_customer_rows(ref('ml_customer_activity_digests'), "
        ~ "ref('ml_cutoffs'), " ~ cutoff_columns | tojson ~ ") }}") -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'append_new_columns',
        'pre_hook': pre_hooks,
    }) }}
{%- endmacro %}

{#- The pre-hook. cutoff_columns: the columns of the model that must still match a row of
    ml_cutoffs for a built row to stay. -#}
{% macro delete_changed_customer_rows(digests, cutoffs, cutoff_columns) -%}
    {%- if is_incremental() and not shoplog.has_column(this, 'inputs_digest') %}
    {#- built before the digest column: compute every row again #}
    delete from {{ this }}
    {%- elif is_incremental() %}
    {#- two statements: under an "or" PostgreSQL runs each "not exists" once per built row -#}
    delete from {{ this }} as built
    where not exists (
        select 1 from {{ digests }} as current_digests
        where
            current_digests.customer_key = built.customer_key
            and current_digests.inputs_digest = built.inputs_digest
    );

    delete from {{ this }} as built
    where not exists (
        select 1 from {{ cutoffs }} as current_cutoffs
        where
            {%- for column in cutoff_columns %}
            {% if not loop.first %}and {% endif %}current_cutoffs.{{ column }} = built.{{ column }}
            {%- endfor %}
    )
    {%- endif %}
{%- endmacro %}

{#- The cutoffs to compute rows at, from cutoffs (a relation or CTE with cutoff_date and
    cutoff_at): in a full build, all of them; in an incremental one, per customer
    (customer_key, cutoff_date, cutoff_at), only the rows missing after the pre-hook. Join a
    customer's rows to them with same_customer. -#}
{% macro customer_cutoffs_to_compute(cutoffs, digests) -%}
    {%- if is_incremental() %}
    select
        customers_without_rows.customer_key,
        current_cutoffs.cutoff_date,
        current_cutoffs.cutoff_at
    from (
        select current_digests.customer_key
        from {{ digests }} as current_digests
        where not exists (
            select 1 from {{ this }} as built
            where built.customer_key = current_digests.customer_key
        )
    ) as customers_without_rows
    cross join {{ cutoffs }} as current_cutoffs
    union all
    select
        current_digests.customer_key,
        cutoffs_without_rows.cutoff_date,
        cutoffs_without_rows.cutoff_at
    from {{ digests }} as current_digests
    cross join (
        select
            current_cutoffs.cutoff_date,
            current_cutoffs.cutoff_at
        from {{ cutoffs }} as current_cutoffs
        where not exists (
            select 1 from {{ this }} as built
            where built.cutoff_date = current_cutoffs.cutoff_date
        )
    ) as cutoffs_without_rows
    where exists (
        select 1 from {{ this }} as built
        where built.customer_key = current_digests.customer_key
    )
    {%- else %}
    select
        cutoff_date,
        cutoff_at
    from {{ cutoffs }}
    {%- endif %}
{%- endmacro %}

{#- The start of a join condition between customer_cutoffs_to_compute and a customer's rows:
    the same customer, in an incremental build (a full one joins every cutoff). -#}
{% macro same_customer(cutoffs_alias, rows_alias) -%}
    {%- if is_incremental() -%}
        {{ cutoffs_alias }}.customer_key = {{ rows_alias }}.customer_key and
    {%- endif -%}
{%- endmacro %}
