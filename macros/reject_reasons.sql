{#- Every failing check of a record, as machine-readable codes and as readable text.
    checks: a list of (code, condition) pairs; a condition true means the record fails.
    Codes are joined by ',' and texts by '; ' in the order given; null when all pass, so a
    record failing several checks shows all of them. -#}
{% macro reject_reasons(checks) -%}
    {{ shoplog._joined_failures(checks, ',', false) }}
{%- endmacro %}

{% macro reject_details(checks) -%}
    {{ shoplog._joined_failures(checks, '; ', true) }}
{%- endmacro %}

{% macro _joined_failures(checks, separator, as_text) -%}
    nullif(substr(
        {%- for code, condition in checks %}
        case when {{ condition }}
             then '{{ separator }}{{ shoplog.describe_reject_reason(code) if as_text else code }}'
             else '' end
        {%- if not loop.last %} || {% endif -%}
        {%- endfor %}
    , {{ separator | length + 1 }}), '')
{%- endmacro %}

{#- The readable text of a reason code, derived at compile time (no query). -#}
{% macro describe_reject_reason(code) -%}
    {%- set fixed = {
        'invalid_utf8': 'the line is not valid UTF-8 text (its bytes are kept in raw.record_bytes)',
        'empty_record': 'the line is empty',
        'unparsable_json': 'the line is not a JSON object',
        'unparsable_csv': 'the line is not well-formed CSV',
        'wrong_column_count': 'the row does not have the 12 columns of the export layout',
        'unexpected_header': 'the file header differs from the documented export layout',
        'unknown_event_type': 'event_type is not in the event contract',
        'unknown_type': 'type is neither sale nor credit',
        'impossible_quantity': 'quantity is outside the range the contract allows',
        'impossible_price': 'price is negative or above the contract maximum',
        'impossible_amount': 'an amount is negative or a refund exceeds the total',
        'unparsable_line_items': 'line_items_json is not a JSON array',
        'timestamp_out_of_range': 'the timestamp is before shoplog_min_ts or in the future',
    } -%}
    {%- if code in fixed -%}{{ fixed[code] }}
    {%- elif code.startswith('missing_') -%}{{ code[8:] }} is missing
    {%- elif code.startswith('mistyped_') -%}{{ code[9:] }} does not have the expected type
    {%- else -%}{{ code }}
    {%- endif -%}
{%- endmacro %}
