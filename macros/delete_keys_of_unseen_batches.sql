{#- A pre-hook for incremental models that hold several rows per key and rebuild a key whole
    when its input changes: in an incremental run, delete this model's rows of every key that
    `changed` (a relation with a batch column) has in a batch the model has not seen (macro
    unseen_batches, the same high-water mark as the model's own filter). delete+insert alone
    would keep the old rows of a key whose new state has no row at all (an order whose
    current version has no lines). Nothing in a full build. -#}
{% macro delete_keys_of_unseen_batches(changed, key, batch_column='_batch_id') -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ key }} in (
            select {{ key }} from {{ changed }}
            where {{ shoplog.unseen_batches(batch_column) }}
        )
    {%- endif -%}
{%- endmacro %}
