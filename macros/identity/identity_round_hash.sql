{#- A node id hashed for contraction round `round` of int_identity_components: two affine
    maps modulo two primes below 2^31, with constants that differ per round (powers of
    well-known multiplicative-generator constants). Integer arithmetic only, so every engine
    computes the same value; for node ids below 2^31 every intermediate fits a bigint and the
    result is below 2^31. -#}
{% macro identity_round_hash(expr, round) -%}
    {%- set m1 = 2147483647 -%}
    {%- set m2 = 2147483629 -%}
    {%- set n = round + 1 -%}
    (((({{ expr }} * {{ (48271 ** n) % m1 }} + {{ (16807 ** n) % m1 }}) % {{ m1 }})
        * {{ (69621 ** n) % m2 }} + {{ (40692 ** n) % m2 }}) % {{ m2 }})
{%- endmacro %}
