{#- on-run-end hook: fails a `dbt build`/`dbt run` when any model or seed of this project, or
    any column of its built relation, has no description. Columns are read from the
    warehouse, so a column added in SQL but forgotten in YAML is caught too. -#}
{% macro check_documentation() -%}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set problems = [] -%}
        {%- set nodes = [] -%}
        {%- for node in graph.nodes.values()
                if node.resource_type in ('model', 'seed') and node.package_name == 'shoplog' -%}
            {%- do nodes.append(node) -%}
        {%- endfor -%}
        {%- set built = shoplog.built_columns(nodes) -%}
        {%- for node in nodes -%}
            {%- if not (node.description or '') | trim -%}
                {%- do problems.append(node.name ~ ' has no description') -%}
            {%- endif -%}
            {%- set documented = {} -%}
            {%- for name, column in node.columns.items() -%}
                {%- do documented.update({name | lower: (column.description or '') | trim}) -%}
            {%- endfor -%}
            {%- for name in built.get(node.unique_id, []) -%}
                {%- if name != '_dedupe_rank' and not documented.get(name) -%}
                    {%- do problems.append(node.name ~ '.' ~ name ~ ' has no description') -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                'undocumented (describe them in YAML): ' ~ problems | join('; ')) }}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
