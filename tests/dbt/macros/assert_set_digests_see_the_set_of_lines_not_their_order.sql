-- set_digest and portable_set_digest give equal digests to groups with the same lines,
-- whatever their order, and different ones when a line changes, is repeated or is missing;
-- set_digest's also differ with the salt. portable_set_digest is the same on every engine:
-- the base lines' digest is the one computed outside SQL, in Python -
--   s = sum(int(md5(line).hexdigest()[:15], 16) for line in base); md5(f"3|{s}").hexdigest()
-- Returns one row per broken rule.
{%- set base = ['order|2026-06-01|12.50', 'session|2026-06-02|3', 'session|2026-06-03|1'] %}
{%- set base_portable_digest = '1302acd2c5184a169ba3a3b04a922bad' %}
{%- set groups = {
    'base': base,
    'reversed': base | reverse | list,
    'changed': ['order|2026-06-01|12.51'] + base[1:],
    'repeated': base + [base[2]],
    'missing': base[:2],
} %}
{%- set kinds = ['salted', 'portable'] %}

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
        {{ shoplog.set_digest('line', salt='30') }} as salted,
        {{ shoplog.set_digest('line', salt='31') }} as other_salt,
        {{ shoplog.portable_set_digest('line') }} as portable
    from lines
    group by group_name
),

side_by_side as (
    select
        {%- for kind in kinds %}
        {%- for group_name in groups %}
        max(case when group_name = '{{ group_name }}' then {{ kind }} end)
            as {{ kind }}_{{ group_name }},
        {%- endfor %}
        {%- endfor %}
        max(case when group_name = 'base' then other_salt end) as other_salt_base
    from digests
),

checks as (
    {%- for kind in kinds %}
    select
        '{{ kind }}: the same lines in another order give the same digest' as rule,
        {{ kind }}_base = {{ kind }}_reversed as holds
    from side_by_side
    union all
    select
        '{{ kind }}: a changed line changes the digest',
        {{ kind }}_base != {{ kind }}_changed
    from side_by_side
    union all
    select
        '{{ kind }}: a repeated line changes the digest',
        {{ kind }}_base != {{ kind }}_repeated
    from side_by_side
    union all
    select
        '{{ kind }}: a missing line changes the digest',
        {{ kind }}_base != {{ kind }}_missing
    from side_by_side
    union all
    {%- endfor %}
    select
        'another salt changes the digest',
        salted_base != other_salt_base
    from side_by_side
    union all
    select
        'the portable digest is the one computed outside SQL',
        portable_base = '{{ base_portable_digest }}'
    from side_by_side
)

select rule
from checks
where not coalesce(holds, false)
