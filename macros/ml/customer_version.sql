{#- What ml_customer_activity_digests' row of a customer is computed from, as one text: the
    customer's dim_customers inputs_digest (their identifiers and orders) and last_batch_id (the
    newest batch of their orders and sessions), and the var ml_label_days the digest is salted
    with. customers: an alias or relation of dim_customers. -#}
{% macro ml_customer_version(customers) -%}
    cast({{ dbt.concat([
        customers ~ ".inputs_digest",
        "'|'",
        "cast(" ~ customers ~ ".last_batch_id as " ~ dbt.type_string() ~ ")",
        "'|" ~ var('ml_label_days') ~ "'",
    ]) }} as varchar(64))
{%- endmacro %}

{#- Pre-hook of ml_customer_activity_digests: in an incremental run, deletes the rows whose
    customer no longer exists or has another version (ml_customer_version) than the row was
    computed from; the model then computes the customers left without a row. A table built
    before the version column loses every row. -#}
{% macro delete_outdated_customer_versions(customers) -%}
    {%- if is_incremental() and not shoplog.has_column(this, 'customer_version') %}
    delete from {{ this }}
    {%- elif is_incremental() %}
    delete from {{ this }} as built
    where not exists (
        select 1 from {{ customers }} as current_customers
        where
            current_customers.customer_key = built.customer_key
            and {{ shoplog.ml_customer_version('current_customers') }} = built.customer_version
    )
    {%- endif %}
{%- endmacro %}
