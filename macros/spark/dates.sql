{#- dbt-spark's dateadd goes through unix seconds and drops fractional seconds; the project's
    timestamps carry microseconds, so Spark adds intervals with timestampadd instead (this
    overrides dbt's spark__dateadd, which dbt.dateadd dispatches to). -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{#- A double-precision float type: `double precision` is not Spark SQL. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'shoplog')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
