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
{#- Spark inlines CTEs, and the rounds reference each other exponentially often, so there
    the rounds run as statements in a pre-hook (see macros/identity/identity_components.sql). -#}
{{ config(
    pre_hook="{{ shoplog.identity_rounds_prepare(ref('int_identity_edges'), this) }}",
    post_hook="{{ shoplog.identity_rounds_cleanup(this) }}"
) }}
{{ shoplog.identity_components(ref('int_identity_nodes'), ref('int_identity_edges'), this) }}
