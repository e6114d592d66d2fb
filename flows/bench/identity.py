"""Identity-graph benchmark: resolve a synthetic graph of N identifiers with the real dbt models.

A scratch DuckDB gets staging-shaped tables (the only inputs of the graph models) holding a
simulated population whose identifiers are written in several forms, a few long chains (the
worst case for label propagation: one adversarial chain whose anchor sits at its far end), and
junk (a blocklisted email on many transactions, an unlisted one over the degree cap). Then
`dbt run` builds just the identity models, and the time they take is the figure.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flows.dbt_runner import DbtResult, run_dbt
from flows.engine import ShoplogError, Target, connect

GRAPH_MODELS = (
    "int_identifiers_observed",
    "int_identifier_pairs",
    "int_identity_nodes",
    "int_identity_edges",
    "int_identity_components",
    "int_customer_identifiers",
)
# Distinct identifiers per simulated person: 1 email + 2 browsers on average + 0.75 Shopify id
# + 0.5 Braintree id + a phone for 60 % of the 87.5 % who buy somewhere.
IDENTIFIERS_PER_PERSON = 4.78
CHAIN_SHARE = 0.02  # of the identifiers, in chains of CHAIN_LINKS email-customer id links
CHAIN_LINKS = 5_000
JUNK_BUYERS = 1_000  # transactions carrying each junk email


def bench_identity(workdir: Path, identifiers: int = 1_000_000) -> dict[str, Any]:
    """Build a graph of about `identifiers` identifiers in workdir and time its resolution.

    Returns identifiers, edges, components (of the resolved graph), seconds (the six graph
    models' build time, as dbt measured it), dbt_seconds (the whole `dbt run`, start-up
    included), per-model seconds and whether the labels had settled.
    """
    if identifiers < 1_000:
        raise ShoplogError("the identity benchmark needs at least 1000 identifiers")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "identity_bench.duckdb"
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    target = Target("duckdb", duckdb_path=path)

    chains = max(1, round(identifiers * CHAIN_SHARE / (2 * CHAIN_LINKS)))
    people = max(1, round((identifiers - chains * 2 * CHAIN_LINKS) / IDENTIFIERS_PER_PERSON))
    conn = connect(target)
    try:
        for statement in _staging_tables(people, chains):
            conn.execute(statement)
    finally:
        conn.close()

    _dbt(target, ["seed", "--select", "identifier_blocklist"], workdir)
    started = time.perf_counter()
    result = _dbt(target, ["run", "--select", *GRAPH_MODELS], workdir)
    dbt_seconds = time.perf_counter() - started
    model_seconds = {
        node.name: round(node.seconds, 2) for node in result.nodes if node.name in GRAPH_MODELS
    }

    conn = connect(target, read_only=True)
    try:

        def one(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

        summary = {
            "identifiers": one("select count(*) from intermediate.int_identity_nodes"),
            "edges": one("select count(*) from intermediate.int_identity_edges"),
            "components": one(
                "select count(distinct component_id) from intermediate.int_identity_components"
            ),
            "junk_identifiers": one(
                "select count(*) from intermediate.int_identity_nodes where is_junk"
            ),
            "largest_component": one(
                "select max(n) from (select count(*) as n "
                "from intermediate.int_identity_components group by component_id) as sizes"
            ),
            "converged": one(
                "select count(*) from intermediate.int_identity_components where not is_stable"
            )
            == 0,
        }
    finally:
        conn.close()
    return {
        **summary,
        "seconds": round(sum(model_seconds.values()), 2),
        "dbt_seconds": round(dbt_seconds, 2),
        "model_seconds": model_seconds,
        "simulated_people": people,
        "chains": chains,
    }


def _dbt(target: Target, args: list[str], workdir: Path) -> DbtResult:
    result = run_dbt(args, target, target_path=workdir / "target")
    if not result.ok:
        raise ShoplogError(result.failure_summary())
    return result


def _staging_tables(people: int, chains: int) -> list[str]:
    """SQL creating the three staging tables the graph reads, with only the columns it reads.

    Person p: an email (a third at gmail, written with dots, +tags and capitals that normalize
    away), 1-3 browsers that identify with it twice each, a phone (60 %), a Shopify customer
    (75 %: two orders of two versions) and a Braintree customer (50 %: two transactions).
    Chain c: transactions (b_k, e_k) and (b_k, e_k+1) link CHAIN_LINKS customer ids and emails
    end to end; chain 0 is adversarial (its earliest identifier, the anchor, at the far end).
    """

    # A pseudo-random but reproducible number in [0, m) from an integer expression.
    def h(expr: str, salt: int, m: int) -> str:
        return f"(hash(({expr}) * 7919 + {salt}) % {m})"

    ts = "(timestamp '2026-01-01 00:00:00' + to_seconds({}))"
    email_raw = (
        "case when p % 3 = 0 then 'User.' || p || '+' || (p % 7) || '@GMail.com' "
        "when p % 3 = 1 then ' user' || p || '@example.com' else 'user' || p || '@example.org' end"
    )
    digits = "cast(2000000000 + p as varchar)"  # one number per person
    phone_raw = (
        f"'(' || substr({digits}, 1, 3) || ') ' || substr({digits}, 4, 3) || '-' "
        f"|| substr({digits}, 7, 4)"
    )
    links = CHAIN_LINKS
    return [
        "create schema if not exists staging",
        f"""
        create or replace table staging.stg_web__events as
        with devices as (
            select p, d
            from range({people}) as people(p), range(3) as devices(d)
            where d <= {h("p", 1, 3)}
        )
        select
            md5('e' || p || ':' || d || ':' || k) as event_id,
            {ts.format(h("p * 8 + d * 2 + k", 2, 20_000_000))} as client_ts,
            md5('a' || p || ':' || d) as anonymous_id,
            lower(trim({email_raw})) as user_email,
            {email_raw} as user_email_original,
            1 as _batch_id
        from devices, range(2) as copies(k)
        """,
        f"""
        create or replace table staging.stg_shopify__order_versions as
        with versions as (
            select p, o, v
            from range({people}) as people(p), range(2) as orders(o), range(2) as vs(v)
            where {h("p", 3, 4)} < 3
        )
        select
            cast(p * 4 + o * 2 as bigint) + 5000000000000 as order_id,
            {ts.format(h("p * 4 + o", 4, 20_000_000) + " + v * 3600")} as valid_from,
            {ts.format(h("p * 4 + o", 4, 20_000_000) + " + v * 3600")} as updated_at,
            {email_raw} as email_original,
            {email_raw} as customer_email_original,
            case when {h("p", 5, 10)} < 6 then {phone_raw} end as customer_phone_original,
            cast(7400000000000 + p as bigint) as customer_id,
            1 as _batch_id
        from versions
        """,
        f"""
        create or replace table staging.stg_braintree__transactions as
        with buyers as (
            select p, t
            from range({people}) as people(p), range(2) as txns(t)
            where {h("p", 6, 2)} = 0
        ),
        chain_links as (
            select c, k, s
            from range({chains}) as cs(c), range({links}) as ks(k), range(2) as sides(s)
        )
        select
            'bt' || p || '-' || t as transaction_id,
            {ts.format(h("p * 2 + t", 7, 20_000_000))} as created_at,
            'B' || p as customer_id,
            {email_raw} as customer_email_original,
            case when {h("p", 5, 10)} < 6 then {phone_raw} end as customer_phone_original,
            1 as _batch_id
        from buyers
        union all
        select
            'chain' || c || '-' || k || '-' || s,
            case when c = 0
                then {ts.format(f"{links * 2} - k * 2 - s")}
                else {ts.format(h("c * 1000003 + k * 2 + s", 8, 20_000_000))}
            end,
            'C' || c || '-' || k,
            'chain' || c || '-' || (k + s) || '@example.net',
            null,
            1
        from chain_links
        union all
        select
            'junk-' || j,
            {ts.format(h("j", 9, 20_000_000))},
            'B' || ({h("j", 10, people)} * 2),
            case when j % 2 = 0 then 'TEST@test.com' else 'noemail@shop.example' end,
            null,
            1
        from range({2 * JUNK_BUYERS}) as junk(j)
        """,
    ]
