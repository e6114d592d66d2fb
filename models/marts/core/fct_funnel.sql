-- The purchase funnel per UTC day (the day a session started): how many sessions reached
-- each step - product view, add to cart, checkout, purchase - and the conversion between
-- steps. A closed funnel: a session reaches a step only when it also had every earlier step
-- (in any order within the session), so each count is at most the one before it.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

steps as (
    select
        session_date,
        1 as session,
        case when viewed_product then 1 else 0 end as reached_view,
        case when viewed_product and added_to_cart then 1 else 0 end as reached_cart,
        case
            when viewed_product and added_to_cart and started_checkout
                then 1
            else 0
        end as reached_checkout,
        case
            when viewed_product and added_to_cart and started_checkout and purchased
                then 1
            else 0
        end as reached_purchase
    from sessions
),

daily as (
    select
        session_date,
        sum(session) as sessions,
        sum(reached_view) as product_view_sessions,
        sum(reached_cart) as add_to_cart_sessions,
        sum(reached_checkout) as checkout_sessions,
        sum(reached_purchase) as purchase_sessions
    from steps
    group by session_date
)

select
    cast(session_date as date) as funnel_date,
    cast(sessions as bigint) as sessions,
    cast(product_view_sessions as bigint) as product_view_sessions,
    cast(add_to_cart_sessions as bigint) as add_to_cart_sessions,
    cast(checkout_sessions as bigint) as checkout_sessions,
    cast(purchase_sessions as bigint) as purchase_sessions,
    cast(product_view_sessions as {{ shoplog.type_double() }}) / nullif(sessions, 0)
        as session_to_view_rate,
    cast(add_to_cart_sessions as {{ shoplog.type_double() }}) / nullif(product_view_sessions, 0)
        as view_to_cart_rate,
    cast(checkout_sessions as {{ shoplog.type_double() }}) / nullif(add_to_cart_sessions, 0)
        as cart_to_checkout_rate,
    cast(purchase_sessions as {{ shoplog.type_double() }}) / nullif(checkout_sessions, 0)
        as checkout_to_purchase_rate,
    cast(purchase_sessions as {{ shoplog.type_double() }}) / nullif(sessions, 0)
        as session_conversion_rate
from daily
