-- surrogate_key never gives null, tells a null from '' and from a null in another column,
-- and gives the same key for the same values. Returns one row per broken rule.
with

cases as (
    select
        1 as case_id,
        cast(null as {{ dbt.type_string() }}) as a,
        cast('x' as {{ dbt.type_string() }}) as b
    union all
    select
        2,
        '',
        'x'
    union all
    select
        3,
        'x',
        null
    union all
    select
        4,
        null,
        null
    union all
    select
        5,
        'x',
        ''
    union all
    select
        6,
        null,
        'x'
),

keyed as (
    select
        case_id,
        {{ shoplog.surrogate_key(['a', 'b']) }} as surrogate
    from cases
),

checks as (
    select
        'never null, always an md5 hex digest' as rule,
        (
            select count(*) from keyed
            where surrogate is null or length(surrogate) != 32) = 0
            as holds
    union all
    select
        'different values (null, empty, position) give different keys',
        (
            select count(distinct surrogate) from keyed
            where case_id <= 5
        ) = 5
    union all
    select
        'the same values give the same key',
        (
            select surrogate from keyed
            where case_id = 6
        )
        = (
            select surrogate from keyed
            where case_id = 1
        )
)

select rule
from checks
where not holds
