{#- Check lists shared by the base models, as (code, condition) pairs for reject_reasons. -#}

{#- Checks every raw record gets: its bytes are text, it is not empty, it parses.
    parsed: the column holding the parse result (null when the record does not parse). -#}
{% macro record_checks(parsed, unparsable_code) -%}
    {{ return([
        ('invalid_utf8', 'record is null'),
        ('empty_record', "record is not null and trim(record) = ''"),
        (unparsable_code, "trim(record) != '' and " ~ parsed ~ " is null"),
    ]) }}
{%- endmacro %}

{#- missing_<name> when a required field is absent from a parsed record, and mistyped_<name>
    when it is present but does not convert.
    parsed_condition: true when the record parsed (only then can a field be missing). -#}
{% macro field_checks(name, text_column, typed_column=none, required=true,
                      parsed_condition='payload is not null') -%}
    {%- set checks = [] -%}
    {%- if required -%}
        {%- do checks.append(('missing_' ~ name,
                              parsed_condition ~ ' and ' ~ text_column ~ ' is null')) -%}
    {%- endif -%}
    {%- if typed_column is not none -%}
        {%- do checks.append(('mistyped_' ~ name,
                              text_column ~ ' is not null and ' ~ typed_column ~ ' is null')) -%}
    {%- endif -%}
    {{ return(checks) }}
{%- endmacro %}
