{#- The rows of a relation or CTE kept once per partition: the first by order_by.
    Rows whose partition key is null are kept, never collapsed (null is not a key).
    order_by must make the order total, or the row kept is not deterministic.
    The result carries an extra column _dedupe_rank; select the columns you need. -#}
{% macro dedupe(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch('dedupe', 'shoplog')(relation, partition_by, order_by)) }}
{%- endmacro %}

{#- A subquery rather than qualify: PostgreSQL and Spark have no qualify clause. -#}
{% macro default__dedupe(relation, partition_by, order_by) -%}
    select ranked.*
    from (
        select
            *,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }})
                as _dedupe_rank
        from {{ relation }}
    ) as ranked
    where _dedupe_rank = 1 or {{ shoplog._any_null(partition_by) }}
{%- endmacro %}

{% macro _any_null(column_list) -%}
    ({%- for c in column_list.split(',') -%}
        {{ c | trim }} is null{% if not loop.last %} or {% endif %}
    {%- endfor -%})
{%- endmacro %}
