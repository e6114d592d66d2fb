{{ config(**shoplog.log_incremental_config(
    unique_key='_batch_id', partition_by=['_batch_id'])) }}
-- Every raw Shopify order version, parsed and typed as far as it goes, with the checks it fails.
-- Incremental: a run parses only the batches it has not seen (macro unseen_batches).
{%- set checks = shoplog.record_checks('payload', 'unparsable_json')
    + shoplog.field_checks('id', 'order_id_text', 'order_id')
    + shoplog.field_checks('created_at', 'created_at_text', 'created_at')
    + shoplog.field_checks('updated_at', 'updated_at_text', 'updated_at')
    + shoplog.field_checks('currency', 'currency_text', 'currency')
    + shoplog.field_checks('total_price', 'total_price_text', 'total_price')
    + shoplog.field_checks('current_total_price', 'current_total_price_text',
                           'current_total_price', required=false)
    + [
        ('impossible_amount',
            'total_price < 0 or current_total_price < 0 or current_total_price > total_price'),
        ('timestamp_out_of_range', shoplog.out_of_range('created_at', '_loaded_at')),
    ] %}

with

source as (
    select * from {{ source('shopify', 'shopify_orders') }}
    where {{ shoplog.unseen_batches() }}
),

parsed as {{ shoplog.materialized_cte() }}(
    select
        _batch_id,
        _line_number,
        _source_file,
        _loaded_at,
        record,
        {{ shoplog.try_json('record') }} as payload
    from source
),

extracted as (
    select
        parsed.*,
        {{ shoplog.json_text('payload', 'id') }} as order_id_text,
        {{ shoplog.json_text('payload', 'name') }} as order_name,
        {{ shoplog.json_text('payload', 'email') }} as email_original,
        {{ shoplog.json_text('payload', 'created_at') }} as created_at_text,
        {{ shoplog.json_text('payload', 'updated_at') }} as updated_at_text,
        {{ shoplog.json_text('payload', 'currency') }} as currency_text,
        {{ shoplog.json_text('payload', 'financial_status') }} as financial_status,
        {{ shoplog.json_text('payload', 'total_price') }} as total_price_text,
        {{ shoplog.json_text('payload', 'current_total_price') }} as current_total_price_text,
        {{ shoplog.json_text('payload', 'customer.id') }} as customer_id_text,
        {{ shoplog.json_text('payload', 'customer.email') }} as customer_email_original,
        {{ shoplog.json_text('payload', 'customer.phone') }} as customer_phone_original,
        {{ shoplog.json_text('payload', 'line_items') }} as line_items_json
    from parsed
),

typed as {{ shoplog.materialized_cte() }}(
    select
        extracted.*,
        {{ shoplog.cast_or_null('order_id_text', 'bigint') }} as order_id,
        {{ shoplog.cast_or_null('customer_id_text', 'bigint') }} as customer_id,
        {{ shoplog.to_utc_timestamp('created_at_text') }} as created_at,
        {{ shoplog.to_utc_timestamp('updated_at_text') }} as updated_at,
        {{ shoplog.currency_code('currency_text') }} as currency,
        {{ shoplog.cast_or_null('total_price_text', 'decimal(18,2)') }} as total_price,
        {{ shoplog.cast_or_null('current_total_price_text', 'decimal(18,2)') }}
            as current_total_price
    from extracted
),

checked as (
    select
        typed.*,
        {{ shoplog.reject_reasons(checks) }} as reject_reasons,
        {{ shoplog.reject_details(checks) }} as reject_details
    from typed
)

select
    _batch_id,
    _line_number,
    _source_file,
    _loaded_at,
    order_id,
    order_name,
    email_original,
    {{ shoplog.normalize_email_basic('email_original') }} as email,
    created_at,
    updated_at,
    currency,
    financial_status,
    total_price,
    coalesce(current_total_price, total_price) as current_total_price,
    customer_id,
    customer_email_original,
    {{ shoplog.normalize_email_basic('customer_email_original') }} as customer_email,
    customer_phone_original,
    {{ shoplog.normalize_phone('customer_phone_original') }} as customer_phone,
    line_items_json,
    reject_reasons,
    reject_details
from checked
