-- unpivot gives one row per input row and column not excluded, the column's name in
-- field_name and its value cast to text, carries the excluded columns, and keeps nulls.
-- Returns one row per broken rule.
with

orders as (
    select * from {{ ref('int_orders_unioned') }}
),

melted as (
    {{ shoplog.unpivot(
        relation=ref('int_orders_unioned'),
        cast_to=dbt.type_string(),
        exclude=['order_key'],
        field_name='field_name',
        value_name='field_value'
    ) }}
),

checks as (
    select
        'one row per input row and melted column' as rule,
        (select count(*) from melted)
        = (select count(*) from orders) * (select count(distinct field_name) from melted)
            as holds
    union all
    select
        'excluded column is carried, not melted',
        (
            select count(*) from melted
            where field_name = 'order_key'
        ) = 0
        and (select count(distinct order_key) from melted) = (select count(*) from orders)
    union all
    select
        'nulls are kept as rows with a null value',
        (
            select count(*) from melted
            where field_name = 'anonymous_id' and field_value is null
        )
        = (
            select count(*) from orders
            where anonymous_id is null
        )
    union all
    select
        'values are the columns cast to text',
        (
            select count(*) from melted
            inner join orders on melted.order_key = orders.order_key
            where
                melted.field_name = 'net_amount'
                and melted.field_value = cast(orders.net_amount as {{ dbt.type_string() }})
        )
        = (select count(*) from orders)
)

select rule
from checks
where not holds
