{#- A pre-hook: on PostgreSQL, the sort and hash memory of the model's own transaction
    (`set local`, so nothing else is affected). For a model whose plan sorts and aggregates
    millions of joined rows: at PostgreSQL's default 4 MB they spill to disk. Other engines
    manage their memory themselves: nothing there. -#}
{% macro work_mem(size) -%}
    {{ return(adapter.dispatch('work_mem', 'shoplog')(size)) }}
{%- endmacro %}

{% macro default__work_mem(size) -%}{%- endmacro %}

{% macro postgres__work_mem(size) -%}set local work_mem = '{{ size }}'{%- endmacro %}
