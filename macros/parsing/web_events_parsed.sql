{#- The browser events of a raw log relation, parsed and typed as far as they go, with every
    contract check they fail (reject_reasons, reject_details). One row per raw row.
    Shared by base_web__events (the materialized log) and stg_web__events_tail (the fresh tail
    of the log), so both type events exactly the same way.
    raw_relation: a relation or CTE name with the raw log's columns. -#}
{% macro web_events_parsed(raw_relation) -%}
{%- set checks = shoplog.record_checks('payload', 'unparsable_json')
    + shoplog.field_checks('event_id', 'event_id')
    + shoplog.field_checks('event_type', 'typed.event_type')
    + [('unknown_event_type', 'typed.event_type is not null and event_contract.event_type is null')]
    + shoplog.field_checks('client_ts', 'client_ts_text', 'client_ts')
    + shoplog.field_checks('received_at', 'received_at_text', 'received_at', required=false)
    + shoplog.field_checks('sku', 'sku', parsed_condition='event_contract.requires_sku')
    + shoplog.field_checks('price', 'price_text', 'price',
                           parsed_condition='event_contract.requires_price')
    + shoplog.field_checks('quantity', 'quantity_text', 'quantity',
                           parsed_condition='event_contract.requires_quantity')
    + shoplog.field_checks('user_email', 'user_email_original',
                           parsed_condition='event_contract.requires_user_email')
    + shoplog.field_checks('order_ref', 'order_ref',
                           parsed_condition='event_contract.requires_order_ref')
    + [
        ('impossible_quantity',
            'quantity < event_contract.min_quantity or quantity > event_contract.max_quantity'),
        ('impossible_price', 'price < 0 or price > event_contract.max_price'),
        ('timestamp_out_of_range', shoplog.out_of_range('client_ts', '_loaded_at')),
    ] %}

with


event_contract as (
    select * from {{ ref('event_contract') }}
),

parsed as {{ shoplog.materialized_cte() }}(
    select
        _batch_id,
        _line_number,
        _source_file,
        _loaded_at,
        record,
        {{ shoplog.try_json('record') }} as payload
    from {{ raw_relation }}
),

extracted as (
    select
        parsed.*,
        {{ shoplog.json_text('payload', 'event_id') }} as event_id,
        {{ shoplog.json_text('payload', 'event_type') }} as event_type,
        {{ shoplog.json_text('payload', 'anonymous_id') }} as anonymous_id,
        {{ shoplog.json_text('payload', 'user_email') }} as user_email_original,
        {{ shoplog.json_text('payload', 'sku') }} as sku,
        {{ shoplog.json_text('payload', 'price') }} as price_text,
        {{ shoplog.json_text('payload', 'quantity') }} as quantity_text,
        {{ shoplog.json_text('payload', 'order_ref') }} as order_ref,
        {{ shoplog.json_text('payload', 'client_ts') }} as client_ts_text,
        {{ shoplog.json_text('payload', 'received_at') }} as received_at_text,
        {{ shoplog.json_text('payload', 'page_url') }} as page_url,
        {{ shoplog.json_text('payload', 'user_agent') }} as user_agent
    from parsed
),

typed as {{ shoplog.materialized_cte() }}(
    select
        extracted.*,
        {{ shoplog.cast_or_null('price_text', 'decimal(18,2)') }} as price,
        {{ shoplog.cast_or_null('quantity_text', 'bigint') }} as quantity,
        {{ shoplog.to_utc_timestamp('client_ts_text') }} as client_ts,
        {{ shoplog.to_utc_timestamp('received_at_text') }} as received_at
    from extracted
),

checked as (
    select
        typed.*,
        {{ shoplog.reject_reasons(checks) }} as reject_reasons,
        {{ shoplog.reject_details(checks) }} as reject_details
    from typed
    left join event_contract
        on typed.event_type = event_contract.event_type
)

select
    _batch_id,
    _line_number,
    _source_file,
    _loaded_at,
    event_id,
    event_type,
    anonymous_id,
    user_email_original,
    {{ shoplog.normalize_email_basic('user_email_original') }} as user_email,
    sku,
    price,
    quantity,
    order_ref,
    client_ts,
    coalesce(received_at, _loaded_at) as received_at,
    page_url,
    user_agent,
    reject_reasons,
    reject_details
from checked
{%- endmacro %}
