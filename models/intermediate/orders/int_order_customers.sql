-- The customer behind every order: the order's identifiers (its channel's customer id, its
-- emails, phone and buying browser), normalized as the identity graph normalizes them, looked
-- up in int_customer_identifiers. Identifiers on one order are one record of the graph, so
-- they all resolve to the same customer; the first that resolves is kept, in the order
-- below. An order whose identifiers are all junk (or unknown) has no customer.
with

orders as (
    select * from {{ ref('int_orders_unioned') }}
),

customer_identifiers as (
    select * from {{ ref('int_customer_identifiers') }}
),

order_identifiers as (
    select
        order_key,
        1 as preference,
        'shopify_customer_id' as identifier_type,
        {{ shoplog.normalize_identifier("'shopify_customer_id'", 'shopify_customer_id') }}
            as identifier_value
    from orders
    union all
    select
        order_key,
        2,
        'braintree_customer_id',
        {{ shoplog.normalize_identifier("'braintree_customer_id'", 'braintree_customer_id') }}
    from orders
    union all
    select
        order_key,
        3,
        'email',
        {{ shoplog.normalize_identifier("'email'", 'email') }}
    from orders
    union all
    select
        order_key,
        4,
        'email',
        {{ shoplog.normalize_identifier("'email'", 'customer_email') }}
    from orders
    union all
    select
        order_key,
        5,
        'phone',
        {{ shoplog.normalize_identifier("'phone'", 'phone') }}
    from orders
    union all
    select
        order_key,
        6,
        'anonymous_id',
        {{ shoplog.normalize_identifier("'anonymous_id'", 'anonymous_id') }}
    from orders
),

resolved as (
    select
        order_identifiers.order_key,
        order_identifiers.preference,
        order_identifiers.identifier_type,
        customer_identifiers.customer_key
    from order_identifiers
    inner join customer_identifiers
        on
            order_identifiers.identifier_type = customer_identifiers.identifier_type
            and order_identifiers.identifier_value = customer_identifiers.identifier_value
),

resolved_per_order as (
    select
        order_key,
        {{ shoplog.min_by('customer_key', 'preference') }} as customer_key,
        {{ shoplog.min_by('identifier_type', 'preference') }} as resolved_by,
        count(distinct customer_key) as resolved_customers
    from resolved
    group by order_key
)

select
    orders.order_key,
    resolved_per_order.customer_key,
    cast(resolved_per_order.resolved_by as varchar(40)) as resolved_by,
    cast(coalesce(resolved_per_order.resolved_customers, 0) as bigint) as resolved_customers
from orders
left join resolved_per_order
    on orders.order_key = resolved_per_order.order_key
