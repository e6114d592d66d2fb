{#- The body of int_identity_components (its comment explains the algorithm): nodes and edges
    are the graph's relations, this the model's own relation (Spark keeps its rounds beside it).
    Every engine computes the same rounds with the same hashes; only how the rounds are held
    differs: as materialized CTEs where the engine has them, as tables on Spark. -#}
{% macro identity_components(nodes, edges, this_relation) -%}
    {{ return(adapter.dispatch('identity_components', 'shoplog')(nodes, edges, this_relation)) }}
{%- endmacro %}

{% macro identity_graph_rounds() -%}
    {%- set rounds = var('identity_graph_rounds') | int -%}
    {%- if rounds < 1 -%}
        {{ exceptions.raise_compiler_error('var identity_graph_rounds must be at least 1') }}
    {%- endif -%}
    {{ return(rounds) }}
{%- endmacro %}

{#- h * 2^31 + node: the least packed value names the winner -#}
{% macro identity_pack() -%}2147483648{%- endmacro %}

{#- One round's map: each node of the round's graph and its representative. -#}
{% macro identity_round_map(graph, r) -%}
    select
        node_id,
        least(
            min({{ shoplog.identity_round_hash('neighbour_id', r) }} * {{ shoplog.identity_pack() }} + neighbour_id),
            {{ shoplog.identity_round_hash('node_id', r) }} * {{ shoplog.identity_pack() }} + node_id
        ) % {{ shoplog.identity_pack() }} as representative_id
    from {{ graph }}
    group by node_id
{%- endmacro %}

{#- The next round's graph: every arc between its ends' representatives, self-loops dropped. -#}
{% macro identity_next_graph(graph, mapped) -%}
    select distinct
        this.representative_id as node_id,
        other.representative_id as neighbour_id
    from {{ graph }} as arcs
    inner join {{ mapped }} as this
        on arcs.node_id = this.node_id
    inner join {{ mapped }} as other
        on arcs.neighbour_id = other.node_id
    where this.representative_id != other.representative_id
{%- endmacro %}

{% macro default__identity_components(nodes, edges, this_relation) -%}
{%- set rounds = shoplog.identity_graph_rounds() -%}
with

nodes as (
    select * from {{ nodes }}
),

edges as (
    select * from {{ edges }}
),

graph_0 as materialized (
    -- both directions of every edge
    select node_id_a as node_id, node_id_b as neighbour_id from edges
    union all
    select node_id_b, node_id_a from edges
),
{%- for r in range(rounds) %}

mapped_{{ r }} as materialized (
    -- each node of the round's graph and its representative
    {{ shoplog.identity_round_map('graph_' ~ r, r) }}
),

graph_{{ r + 1 }} as materialized (
    {{ shoplog.identity_next_graph('graph_' ~ r, 'mapped_' ~ r) }}
),
{%- endfor %}

{{ shoplog.identity_resolution(rounds, 'mapped_{}', 'graph_' ~ rounds) }}
{%- endmacro %}

{#- From the rounds' maps to each node's component. mapped: a relation pattern with {} for the
    round number; last_graph: the graph left after the last round (empty when it converged).
    Expects a CTE `nodes` before it. -#}
{% macro identity_resolution(rounds, mapped, last_graph) -%}
resolved_{{ rounds - 1 }} as (
    select node_id, representative_id as root_id
    from {{ mapped.format(rounds - 1) }}
),
{%- for r in range(rounds - 2, -1, -1) %}

resolved_{{ r }} as (
    -- a node's root: its representative's root in the later rounds, if it had one
    select
        mapped.node_id,
        coalesce(later.root_id, mapped.representative_id) as root_id
    from {{ mapped.format(r) }} as mapped
    left join resolved_{{ r + 1 }} as later
        on mapped.representative_id = later.node_id
),
{%- endfor %}

unsettled as (
    -- representatives still linked after the last round (empty when the rounds sufficed)
    select distinct node_id from {{ last_graph }}
),

anchors as (
    select root_id, min(node_id) as component_id
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
{%- endmacro %}

{#- Spark: graph_0 and every round are tables written by the model's pre-hook, which stops
    early once no edge is left (later rounds would map nothing); the select reads the maps. -#}
{% macro spark__identity_components(nodes, edges, this_relation) -%}
{%- set rounds = shoplog.identity_graph_rounds() -%}
{%- set helper = shoplog.identity_round_tables(this_relation) -%}
with

nodes as (
    select * from {{ nodes }}
),

{{ shoplog.identity_resolution(
    rounds,
    '(select node_id, representative_id from ' ~ helper.maps ~ ' where round = {})',
    helper.unsettled) }}
{%- endmacro %}

{% macro identity_round_tables(this_relation) -%}
    {%- set tables = {} -%}
    {%- for name in ['maps', 'unsettled', 'graph_a', 'graph_b'] -%}
        {%- do tables.update({name: this_relation.incorporate(
                path={'identifier': this_relation.identifier ~ '__' ~ name})}) -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}

{#- pre-hook: nothing to prepare except on Spark -#}
{% macro identity_rounds_prepare(edges, this_relation) -%}
    {{ return(adapter.dispatch('identity_rounds_prepare', 'shoplog')(edges, this_relation)) }}
{%- endmacro %}

{% macro default__identity_rounds_prepare(edges, this_relation) -%}{%- endmacro %}

{% macro spark__identity_rounds_prepare(edges, this_relation) -%}
    {%- if execute -%}
    {%- set rounds = shoplog.identity_graph_rounds() -%}
    {%- set t = shoplog.identity_round_tables(this_relation) -%}
    {%- do shoplog.identity_rounds_cleanup_tables(this_relation) -%}
    {%- do run_query('create table ' ~ t.maps ~ ' (round int, node_id bigint, '
                     ~ 'representative_id bigint) using parquet') -%}
    {%- do run_query('create table ' ~ t.graph_a ~ ' using parquet as '
                     ~ 'select node_id_a as node_id, node_id_b as neighbour_id from ' ~ edges
                     ~ ' union all select node_id_b, node_id_a from ' ~ edges) -%}
    {%- set state = namespace(current=t.graph_a, spare=t.graph_b, done=false) -%}
    {%- for r in range(rounds) -%}
        {%- if state.done -%}
        {%- else -%}
        {%- set arcs = run_query('select count(*) from ' ~ state.current).columns[0].values()[0] -%}
        {%- if arcs == 0 -%}
            {%- set state.done = true -%}
        {%- else -%}
            {%- do run_query('insert into ' ~ t.maps ~ ' select ' ~ r ~ ', node_id, representative_id from ('
                             ~ shoplog.identity_round_map(state.current, r) ~ ')') -%}
            {%- set mapped = '(select node_id, representative_id from ' ~ t.maps
                             ~ ' where round = ' ~ r ~ ')' -%}
            {%- do run_query('drop table if exists ' ~ state.spare) -%}
            {%- do run_query('create table ' ~ state.spare ~ ' using parquet as '
                             ~ shoplog.identity_next_graph(state.current, mapped)) -%}
            {%- set used = state.current -%}
            {%- set state.current = state.spare -%}
            {%- set state.spare = used -%}
        {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do run_query('create table ' ~ t.unsettled ~ ' using parquet as select * from ' ~ state.current) -%}
    {%- endif -%}
{%- endmacro %}

{#- post-hook: drops Spark's round tables once the model is built -#}
{% macro identity_rounds_cleanup(this_relation) -%}
    {{ return(adapter.dispatch('identity_rounds_cleanup', 'shoplog')(this_relation)) }}
{%- endmacro %}

{% macro default__identity_rounds_cleanup(this_relation) -%}{%- endmacro %}

{% macro spark__identity_rounds_cleanup(this_relation) -%}
    {%- if execute -%}
    {%- do shoplog.identity_rounds_cleanup_tables(this_relation) -%}
    {%- endif -%}
{%- endmacro %}

{% macro identity_rounds_cleanup_tables(this_relation) -%}
    {%- for name, relation in shoplog.identity_round_tables(this_relation).items() -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- endfor -%}
{%- endmacro %}
