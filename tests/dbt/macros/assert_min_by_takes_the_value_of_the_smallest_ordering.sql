-- min_by returns, per group, the value of the row with the smallest ordering - null when that
-- row's value is null - whatever the rows' order. Returns one row per broken rule.
with

cases as (
    select
        1 as group_id,
        cast('late' as {{ dbt.type_string() }}) as val,
        3 as ordering
    union all
    select
        1,
        'first',
        1
    union all
    select
        1,
        'middle',
        2
    union all
    select
        2,
        null,
        1
    union all
    select
        2,
        'second',
        2
),

picked as (
    select
        group_id,
        {{ shoplog.min_by('val', 'ordering') }} as val
    from cases
    group by group_id
),

checks as (
    select
        'the value of the smallest ordering' as rule,
        (
            select val from picked
            where group_id = 1
        ) = 'first' as holds
    union all
    select
        'a null value at the smallest ordering is returned, not skipped',
        (
            select val from picked
            where group_id = 2
        ) is null
)

select rule
from checks
where not coalesce(holds, false)
