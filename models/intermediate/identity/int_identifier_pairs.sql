-- Every pair of different identifiers that occur on one record, once, with the pair in a fixed
-- order (a before b by type, then value, byte order) and when they were first seen
-- together. The junk guard counts an identifier's neighbours here, and the graph's edges are
-- these pairs minus any that touch junk.
with

observed as (
    select * from {{ ref('int_identifiers_observed') }}
),

cooccurrences as (
    select
        this.identifier_type as identifier_type_a,
        this.identifier_value as identifier_value_a,
        other.identifier_type as identifier_type_b,
        other.identifier_value as identifier_value_b,
        this.observed_at
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
)

select
    identifier_type_a,
    identifier_value_a,
    identifier_type_b,
    identifier_value_b,
    min(observed_at) as first_observed_at
from cooccurrences
group by identifier_type_a, identifier_value_a, identifier_type_b, identifier_value_b
