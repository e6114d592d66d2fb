{#- A FROM-clause fragment: one row per element of a JSON array held as text, as
    <alias>.item (the element, JSON) and <alias>.position (1-based). Rows whose array is empty
    or null produce nothing, like any inner lateral join. -#}
{% macro cross_join_json_array(text_expr, alias) -%}
    {{ return(adapter.dispatch('cross_join_json_array', 'shoplog')(text_expr, alias)) }}
{%- endmacro %}

{% macro default__cross_join_json_array(text_expr, alias) -%}
    cross join unnest(json_extract(cast({{ text_expr }} as json), '$[*]'))
        with ordinality as {{ alias }}(item, position)
{%- endmacro %}

{% macro postgres__cross_join_json_array(text_expr, alias) -%}
    cross join lateral jsonb_array_elements(cast({{ text_expr }} as jsonb))
        with ordinality as {{ alias }}(item, position)
{%- endmacro %}

{#- Spark: a lateral view over the array's elements (as JSON text), positions made 1-based. -#}
{% macro spark__cross_join_json_array(text_expr, alias) -%}
    lateral view inline(transform(
        from_json({{ text_expr }}, 'array<string>'),
        (element, index) -> named_struct('item', element, 'position', index + 1)
    )) {{ alias }}
{%- endmacro %}
