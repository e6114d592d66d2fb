-- union_relations keeps every row of every relation, aligns columns by name, gives a column
-- that a relation lacks as null on that relation's rows, keeps nulls, names each row's
-- relation, and keeps only the `include` columns when asked. Returns one row per broken rule.
with

shopify as (
    select * from {{ ref('int_shopify_orders_prepared') }}
),

braintree as (
    select * from {{ ref('int_braintree_orders_prepared') }}
),

unioned as (
    {{ shoplog.union_relations(
        [ref('int_shopify_orders_prepared'), ref('int_braintree_orders_prepared')]
    ) }}
),

included as (
    {{ shoplog.union_relations(
        [ref('int_braintree_orders_prepared'), ref('int_shopify_orders_prepared')],
        source_column_name='origin',
        include=['anonymous_id', 'source_order_id']
    ) }}
),

checks as (
    select
        'every row kept' as rule,
        (select count(*) from unioned)
        = (select count(*) from shopify) + (select count(*) from braintree) as holds
    union all
    select
        'source column names the relation',
        (
            select count(*) from unioned
            where _source_relation = 'int_shopify_orders_prepared'
        )
        = (select count(*) from shopify)
    union all
    select
        'a column the second relation lacks is null on its rows',
        (
            select count(*) from unioned
            where
                _source_relation = 'int_braintree_orders_prepared'
                and (
                    shopify_customer_id is not null or anonymous_id is not null
                    or customer_email is not null
                )
        ) = 0
    union all
    select
        'a column the first relation lacks is null on its rows',
        (
            select count(*) from unioned
            where
                _source_relation = 'int_shopify_orders_prepared'
                and braintree_customer_id is not null
        ) = 0
    union all
    select
        'values are carried by name',
        (
            select count(*) from unioned
            where
                _source_relation = 'int_braintree_orders_prepared'
                and braintree_customer_id is not null
        )
        = (
            select count(*) from braintree
            where braintree_customer_id is not null
        )
    union all
    select
        'nulls are kept',
        (
            select count(*) from unioned
            where _source_relation = 'int_shopify_orders_prepared' and anonymous_id is null
        )
        = (
            select count(*) from shopify
            where anonymous_id is null
        )
    union all
    select
        'include keeps only the listed columns, with their values',
        (
            select count(*) from included
            inner join shopify
                on
                    included.source_order_id = shopify.source_order_id
                    and included.origin = 'int_shopify_orders_prepared'
            where
                included.anonymous_id = shopify.anonymous_id
                or (included.anonymous_id is null and shopify.anonymous_id is null)
        )
        = (select count(*) from shopify)
    union all
    select
        'include keeps every row',
        (
            select count(*) from included
            where origin = 'int_braintree_orders_prepared'
        )
        = (select count(*) from braintree)
)

select rule
from checks
where not holds
