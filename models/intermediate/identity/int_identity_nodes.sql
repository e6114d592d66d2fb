-- The identity graph's nodes: one row per distinct identifier (type, normalized value), with a
-- dense integer id and the junk guard's verdict.
--
-- node_id orders nodes by when they were first observed, then by type and value (byte order on
-- every engine): the smallest node_id of a connected component is its anchor, and the
-- customer key is derived from the anchor, so a customer keeps its key when it gains a newer
-- identifier (only a merge with an older customer moves it).
--
-- Junk: an identifier on the `identifier_blocklist` seed, or one that shares records with more
-- than var('identity_max_degree') distinct identifiers of one type (one email on hundreds of
-- customer ids is a placeholder, not a person; blocklisted neighbours are not counted). Junk
-- links nothing: it gets no edge and no customer.
with

observed as (
    select * from {{ ref('int_identifiers_observed') }}
),

pairs as (
    select * from {{ ref('int_identifier_pairs') }}
),

blocklist as (
    select * from {{ ref('identifier_blocklist') }}
),

blocked_values as (
    select
        identifier_type,
        {{ shoplog.normalize_identifier('identifier_type', 'identifier_value') }}
            as identifier_value,
        min(reason) as reason
    from blocklist
    -- by position: the normalized value, not blocklist's raw column of the same name
    group by 1, 2  -- noqa: AM06
),

distinct_identifiers as (
    select
        identifier_type,
        identifier_value,
        min(observed_at) as first_observed_at,
        max(observed_at) as last_observed_at,
        count(*) as occurrences
    from observed
    group by identifier_type, identifier_value
),

neighbours as (
    -- each pair seen from both ends
    select
        identifier_type_a as identifier_type,
        identifier_value_a as identifier_value,
        identifier_type_b as neighbour_type,
        identifier_value_b as neighbour_value
    from pairs
    union all
    select
        identifier_type_b,
        identifier_value_b,
        identifier_type_a,
        identifier_value_a
    from pairs
),

unblocked_neighbours as (
    select neighbours.*
    from neighbours
    left join blocked_values
        on
            neighbours.neighbour_type = blocked_values.identifier_type
            and neighbours.neighbour_value = blocked_values.identifier_value
    where blocked_values.identifier_value is null
),

neighbours_per_type as (
    select
        identifier_type,
        identifier_value,
        neighbour_type,
        count(*) as neighbours
    from unblocked_neighbours
    group by identifier_type, identifier_value, neighbour_type
),

degrees as (
    select
        identifier_type,
        identifier_value,
        max(neighbours) as max_neighbours_of_a_type
    from neighbours_per_type
    group by identifier_type, identifier_value
),

judged as (
    select
        distinct_identifiers.identifier_type,
        distinct_identifiers.identifier_value,
        distinct_identifiers.first_observed_at,
        distinct_identifiers.last_observed_at,
        distinct_identifiers.occurrences,
        coalesce(degrees.max_neighbours_of_a_type, 0) as max_neighbours_of_a_type,
        blocked_values.reason as blocklist_reason,
        case
            when blocked_values.identifier_value is not null then 'blocklist'
            when degrees.max_neighbours_of_a_type > {{ var('identity_max_degree') }}
                then 'max_degree'
        end as junk_reason
    from distinct_identifiers
    left join blocked_values
        on
            distinct_identifiers.identifier_type = blocked_values.identifier_type
            and distinct_identifiers.identifier_value = blocked_values.identifier_value
    left join degrees
        on
            distinct_identifiers.identifier_type = degrees.identifier_type
            and distinct_identifiers.identifier_value = degrees.identifier_value
)

select
    row_number() over (
        order by
            first_observed_at nulls last,
            {{ shoplog.binary_collation('identifier_type') }},
            {{ shoplog.binary_collation('identifier_value') }}
    ) as node_id,
    identifier_type,
    identifier_value,
    identifier_type || ':' || identifier_value as node_key,
    first_observed_at,
    last_observed_at,
    occurrences,
    max_neighbours_of_a_type,
    junk_reason is not null as is_junk,
    junk_reason,
    blocklist_reason
from judged
