{{ config(**shoplog.log_incremental_config(
    unique_key='_batch_id', partition_by=['_batch_id'])) }}
-- Every raw Braintree export row, split into its CSV fields and typed as far as it goes,
-- with the checks it fails. Fields are read by position in the documented export layout;
-- a file whose header differs from that layout has all its rows quarantined.
-- Incremental: a run splits only the batches it has not seen (macro unseen_batches).
{%- set expected_header = 'transaction_id,type,status,created_at,amount,currency_iso_code,'
    ~ 'payment_instrument_type,customer_id,customer_email,customer_phone,order_id,line_items_json' %}
{%- set columns = expected_header.split(',') %}

{%- set row_ok = 'field_count = ' ~ columns | length %}
{%- set checks = shoplog.record_checks('fields', 'unparsable_csv')
    + [
        ('unexpected_header', "coalesce(header, '') != '" ~ expected_header ~ "'"),
        ('wrong_column_count', 'fields is not null and not ' ~ row_ok),
    ]
    + shoplog.field_checks('transaction_id', 'transaction_id_text', parsed_condition=row_ok)
    + shoplog.field_checks('created_at', 'created_at_text', 'created_at', parsed_condition=row_ok)
    + shoplog.field_checks('amount', 'amount_text', 'amount', parsed_condition=row_ok)
    + shoplog.field_checks('currency', 'currency_iso_code_text', 'currency', required=false)
    + [
        ('impossible_amount', row_ok ~ ' and amount < 0'),
        ('unknown_type', row_ok ~ " and coalesce(type_text, '') not in ('sale', 'credit')"),
        ('unparsable_line_items',
            row_ok ~ ' and line_items_json_text is not null and line_items is null'),
        ('timestamp_out_of_range', shoplog.out_of_range('created_at', '_loaded_at')),
    ] %}

with

source as (
    select * from {{ source('braintree', 'braintree_transactions') }}
    where {{ shoplog.unseen_batches() }}
),

batches as (
    select * from {{ source('load_log', '_load_batches') }}
),

split as {{ shoplog.materialized_cte() }}(
    select
        source._batch_id,
        source._line_number,
        source._source_file,
        source._loaded_at,
        source.record,
        batches.header,
        {{ shoplog.csv_fields('source.record') }} as fields
    from source
    left join batches
        on source._batch_id = batches.batch_id
),

-- the indentation of the columns the loop renders is beyond the linter: no LT02 here
-- noqa: disable=LT02
extracted as (
    select
        split.*,
        {{ shoplog.array_size('fields') }} as field_count
        {%- for column in columns %},
        {{ shoplog.csv_field('fields', loop.index) }} as {{ column }}_text
        {%- endfor %}
    from split
),
-- noqa: enable=LT02

typed as {{ shoplog.materialized_cte() }}(
    select
        extracted.*,
        {{ shoplog.to_utc_timestamp('created_at_text') }} as created_at,
        {{ shoplog.cast_or_null('amount_text', 'decimal(18,2)') }} as amount,
        {{ shoplog.currency_code('currency_iso_code_text') }} as currency,
        {{ shoplog.try_json_array('line_items_json_text') }} as line_items
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
    transaction_id_text as transaction_id,
    type_text as transaction_type,
    status_text as status,
    created_at,
    amount,
    currency,
    payment_instrument_type_text as payment_instrument_type,
    customer_id_text as customer_id,
    customer_email_text as customer_email_original,
    {{ shoplog.normalize_email_basic('customer_email_text') }} as customer_email,
    customer_phone_text as customer_phone_original,
    {{ shoplog.normalize_phone('customer_phone_text') }} as customer_phone,
    order_id_text as order_id,
    line_items_json_text as line_items_json,
    reject_reasons,
    reject_details
from checked
