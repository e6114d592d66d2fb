-- set_digest gives equal digests to groups with the same lines, whatever their order, and
-- different ones when a line changes, is repeated or is missing, or when the salt differs.
-- Returns one row per broken rule.
{%- set base = ['order|2026-06-01|12.50', 'session|2026-06-02|3', 'session|2026-06-03|1'] %}
{%- set groups = {
    'base': base,
    'reversed': base | reverse | list,
    'changed': ['order|2026-06-01|12.51'] + base[1:],
    'repeated': base + [base[2]],
    'missing': base[:2],
} %}

with

lines as (
    {%- for group_name, group_lines in groups.items() %}
    {%- for line in group_lines %}
    select
        '{{ group_name }}' as group_name,
        cast('{{ line }}' as {{ dbt.type_string() }}) as line
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

digests as (
    select
        group_name,
        {{ shoplog.set_digest('line', salt='30') }} as digest,
        {{ shoplog.set_digest('line', salt='31') }} as other_salt_digest
    from lines
    group by group_name
),

side_by_side as (
    select
        {%- for group_name in groups %}
        max(case when group_name = '{{ group_name }}' then digest end) as {{ group_name }},
        {%- endfor %}
        max(case when group_name = 'base' then other_salt_digest end) as other_salt
    from digests
),

checks as (
    select
        'the same lines in another order give the same digest' as rule,
        base = reversed as holds
    from side_by_side
    union all
    select
        'a changed line changes the digest',
        base != changed
    from side_by_side
    union all
    select
        'a repeated line changes the digest',
        base != repeated
    from side_by_side
    union all
    select
        'a missing line changes the digest',
        base != missing
    from side_by_side
    union all
    select
        'another salt changes the digest',
        base != other_salt
    from side_by_side
)

select rule
from checks
where not coalesce(holds, false)
