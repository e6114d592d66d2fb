{#- One line of text per input row, for set_digest: a prefix naming the kind of row, then its
    fields in order, '|'-separated, nulls as '~'. Each field is written as the engine writes it
    as text: a digest is only ever compared with one made on the same engine. -#}
{% macro digest_text(columns, prefix) -%}
    {%- set parts = ["'" ~ prefix ~ "'"] -%}
    {%- for column in columns -%}
        {%- do parts.append("'|'") -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#- An aggregate: the md5 of a group's lines sorted byte by byte, so equal sets of lines give
    equal digests whatever order the rows come in. salt is written into every digest, so
    changing it changes them all. -#}
{% macro set_digest(text_expr, salt='') -%}
    {{ dbt.hash(dbt.concat([
        "'" ~ salt ~ "'",
        dbt.listagg(text_expr, "'\n'", "order by " ~ shoplog.binary_collation(text_expr)),
    ])) }}
{%- endmacro %}
