{#- A JSON object parsed from text, or null when the text is not a JSON object.
    PostgreSQL 15 raises on an invalid jsonb cast, so it goes through a helper function. -#}
{% macro try_json(text_expr) -%}
    {{ return(adapter.dispatch('try_json', 'shoplog')(text_expr)) }}
{%- endmacro %}

{% macro default__try_json(text_expr) -%}
    case when json_valid({{ text_expr }}) and json_type({{ text_expr }}) = 'OBJECT'
              and not {{ shoplog.duckdb_json_leniency(text_expr) }}
         then cast({{ text_expr }} as json) end
{%- endmacro %}

{#- DuckDB's JSON reader accepts what RFC 8259 and PostgreSQL reject: trailing commas, NaN and
    Infinity; PostgreSQL's jsonb also rejects the \u0000 escape. True for such texts, so that
    every engine quarantines exactly the same records. String contents are blanked first, so
    a ",}" inside a string value does not count. A \u0000 counts only as an escape: after an
    odd number of backslashes (an escaped backslash followed by the text u0000 is valid). -#}
{% macro duckdb_json_leniency(text_expr) -%}
    (regexp_matches(
        regexp_replace({{ text_expr }}, '"(?:[^"\\]|\\.)*"', '""', 'g'),
        ',\s*[}\]]|NaN|Infinity')
     {#- the cheap substring test first: the pattern runs only on the rare texts holding it #}
     or case
         when contains({{ text_expr }}, '\u0000')
             then regexp_matches({{ text_expr }}, '{{ shoplog.json_nul_escape_pattern() }}')
         else false
     end)
{%- endmacro %}

{#- A \u0000 escape in JSON text: the u0000 after an odd number of backslashes. -#}
{% macro json_nul_escape_pattern() -%}(?:^|[^\\])(?:\\\\)*\\u0000{%- endmacro %}

{% macro postgres__try_json(text_expr) -%}
    {{ target.schema }}.shoplog_try_jsonb_object({{ text_expr }})
{%- endmacro %}

{#- A JSON array parsed from text, or null when the text is not a JSON array. -#}
{% macro try_json_array(text_expr) -%}
    {{ return(adapter.dispatch('try_json_array', 'shoplog')(text_expr)) }}
{%- endmacro %}

{% macro default__try_json_array(text_expr) -%}
    case when json_valid({{ text_expr }}) and json_type({{ text_expr }}) = 'ARRAY'
              and not {{ shoplog.duckdb_json_leniency(text_expr) }}
         then cast({{ text_expr }} as json) end
{%- endmacro %}

{% macro postgres__try_json_array(text_expr) -%}
    {{ target.schema }}.shoplog_try_jsonb_array({{ text_expr }})
{%- endmacro %}

{#- Spark has no JSON type: a valid object stays text, read with get_json_object. Its parser
    would take single-quoted strings and NaN, so options forbid them, and the shared leniency
    check rejects trailing commas and \u0000 as on the other engines. -#}
{% macro spark__try_json(text_expr) -%}
    case when {{ shoplog.spark_json_valid(text_expr, 'map<string,string>') }}
         then {{ text_expr }} end
{%- endmacro %}

{% macro spark__try_json_array(text_expr) -%}
    case when {{ shoplog.spark_json_valid(text_expr, 'array<string>') }}
         then {{ text_expr }} end
{%- endmacro %}

{% macro spark_json_valid(text_expr, schema) -%}
    (from_json({{ text_expr }}, '{{ schema }}',
               map('allowSingleQuotes', 'false', 'allowNonNumericNumbers', 'false')) is not null
     and not {{ shoplog.spark_json_leniency(text_expr) }})
{%- endmacro %}

{#- Spark's parser also stops after the first value, so '{"a":1} x' would pass: with strings
    blanked and whitespace gone, nothing may follow the bracket that closes the first value. -#}
{% macro spark_json_leniency(text_expr) -%}
    {%- set blanked = "regexp_replace(" ~ text_expr ~ ", '\"(?:[^\"\\\\\\\\]|\\\\\\\\.)*+\"', '\"\"')" -%}
    ({{ blanked }} rlike ',\\s*[}\\]]|NaN|Infinity'
     or {{ text_expr }} rlike '(?:^|[^\\\\])(?:\\\\\\\\)*\\\\u0000'
     or aggregate(
            split(regexp_replace({{ blanked }}, '\\s', ''), ''),
            named_struct('depth', 0, 'closed', false, 'trailing', false),
            (state, c) -> named_struct(
                'depth', state.depth + {{ shoplog.spark_json_bracket_step('c') }},
                'closed', state.closed
                    or state.depth + {{ shoplog.spark_json_bracket_step('c') }} = 0,
                'trailing', state.trailing or state.closed),
            state -> state.trailing))
{%- endmacro %}

{% macro spark_json_bracket_step(c) -%}
    case when {{ c }} in ('{', '[') then 1 when {{ c }} in ('}', ']') then -1 else 0 end
{%- endmacro %}
