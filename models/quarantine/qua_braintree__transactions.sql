{{ config(alias='braintree_transactions') }}
-- Braintree export rows that failed the checks, with every reason and their place in the log.
{{ shoplog.quarantined(
    'base_braintree__transactions',
    source('braintree', 'braintree_transactions'),
    ['transaction_id', 'order_id']
) }}
