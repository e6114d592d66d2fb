"""The first end-to-end slice on real engines: generate → load → dbt build → mart.

The same demo data is built on DuckDB and on PostgreSQL; both must reproduce the generator's
ground truth exactly and agree with each other.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from engines import per_engine, scratch_duckdb
from warehouse_queries import query

from flows.engine import Target, connect
from flows.generate import generate
from flows.load import load_files
from flows.pipeline import build, incoming_files

pytestmark = pytest.mark.slow

SOURCES = ("web_events", "shopify_orders", "braintree_transactions")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, seed=11, events=20_000, days=6, defect_rate=0.05)
    return out


def load_and_build(target: Target, files_dir: Path) -> Target:
    load_files(target, incoming_files(files_dir))
    build(target)
    return target


@pytest.fixture(scope="module")
def duck_built(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Target:
    return load_and_build(scratch_duckdb(tmp_path_factory, "wh"), demo_dir)


@pytest.fixture(scope="module")
def pg_built(demo_dir: Path, pg_target_module: Target) -> Target:
    return load_and_build(pg_target_module, demo_dir)


built = per_engine("built", "duck_built", "pg_built")  # the demo data loaded and built


# Columns that legitimately differ between two warehouses: load times (two loads never share
# one), and JSON kept as text (PostgreSQL's jsonb re-spaces and re-orders keys; the lines
# models compare the parsed content instead).
ENGINE_SPECIFIC_COLUMNS = {"_loaded_at", "line_items_json"}


def query_comparable(target: Target, sql: str) -> list[tuple]:
    """Rows of a query without the ENGINE_SPECIFIC_COLUMNS."""
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute(sql)
        keep = [i for i, col in enumerate(cur.description) if col[0] not in ENGINE_SPECIFIC_COLUMNS]
        return [tuple(row[i] for i in keep) for row in cur.fetchall()]
    finally:
        conn.close()


def physical_records(path: Path) -> int:
    data = path.read_bytes()
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    return lines - (1 if path.name.startswith("braintree") and lines else 0)


def test_raw_rows_equal_the_physical_records_of_the_files(built: Target, demo_dir: Path) -> None:
    for source in SOURCES:
        expected = sum(physical_records(p) for p in demo_dir.glob(f"{source}_*"))
        (rows,) = query(built, f"select count(*) from raw.{source}")[0]
        assert rows == expected, source


def test_revenue_mart_reconciles_to_the_generators_clean_totals(
    built: Target, demo_dir: Path
) -> None:
    with open(demo_dir / "ground_truth" / "totals.csv", newline="") as handle:
        truth = {
            (row["date"], row["channel"], row["currency"]): (
                int(row["orders"]),
                Decimal(row["gross"]),
                Decimal(row["refunds"]),
                Decimal(row["net"]),
            )
            for row in csv.DictReader(handle)
        }
    mart = {
        (str(day), channel, currency): (int(orders), Decimal(gross), Decimal(refunds), Decimal(net))
        for day, channel, currency, orders, gross, refunds, net in query(
            built,
            "select revenue_date, channel, currency, orders, gross_amount, refund_amount, "
            "net_amount from marts.fct_daily_revenue",
        )
    }
    assert truth, "the generator wrote no totals"
    assert mart == truth


def test_quarantine_holds_exactly_the_injected_defects(built: Target, demo_dir: Path) -> None:
    with open(demo_dir / "ground_truth" / "defects.csv", newline="") as handle:
        expected = {
            (row["file"], int(row["line_number"]))
            for row in csv.DictReader(handle)
            if row["expected_outcome"] == "quarantine"
        }
    quarantined: set[tuple[str, int]] = set()
    for source in SOURCES:
        for source_file, line in query(
            built, f"select _source_file, _line_number from quarantine.{source}"
        ):
            quarantined.add((Path(source_file).name, int(line)))
    assert expected, "the generator injected no defects"
    assert quarantined == expected


def test_every_raw_row_is_staged_quarantined_or_a_known_duplicate(
    built: Target, demo_dir: Path
) -> None:
    with open(demo_dir / "ground_truth" / "defects.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    staged_sql = {
        "web_events": "select count(*) from staging.stg_web__events",
        "braintree_transactions": "select count(*) from staging.stg_braintree__transactions",
    }
    for source, sql in staged_sql.items():
        duplicates = sum(
            1 for r in rows if r["source"] == source and r["expected_outcome"] == "duplicate"
        )
        raw = query(built, f"select count(*) from raw.{source}")[0][0]
        staged = query(built, sql)[0][0]
        quarantined = query(built, f"select count(*) from quarantine.{source}")[0][0]
        assert duplicates > 0 and quarantined > 0, source
        assert raw == staged + quarantined + duplicates, source


@pytest.mark.postgres
def test_duckdb_and_postgres_build_the_same_tables(duck_built: Target, pg_built: Target) -> None:
    for relation, order in [
        ("marts.fct_daily_revenue", "revenue_date, channel, currency"),
        ("staging.stg_web__events", "event_id"),
        ("staging.stg_shopify__orders", "order_id"),
        ("staging.stg_braintree__transactions", "transaction_id"),
        ("staging.stg_shopify__order_lines", "order_id, line_position"),
        ("staging.stg_braintree__transaction_lines", "transaction_id, line_position"),
        ("quarantine.web_events", "_batch_id, _line_number"),
        ("audit.audit_row_accounting", "source_name"),
    ]:
        sql = f"select * from {relation} order by {order}"
        duck_rows = query_comparable(duck_built, sql)
        assert duck_rows, relation
        assert duck_rows == query_comparable(pg_built, sql), relation
