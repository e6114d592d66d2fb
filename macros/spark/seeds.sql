{#- Seeds on Spark: dbt-spark's session mode pastes seed values into its insert unescaped, so a
    value with a quote breaks the statement. This override (dbt's spark__load_csv_rows) writes
    each value as an escaped literal instead. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(
                            col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ shoplog.spark_literal(row[loop.index0]) }} as {{ type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{#- A Python value as a Spark SQL literal (backslash escapes in Spark string literals). -#}
{% macro spark_literal(value) -%}
    {%- if value is none -%}null
    {%- elif value is sameas true -%}true
    {%- elif value is sameas false -%}false
    {%- elif value is number -%}{{ value }}
    {%- else -%}'{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
