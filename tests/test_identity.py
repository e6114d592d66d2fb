"""The identity graph on real engines: scenarios end to end, then demo data scored against the
generator's ground truth on DuckDB and PostgreSQL (pairwise precision and recall >= 0.99).

Builds use flows.pipeline.build; dbt's artifacts go to a temporary folder (not target/), so
this module never races other builds of the same checkout.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from engines import per_engine, scratch_duckdb
from warehouse_queries import query

from flows.bench.identity import bench_identity
from flows.dbt_runner import run_dbt
from flows.engine import Target
from flows.eval import evaluate_entity_resolution, normalize_email, normalize_identifier
from flows.eval.er import read_truth, score
from flows.generate import generate
from flows.generate.identity import normalize_email as generator_normalize_email
from flows.load import load_files
from flows.pipeline import build, incoming_files

MIN_SCORE = 0.99
MART_SQL = (
    "select customer_key, identifier_type, identifier_value from marts.dim_customer_identifiers"
)
TRUTH_SEED = 23


@pytest.fixture(scope="module", autouse=True)
def private_dbt_artifacts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # through the environment, as scratch runs do, so every module that resolves the
    # default target path (the runner, the pipeline's saved prod state) sees the same one
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOPLOG_DBT_TARGET_DIR", str(tmp_path_factory.mktemp("dbt-target")))
        yield


def customers(target: Target) -> dict[str, set[str]]:
    """customer_key -> {'type:value', ...} from the mart."""
    groups: dict[str, set[str]] = defaultdict(set)
    for key, kind, value in _rows(target):
        groups[key].add(f"{kind}:{value}")
    return dict(groups)


# ---------------------------------------------------------------- fast: the Python rules


def test_python_email_rule_matches_the_generators_documented_rule() -> None:
    for raw in (
        " John.Smith+shop@GMail.com ",
        "j.o.h.n.smith@googlemail.com",
        "JOHN.SMITH+a+b@gmail.com",
        "Mary.Jones+news@Yahoo.com",
        "  ann@example.com",
    ):
        assert normalize_email(raw) == generator_normalize_email(raw)
    assert normalize_email("   ") is None
    assert normalize_identifier("phone", "(212) 555-0100") == "12125550100"
    assert normalize_identifier("phone", "n/a") is None
    assert normalize_identifier("braintree_customer_id", " B1 ") == "B1"


def test_score_counts_pairs() -> None:
    truth = {("email", "a"): "P1", ("phone", "1"): "P1", ("email", "b"): "P2", ("x", "y"): "P2"}
    resolved = {("email", "a"): "C1", ("phone", "1"): "C1", ("email", "b"): "C1"}
    result = score(resolved, truth)
    # placed together: a-1, a-b, 1-b (3), of which a-1 is right; truly together among the
    # scored: a-1 only; the unscored x:y is missing
    assert (result["pairs_placed_together"], result["pairs_correct"]) == (3, 1)
    assert result["precision"] == pytest.approx(1 / 3)
    assert result["recall"] == 1.0
    assert result["recall_all_truth"] == 0.5
    assert result["identifiers_missing"] == 1


# ---------------------------------------------------------------- scenarios end to end

SCENARIO_DAY = "2026-09-01"


def _web_event(event_id: str, anonymous_id: str, email: str, minute: int) -> str:
    ts = f"{SCENARIO_DAY}T10:{minute:02d}:00.000Z"
    return json.dumps(
        {
            "event_id": event_id,
            "event_type": "identify",
            "anonymous_id": anonymous_id,
            "user_email": email,
            "client_ts": ts,
            "received_at": ts,
            "page_url": "https://shop.example.com/account/login",
            "user_agent": "Mozilla/5.0",
        }
    )


def _shopify_order(order_id: int, customer_id: int, email: str, customer_email: str) -> str:
    ts = f"{SCENARIO_DAY}T11:00:00Z"
    return json.dumps(
        {
            "id": order_id,
            "name": f"#{order_id}",
            "email": email,
            "created_at": ts,
            "updated_at": ts,
            "currency": "USD",
            "financial_status": "paid",
            "total_price": "10.00",
            "current_total_price": "10.00",
            "customer": {"id": customer_id, "email": customer_email, "phone": None},
            "line_items": [
                {"id": order_id, "sku": "TEE-001", "title": "Tee", "quantity": 1, "price": "10.00"}
            ],
        }
    )


BRAINTREE_HEADER = (
    "transaction_id,type,status,created_at,amount,currency_iso_code,payment_instrument_type,"
    "customer_id,customer_email,customer_phone,order_id,line_items_json"
)
JUNK_BUYERS = 25  # more than the default identity_max_degree (20)


def _braintree(transaction_id: str, customer_id: str, email: str, phone: str) -> list[str]:
    items = '[{"sku":"TEE-001","title":"Tee","quantity":1,"price":"10.00"}]'
    return [
        transaction_id,
        "sale",
        "settled",
        f"{SCENARIO_DAY} 12:00:00",
        "10.00",
        "USD",
        "credit_card",
        customer_id,
        email,
        phone,
        f"MP-{transaction_id}",
        items,
    ]


def write_scenarios(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    web = [
        _web_event("e-chain", "anon-chain", "chain.one@example.com", 1),
        _web_event("e-jane", "anon-jane", " Jane.Doe+promo@GoogleMail.com", 2),
    ]
    (folder / f"web_events_{SCENARIO_DAY}.jsonl").write_text("\n".join(web) + "\n")
    shopify = [
        _shopify_order(9001, 8001, "ann@example.com", "ann@example.com"),
        _shopify_order(9002, 8002, " ANN@example.com", "Ann@Example.com"),
        _shopify_order(9003, 8003, "janedoe@gmail.com", "JANE.DOE@gmail.com "),
    ]
    (folder / f"shopify_orders_{SCENARIO_DAY}.jsonl").write_text("\n".join(shopify) + "\n")
    rows = [
        _braintree("t-c1", "BC1", "chain.one@example.com", ""),
        _braintree("t-c2", "BC1", "chain.two@example.com", "(646) 555-0102"),
        _braintree("t-j1", "BJ1", "j.a.n.e.d.o.e+news@gmail.com", ""),
        _braintree("t-p1", "BP1", "", "(415) 555-0107"),
        _braintree("t-p2", "BP1", "", "415.555.0107"),
    ]
    rows += [_braintree(f"t-n{i}", f"BN{i}", "nobody@shop.example", "") for i in range(JUNK_BUYERS)]
    rows += [_braintree(f"t-t{i}", f"BT{i}", "Test@Test.com", "000-000-0000") for i in range(3)]
    with open(folder / f"braintree_transactions_{SCENARIO_DAY}.csv", "w", newline="") as out:
        out.write(BRAINTREE_HEADER + "\n")
        csv.writer(out, lineterminator="\n").writerows(rows)


@pytest.mark.slow
def test_scenarios_end_to_end(tmp_path: Path) -> None:
    write_scenarios(tmp_path / "in")
    target = Target("duckdb", duckdb_path=tmp_path / "warehouse.duckdb")
    load_files(target, incoming_files(tmp_path / "in"))
    # only the mart and what it needs; "cautious" leaves out tests that reach other models
    args = ["build", "--select", "+dim_customer_identifiers", "--indirect-selection", "cautious"]
    result = run_dbt(args, target, target_path=tmp_path / "target")
    assert result.ok, result.failure_summary()
    groups = customers(target)
    by_identifier = {member: key for key, members in groups.items() for member in members}

    def customer_of(member: str) -> set[str]:
        return groups[by_identifier[member]]

    # one email on two Shopify customer ids: one customer
    assert customer_of("email:ann@example.com") == {
        "email:ann@example.com",
        "shopify_customer_id:8001",
        "shopify_customer_id:8002",
    }
    # a chain through different identifier types: browser - email - Braintree id - email, phone
    assert customer_of("anonymous_id:anon-chain") == {
        "anonymous_id:anon-chain",
        "email:chain.one@example.com",
        "braintree_customer_id:BC1",
        "email:chain.two@example.com",
        "phone:16465550102",
    }
    # case, spaces, gmail dots, +tags and googlemail: one email, one customer
    assert customer_of("email:janedoe@gmail.com") == {
        "anonymous_id:anon-jane",
        "email:janedoe@gmail.com",
        "shopify_customer_id:8003",
        "braintree_customer_id:BJ1",
    }
    # no email at all: phone (two spellings) and Braintree id
    assert customer_of("braintree_customer_id:BP1") == {
        "braintree_customer_id:BP1",
        "phone:14155550107",
    }
    # junk shared by many buyers merges nobody and belongs to nobody
    for i in range(JUNK_BUYERS):
        assert customer_of(f"braintree_customer_id:BN{i}") == {f"braintree_customer_id:BN{i}"}
    for i in range(3):
        assert customer_of(f"braintree_customer_id:BT{i}") == {f"braintree_customer_id:BT{i}"}
    for junk in ("email:nobody@shop.example", "email:test@test.com", "phone:10000000000"):
        assert junk not in by_identifier
    reasons = dict(
        query(
            target,
            "select node_key, junk_reason from intermediate.int_identity_nodes where is_junk",
        )
    )
    assert reasons == {
        "email:nobody@shop.example": "max_degree",
        "email:test@test.com": "blocklist",
        "phone:10000000000": "blocklist",
    }


# ---------------------------------------------------------------- demo data vs ground truth


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("identity-demo")
    generate(out, seed=TRUTH_SEED, events=30_000, days=6, defect_rate=0.05)
    return out


@pytest.fixture(scope="module")
def duck_built(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Target:
    target = scratch_duckdb(tmp_path_factory, "wh")
    load_files(target, incoming_files(demo_dir))
    build(target)
    return target


@pytest.fixture(scope="module")
def pg_built(demo_dir: Path, pg_target_module: Target) -> Target:
    # loaded in reverse file order: keys must not depend on the order rows arrive in
    load_files(pg_target_module, list(reversed(incoming_files(demo_dir))))
    build(pg_target_module)
    return pg_target_module


built = per_engine("built", "duck_built", "pg_built")


@pytest.mark.slow
def test_resolution_matches_the_ground_truth(built: Target, demo_dir: Path) -> None:
    result = evaluate_entity_resolution(built, demo_dir / "ground_truth")
    print(f"\n{built.name}: {json.dumps(result)}")
    assert result["precision"] >= MIN_SCORE, result
    assert result["recall"] >= MIN_SCORE, result
    assert result["pairs_truly_together"] > 1_000, result  # the score means something
    assert result["junk_resolved"] == 0
    assert result["identifiers_unknown"] == 0
    assert result["ambiguous_identifiers"] == 0


@pytest.mark.slow
def test_only_browsers_that_never_identified_are_missing(built: Target, demo_dir: Path) -> None:
    truth, _junk, _ambiguous = read_truth(demo_dir / "ground_truth" / "identities.csv")
    listed = {(kind, value) for _key, kind, value in _rows(built)}
    missing = {node for node in truth if node not in listed}
    identified = {
        ("anonymous_id", aid)
        for (aid,) in query(
            built,
            "select distinct anonymous_id from staging.stg_web__events "
            "where user_email is not null",
        )
    }
    assert all(kind == "anonymous_id" for kind, _value in missing)
    assert not missing & identified


@pytest.mark.slow
def test_sql_normalization_matches_python(built: Target) -> None:
    rows = query(
        built,
        "select identifier_type, identifier_value_original, identifier_value "
        "from intermediate.int_identifiers_observed",
    )
    assert rows
    wrong = [r for r in rows if normalize_identifier(r[0], r[1]) != r[2]]
    assert not wrong[:5]


@pytest.mark.slow
@pytest.mark.postgres
def test_engines_agree_whatever_the_load_order(duck_built: Target, pg_built: Target) -> None:
    duck, pg = set(_rows(duck_built)), set(_rows(pg_built))
    assert duck == pg
    assert len(duck) > 500


def _rows(target: Target) -> list[tuple]:
    return query(target, MART_SQL)


# ---------------------------------------------------------------- the benchmark step


@pytest.mark.slow
def test_bench_identity_resolves_a_synthetic_graph(tmp_path: Path) -> None:
    result = bench_identity(tmp_path, identifiers=30_000)
    assert result["converged"]
    assert 25_000 <= result["identifiers"] <= 35_000
    assert result["largest_component"] >= 5_000  # the chain came out whole
    assert result["junk_identifiers"] == 2
    assert result["seconds"] > 0
