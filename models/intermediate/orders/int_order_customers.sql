-- The customer behind every order: the order's identifiers (its channel's customer id, its
-- emails, phone and buying browser), normalized as the identity graph normalizes them, looked
-- up in int_customer_identifiers. Identifiers on one order are one record of the graph, so
-- they all resolve to the same customer; the first that resolves is kept, in the order
-- below. An order whose identifiers are all junk (or unknown) has no customer.
--
-- Incremental: a run resolves again only the orders whose row can have changed:
--   1. the orders changed in batches it has not seen (their last_batch_id);
--   2. the orders whose resolving identifier now belongs to another customer, or to none
--      (identities merge, split and gain an older anchor; an identifier turns junk);
--   3. the orders whose buying browser was observed in those batches: the browser is the one
--      identifier not observed with the order itself (int_identifiers_observed reads the order's
--      ids, emails and phone from its own record), so it alone can become known later;
--   4. every order when the junk rules changed (the identifier_blocklist seed, var
--      identity_max_degree; identity_rules_digest): only they can free a junk identifier.
-- Identifiers only join the graph and only turn junk as the log grows, so nothing else can
-- move an order's customer or the identifier it is found through.
{{ config(**shoplog.log_incremental_config(
    unique_key='order_key', batch_column='last_batch_id',
    on_schema_change='append_new_columns')) }}
-- depends_on: {{ ref('int_identifiers_observed') }}
{%- set incremental = is_incremental() and execute
    and shoplog.has_column(this, 'identity_rules_digest') %}
with

-- both inlined on PostgreSQL: it computes a CTE read twice whole, before any filter, and cannot
-- estimate joins over it (the incremental query took 18 to 41 s materialized, 3.5 s inlined)
all_orders as {{ shoplog.inlined_cte() }}(
    select * from {{ ref('int_orders_unioned') }}
),

customer_identifiers as {{ shoplog.inlined_cte() }}(
    select * from {{ ref('int_customer_identifiers') }}
),

blocklist as (
    select * from {{ ref('identifier_blocklist') }}
),

identity_rules as (
    select
        {{ dbt.hash(dbt.concat([
            "'identity_max_degree " ~ var('identity_max_degree') ~ "|'",
            "coalesce(" ~ shoplog.portable_set_digest(shoplog.digest_text(
                ['identifier_type', 'identifier_value'], prefix='blocked')) ~ ", '')",
        ])) }} as identity_rules_digest
    from blocklist
),

{% if incremental -%}
browsers_observed as (
    select distinct identifier_value
    from {{ ref('int_identifiers_observed') }}
    where
        identifier_type = 'anonymous_id'
        and {{ shoplog.unseen_batches(built_column='last_batch_id') }}
),

changed_orders as (
    select all_orders.order_key
    from all_orders
    where {{ shoplog.unseen_batches(batch_column='last_batch_id') }}
    union
    select built.order_key
    from {{ this }} as built
    left join customer_identifiers
        on
            built.resolved_by = customer_identifiers.identifier_type
            and built.resolved_identifier_value = customer_identifiers.identifier_value
    where
        built.customer_key is not null
        and customer_identifiers.customer_key is distinct from built.customer_key
    union
    select all_orders.order_key
    from all_orders
    inner join browsers_observed
        on
            {{ shoplog.normalize_identifier("'anonymous_id'", 'all_orders.anonymous_id') }}
            = browsers_observed.identifier_value
    union
    select built.order_key
    from {{ this }} as built
    cross join identity_rules
    where built.identity_rules_digest != identity_rules.identity_rules_digest
),

{% endif -%}
orders as (
    {{- shoplog.rows_to_compute('all_orders', 'changed_orders', 'order_key', incremental) }}
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
        order_identifiers.identifier_value,
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
        {{ shoplog.min_by('identifier_value', 'preference') }} as resolved_identifier_value,
        count(distinct customer_key) as resolved_customers
    from resolved
    group by order_key
)

select
    orders.order_key,
    resolved_per_order.customer_key,
    cast(resolved_per_order.resolved_by as varchar(40)) as resolved_by,
    cast(coalesce(resolved_per_order.resolved_customers, 0) as bigint) as resolved_customers,
    cast(resolved_per_order.resolved_identifier_value as {{ dbt.type_string() }})
        as resolved_identifier_value,
    cast(orders.last_batch_id as bigint) as last_batch_id,
    cast(identity_rules.identity_rules_digest as varchar(32)) as identity_rules_digest
from orders
left join resolved_per_order
    on orders.order_key = resolved_per_order.order_key
cross join identity_rules
