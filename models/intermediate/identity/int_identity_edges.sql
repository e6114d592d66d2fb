-- The identity graph's edges: every pair of identifiers that occur together on a record and
-- are both not junk, once, as (smaller node_id, larger node_id). Junk identifiers have no
-- edge, so they never join two people.
with

pairs as (
    select * from {{ ref('int_identifier_pairs') }}
),

nodes as (
    select * from {{ ref('int_identity_nodes') }}
),

linked as (
    select
        node_a.node_id as node_id_1,
        node_b.node_id as node_id_2,
        pairs.first_observed_at
    from pairs
    inner join nodes as node_a
        on
            pairs.identifier_type_a = node_a.identifier_type
            and pairs.identifier_value_a = node_a.identifier_value
    inner join nodes as node_b
        on
            pairs.identifier_type_b = node_b.identifier_type
            and pairs.identifier_value_b = node_b.identifier_value
    where
        not node_a.is_junk
        and not node_b.is_junk
)

select
    least(node_id_1, node_id_2) as node_id_a,
    greatest(node_id_1, node_id_2) as node_id_b,
    first_observed_at
from linked
