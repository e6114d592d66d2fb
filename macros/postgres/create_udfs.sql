{#- Safe parsing functions PostgreSQL lacks (15 has no try-cast and raises on invalid jsonb).
    Created by on-run-start in the target schema; other engines need none. They catch errors,
    which opens a subtransaction, so they are parallel restricted (never run in a worker). -#}
{% macro create_udfs() -%}
    {{ return(adapter.dispatch('create_udfs', 'shoplog')()) }}
{%- endmacro %}

{% macro default__create_udfs() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_udfs() -%}
    {%- set s = target.schema -%}
    create schema if not exists {{ s }};

    create or replace function {{ s }}.shoplog_try_jsonb_object(t text) returns jsonb
    language plpgsql immutable parallel restricted as $fn$
    declare j jsonb;
    begin
        j := t::jsonb;
        if jsonb_typeof(j) = 'object' then return j; end if;
        return null;
    exception when others then return null;
    end $fn$;

    create or replace function {{ s }}.shoplog_try_jsonb_array(t text) returns jsonb
    language plpgsql immutable parallel restricted as $fn$
    declare j jsonb;
    begin
        j := t::jsonb;
        if jsonb_typeof(j) = 'array' then return j; end if;
        return null;
    exception when others then return null;
    end $fn$;

    create or replace function {{ s }}.shoplog_try_numeric(t text) returns numeric
    language plpgsql immutable parallel restricted as $fn$
    begin
        -- only plain decimal notation counts: 'NaN', 'Infinity' and '1e5' are not money
        if t !~ '^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$' then return null; end if;
        return t::numeric;
    exception when others then return null;
    end $fn$;

    create or replace function {{ s }}.shoplog_try_bigint(t text) returns bigint
    language plpgsql immutable parallel restricted as $fn$
    begin
        if t !~ '^\s*[-+]?[0-9]+\s*$' then return null; end if;
        return t::bigint;
    exception when others then return null;
    end $fn$;

    -- the session time zone is pinned to UTC so a text without an offset means UTC
    create or replace function {{ s }}.shoplog_try_utc_timestamp(t text) returns timestamp
    language plpgsql immutable parallel restricted set timezone = 'UTC' as $fn$
    begin
        if t !~ '^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}' then return null; end if;
        return (t::timestamptz at time zone 'UTC');
    exception when others then return null;
    end $fn$;
{%- endmacro %}
