-- Browsing sessions: the clean web events of each browser (anonymous_id) in device-time
-- order (client_ts; ties by event_id compared byte by byte, the same on every engine), a new
-- session starting whenever more than 30 minutes pass without an event. One row per session,
-- with what happened in it.
-- Incremental: a run re-sessionizes only the browsers with an event in a batch newer than
-- any it has seen (their whole history, so numbering and boundaries come out as in a full
-- refresh) and replaces their sessions (delete+insert by anonymous_id).
{{ config(**shoplog.log_incremental_config(unique_key='anonymous_id')) }}
{%- set inactivity_minutes = 30 %}

with

staged_events as (
    select * from {{ ref('stg_web__events') }}
),

web_events as (
    select * from staged_events
    where
        anonymous_id is not null and client_ts is not null
        {%- if is_incremental() %}
        and anonymous_id in (
            select new_events.anonymous_id from staged_events as new_events
            where new_events._batch_id > (
                select coalesce(max(built.last_batch_id), 0) from {{ this }} as built
            )
        )
        {%- endif %}
),

with_previous as (
    select
        event_id,
        anonymous_id,
        event_type,
        page_url,
        order_ref,
        client_ts,
        _batch_id,
        lag(client_ts) over (
            partition by anonymous_id
            order by client_ts, {{ shoplog.binary_collation('event_id') }}
        ) as previous_client_ts
    from web_events
),

flagged as (
    select
        *,
        case
            when previous_client_ts is null then 1
            when client_ts > {{ dbt.dateadd('minute', inactivity_minutes, 'previous_client_ts') }}
                then 1
            else 0
        end as starts_session
    from with_previous
),

numbered as (
    select
        *,
        sum(starts_session) over (
            partition by anonymous_id
            order by client_ts, {{ shoplog.binary_collation('event_id') }}
            rows between unbounded preceding and current row
        ) as session_number
    from flagged
),

sessions as (
    select
        anonymous_id,
        session_number,
        min(client_ts) as session_started_at,
        max(client_ts) as session_ended_at,
        max(case when starts_session = 1 then event_id end) as first_event_id,
        max(case when starts_session = 1 then page_url end) as landing_page_url,
        count(*) as events,
        count(distinct page_url) as pages,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        max(case when event_type = 'product_view' then 1 else 0 end) as has_product_view,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) as has_add_to_cart,
        max(case when event_type = 'checkout_started' then 1 else 0 end) as has_checkout_started,
        max(case when event_type = 'purchase' then 1 else 0 end) as has_purchase,
        count(distinct case when event_type = 'purchase' then order_ref end) as orders_placed,
        max(_batch_id) as last_batch_id
    from numbered
    group by anonymous_id, session_number
)

select
    cast({{ shoplog.surrogate_key(['anonymous_id', 'session_number']) }} as varchar(32))
        as session_key,
    cast(anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
    cast(session_number as bigint) as session_number,
    cast(session_started_at as date) as session_date,
    cast(session_started_at as timestamp) as session_started_at,
    cast(session_ended_at as timestamp) as session_ended_at,
    -- the datediff macro renders to one long line
    cast({{ dbt.datediff('session_started_at', 'session_ended_at', 'second') }} as bigint)  -- noqa: LT05
        as duration_seconds,
    cast(first_event_id as {{ dbt.type_string() }}) as first_event_id,
    cast(landing_page_url as {{ dbt.type_string() }}) as landing_page_url,
    cast(events as bigint) as events,
    cast(pages as bigint) as pages,
    cast(page_views as bigint) as page_views,
    has_product_view = 1 as viewed_product,
    has_add_to_cart = 1 as added_to_cart,
    has_checkout_started = 1 as started_checkout,
    has_purchase = 1 as purchased,
    cast(orders_placed as bigint) as orders_placed,
    cast(last_batch_id as bigint) as last_batch_id
from sessions
