-- Every identifier a customer is known by across the web store, Shopify and Braintree, with
-- the customer it resolves to (see int_customer_identifiers for the rules).
with

customer_identifiers as (
    select * from {{ ref('int_customer_identifiers') }}
)

select
    customer_key,
    identifier_type,
    identifier_value
from customer_identifiers
