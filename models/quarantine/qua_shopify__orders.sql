{{ config(alias='shopify_orders') }}
-- Shopify order versions that failed the checks, with every reason and their place in the log.
{{ shoplog.quarantined(
    'base_shopify__orders',
    source('shopify', 'shopify_orders'),
    ['order_id', 'order_name']
) }}
