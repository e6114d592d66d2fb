-- Every pair of different identifiers that occur on one record, once, with the pair in a fixed
-- order (a before b by type, then value, byte order) and when they were first seen
-- together. The junk guard counts an identifier's neighbours here, and the graph's edges are
-- these pairs minus any that touch junk.
-- Incremental: a record's identifiers arrive together, in one batch, and never change, so a
-- run pairs only the records of batches it has not seen and merges those pairs into the
-- built ones (the earlier first_observed_at wins): pairs only ever gain records.
{#- append_new_columns: a table built before last_batch_id existed is rewritten whole -#}
{{ config(**shoplog.log_incremental_config(unique_key=[
    'identifier_type_a', 'identifier_value_a', 'identifier_type_b', 'identifier_value_b'],
    on_schema_change='append_new_columns', batch_column='last_batch_id')) }}
{%- set pair_key = [
    'identifier_type_a', 'identifier_value_a', 'identifier_type_b', 'identifier_value_b'] %}
with

observed as (
    select * from {{ ref('int_identifiers_observed') }}
    where {{ shoplog.unseen_batches(built_column='last_batch_id') }}
),

cooccurrences as (
    select
        this.identifier_type as identifier_type_a,
        this.identifier_value as identifier_value_a,
        other.identifier_type as identifier_type_b,
        other.identifier_value as identifier_value_b,
        this.observed_at,
        this._batch_id
    from observed as this
    inner join observed as other
        on
            this.source_name = other.source_name
            and this.record_id = other.record_id
            and (
                this.identifier_type < other.identifier_type
                or (
                    this.identifier_type = other.identifier_type
                    and {{ shoplog.binary_collation('this.identifier_value') }}
                    < {{ shoplog.binary_collation('other.identifier_value') }}
                )
            )
),

pair_observations as (
    select
        {{ pair_key | join(', ') }},
        observed_at,
        _batch_id
    from cooccurrences
    {%- if is_incremental() and shoplog.has_column(this, 'last_batch_id') %}
    union all
    -- the built rows of the pairs seen again, so the earliest observation wins
    select
        {{ pair_key | join(', ') }},
        first_observed_at,
        last_batch_id
    from {{ this }} as built
    where
        exists (
            select 1 from cooccurrences
            where
            {%- for column in pair_key %}
                {{ 'and ' if not loop.first }}cooccurrences.{{ column }} = built.{{ column }}
            {%- endfor %}
        )
    {%- endif %}
)

select
    {{ pair_key | join(', ') }},
    min(observed_at) as first_observed_at,
    max(_batch_id) as last_batch_id
from pair_observations
group by {{ pair_key | join(', ') }}
