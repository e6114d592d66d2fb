{#- An identifier's value as the identity graph keys it, by identifier type: emails by
    normalize_email_identity, phones by normalize_phone, ids (customer ids, anonymous ids)
    trimmed; '' and unknown types give null. type_expr is a SQL expression; when it is a quoted
    literal ('email') only that type's rule is emitted. The same rule serves observed
    identifiers and the blocklist seed, so a blocklist entry matches however it was typed. -#}
{% macro normalize_identifier(type_expr, value_expr) -%}
    {%- set trimmed = "nullif(trim(" ~ value_expr ~ "), '')" -%}
    {%- set rules = {
        'email': shoplog.normalize_email_identity(value_expr),
        'phone': shoplog.normalize_phone(value_expr),
        'shopify_customer_id': trimmed,
        'braintree_customer_id': trimmed,
        'anonymous_id': trimmed,
    } -%}
    {{ shoplog._identifier_rule(type_expr, rules) }}
{%- endmacro %}

{#- True exactly when normalize_identifier gives a value (not null), without computing it:
    a cheap filter, so a model need not filter on the normalized value (which engines may
    then compute twice). A phone needs a digit; anything else a non-blank value. -#}
{% macro identifier_is_present(type_expr, value_expr) -%}
    {%- set not_blank = "trim(" ~ value_expr ~ ") != ''" -%}
    {%- set rules = {
        'email': not_blank,
        'phone': "translate(" ~ value_expr ~ ", '0123456789', '') != " ~ value_expr,
        'shopify_customer_id': not_blank,
        'braintree_customer_id': not_blank,
        'anonymous_id': not_blank,
    } -%}
    ({{ value_expr }} is not null and {{ shoplog._identifier_rule(type_expr, rules) }})
{%- endmacro %}

{#- One rule per identifier type: the rule itself for a quoted literal type, else a CASE. -#}
{% macro _identifier_rule(type_expr, rules) -%}
    {%- set literal = type_expr | trim -%}
    {%- if literal.startswith("'") and literal.endswith("'") and literal[1:-1] in rules -%}
        {{ rules[literal[1:-1]] }}
    {%- else -%}
        case {{ type_expr }}
            {%- for identifier_type, rule in rules.items() %}
            when '{{ identifier_type }}' then {{ rule }}
            {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}
