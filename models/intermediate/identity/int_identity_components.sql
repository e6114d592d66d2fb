{#- Connected components of the identity graph by randomised contraction (Bögeholz, Brand and
    Todor, "In-database connected component analysis", ICDE 2020), unrolled into
    var('identity_graph_rounds') rounds of plain SQL: no recursion, no path enumeration, the
    same on every engine.

    A round takes the current graph and maps every node to its representative: the node of
    least hash among itself and its neighbours (a fresh hash each round, arithmetic only, so
    DuckDB and PostgreSQL compute the same numbers). Every edge is then replaced by the edge
    between its ends' representatives; edges whose ends now share a representative disappear.
    A representative is the node itself or a neighbour, so contraction never joins two
    components, and the node of least hash in a component takes all its neighbours with it,
    so every round shrinks every component that still has an edge: the process ends, and
    with hashes that behave randomly it ends after O(log n) rounds (a million-node chain
    needs about 20), each round working on a smaller graph than the last. When no edge is
    left each representative stands for one whole component; composing the rounds' maps
    gives each node its component, and the component is named by its smallest node_id.
    `is_stable` is false for a node whose component still had an edge after the last round
    (its test fails: raise the var); true everywhere proves the result exact. -#}
{%- set rounds = var('identity_graph_rounds') | int -%}
{%- if rounds < 1 -%}
    {{ exceptions.raise_compiler_error('var identity_graph_rounds must be at least 1') }}
{%- endif -%}
{%- set pack = 2147483648 -%}{#- h * 2^31 + node: the least packed value names the winner -#}
with

nodes as (
    select * from {{ ref('int_identity_nodes') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

graph_0 as materialized (
    -- both directions of every edge
    select
        node_id_a as node_id,
        node_id_b as neighbour_id
    from edges
    union all
    select
        node_id_b,
        node_id_a
    from edges
),
{%- for r in range(rounds) %}

mapped_{{ r }} as materialized (
    -- each node of the round's graph and its representative
    select
        node_id,
        least(
            min({{ shoplog.identity_round_hash('neighbour_id', r) }} * {{ pack }} + neighbour_id),
            {{ shoplog.identity_round_hash('node_id', r) }} * {{ pack }} + node_id
        ) % {{ pack }} as representative_id
    from graph_{{ r }}
    group by node_id
),

graph_{{ r + 1 }} as materialized (
    select distinct
        this.representative_id as node_id,
        other.representative_id as neighbour_id
    from graph_{{ r }} as arcs
    inner join mapped_{{ r }} as this
        on arcs.node_id = this.node_id
    inner join mapped_{{ r }} as other
        on arcs.neighbour_id = other.node_id
    where this.representative_id != other.representative_id
),
{%- endfor %}

resolved_{{ rounds - 1 }} as (
    select
        node_id,
        representative_id as root_id
    from mapped_{{ rounds - 1 }}
),
{%- for r in range(rounds - 2, -1, -1) %}

resolved_{{ r }} as (
    -- a node's root: its representative's root in the later rounds, if it had one
    select
        mapped.node_id,
        coalesce(later.root_id, mapped.representative_id) as root_id
    from mapped_{{ r }} as mapped
    left join resolved_{{ r + 1 }} as later
        on mapped.representative_id = later.node_id
),
{%- endfor %}

unsettled as (
    -- representatives still linked after the last round (empty when the rounds sufficed)
    select distinct node_id from graph_{{ rounds }}
),

anchors as (
    select
        root_id,
        min(node_id) as component_id
    from resolved_0
    group by root_id
)

select
    nodes.node_id,
    coalesce(anchors.component_id, nodes.node_id) as component_id,
    unsettled.node_id is null as is_stable
from nodes
left join resolved_0
    on nodes.node_id = resolved_0.node_id
left join anchors
    on resolved_0.root_id = anchors.root_id
left join unsettled
    on resolved_0.root_id = unsettled.node_id
where not nodes.is_junk
