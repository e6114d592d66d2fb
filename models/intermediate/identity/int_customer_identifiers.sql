-- Which customer every identifier belongs to: one row per distinct (identifier_type,
-- normalized identifier_value) that is not junk. A customer is a connected component of the
-- identity graph; its key is the md5 of its anchor, the member observed first (ties: type,
-- then value), written 'type:value'. The key depends only on the component's members, never
-- on row order, so every rebuild gives the same keys. Junk identifiers (blocklisted or over
-- the degree cap, see int_identity_nodes) belong to no customer and are not listed.
with

nodes as (
    select * from {{ ref('int_identity_nodes') }}
),

components as (
    select * from {{ ref('int_identity_components') }}
),

anchors as (
    select
        node_id,
        md5(node_key) as customer_key
    from nodes
)

select
    anchors.customer_key,
    nodes.identifier_type,
    nodes.identifier_value
from components
inner join nodes
    on components.node_id = nodes.node_id
inner join anchors
    on components.component_id = anchors.node_id
