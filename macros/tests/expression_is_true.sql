{#- Generic test: every row satisfies a SQL boolean expression (the failing rows are returned). -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
