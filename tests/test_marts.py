"""The business marts on real engines: orders across systems, revenue, sessions and funnel.

One small demo data set is generated, loaded and built (the whole project, every dbt test
passing) once per engine for the module. The marts are held to the generator's ground truth to
the cent, to an independent Python sessionization of the clean web events read straight from
the files, and to each other across DuckDB and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from engines import load_and_dbt_build, per_engine, scratch_duckdb

from flows.engine import Target, connect
from flows.generate import generate

pytestmark = pytest.mark.slow

MARTS = (
    "fct_orders",
    "fct_order_lines",
    "fct_daily_revenue",
    "rpt_revenue_by_payment_method",
    "fct_sessions",
    "fct_funnel",
    "dim_customers",
)
SESSION_GAP = datetime.timedelta(minutes=30)
FUNNEL_STEPS = ("product_view", "add_to_cart", "checkout_started", "purchase")


# --- building ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("marts-demo")
    generate(out, seed=23, events=12_000, days=5, defect_rate=0.03)
    return out


@pytest.fixture(scope="module")
def duck_built(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Target:
    target = scratch_duckdb(tmp_path_factory, "marts-duck")
    return load_and_dbt_build(target, demo_dir, tmp_path_factory.mktemp("marts-duck-target"))


@pytest.fixture(scope="module")
def pg_built(
    demo_dir: Path, pg_target_module: Target, tmp_path_factory: pytest.TempPathFactory
) -> Target:
    target_path = tmp_path_factory.mktemp("marts-pg-target")
    return load_and_dbt_build(pg_target_module, demo_dir, target_path)


built = per_engine("built", "duck_built", "pg_built")  # the demo data loaded and built


def query(target: Target, sql: str) -> list[dict[str, Any]]:
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute(sql)
        names = [col[0] for col in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        conn.close()


# --- independent truth from the generated files -----------------------------------------


@dataclass(frozen=True)
class Event:
    event_id: str
    event_type: str
    anonymous_id: str
    client_ts: datetime.datetime
    page_url: str | None
    order_ref: str | None


def bad_lines(demo_dir: Path) -> set[tuple[str, int]]:
    """(file, line) of every record the pipeline must not stage: defects and repeated copies."""
    with open(demo_dir / "ground_truth" / "defects.csv", newline="") as handle:
        return {
            (row["file"], int(row["line_number"]))
            for row in csv.DictReader(handle)
            if row["expected_outcome"] in ("quarantine", "duplicate")
        }


def parse_ts(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def clean_events(demo_dir: Path) -> list[Event]:
    """The clean web events, once each, read from the files without the warehouse."""
    skip = bad_lines(demo_dir)
    events: dict[str, Event] = {}
    for path in sorted(demo_dir.glob("web_events_*.jsonl")):
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if (path.name, number) in skip:
                continue
            record = json.loads(line)
            events.setdefault(
                record["event_id"],
                Event(
                    event_id=record["event_id"],
                    event_type=record["event_type"],
                    anonymous_id=record["anonymous_id"],
                    client_ts=parse_ts(record["client_ts"]),
                    page_url=record.get("page_url"),
                    order_ref=record.get("order_ref"),
                ),
            )
    assert events, "the generator wrote no web events"
    return list(events.values())


def sessionize(events: list[Event]) -> list[list[Event]]:
    """Each browser's events in time order, split where more than 30 minutes pass."""
    by_browser: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_browser[event.anonymous_id].append(event)
    sessions: list[list[Event]] = []
    for browser_events in by_browser.values():
        browser_events.sort(key=lambda e: (e.client_ts, e.event_id.encode()))
        current = [browser_events[0]]
        for event in browser_events[1:]:
            if event.client_ts - current[-1].client_ts > SESSION_GAP:
                sessions.append(current)
                current = []
            current.append(event)
        sessions.append(current)
    return sessions


@pytest.fixture(scope="module")
def expected_sessions(clean_events: list[Event]) -> list[list[Event]]:
    return sessionize(clean_events)


Totals = dict[tuple[str, str, str], tuple[int, Decimal, Decimal, Decimal]]


def read_totals(demo_dir: Path) -> Totals:
    with open(demo_dir / "ground_truth" / "totals.csv", newline="") as handle:
        return {
            (row["date"], row["channel"], row["currency"]): (
                int(row["orders"]),
                Decimal(row["gross"]),
                Decimal(row["refunds"]),
                Decimal(row["net"]),
            )
            for row in csv.DictReader(handle)
        }


# --- revenue -----------------------------------------------------------------------------


def test_orders_reconcile_to_the_ground_truth_totals_to_the_cent(
    built: Target, demo_dir: Path
) -> None:
    truth = read_totals(demo_dir)
    rows = query(
        built,
        "select order_date, channel, currency, count(*) as orders, sum(gross_amount) as gross, "
        "sum(refund_amount) as refunds, sum(net_amount) as net from marts.fct_orders "
        "where counts_as_revenue group by order_date, channel, currency",
    )
    mart = {
        (str(r["order_date"]), r["channel"], r["currency"]): (
            int(r["orders"]),
            Decimal(r["gross"]),
            Decimal(r["refunds"]),
            Decimal(r["net"]),
        )
        for r in rows
    }
    assert truth, "the generator wrote no totals"
    assert any(refunds for _, _, refunds, _ in truth.values()), "no refunds to reconcile"
    assert mart == truth

    per_channel: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (_, channel, currency), (_, _, _, net) in truth.items():
        per_channel[channel, currency] += net
    by_channel = query(
        built,
        "select channel, currency, sum(net_amount) as net from marts.fct_orders "
        "group by channel, currency",
    )
    assert {(r["channel"], r["currency"]): Decimal(r["net"]) for r in by_channel} == dict(
        per_channel
    )


def test_orders_that_count_nothing_carry_no_revenue(built: Target) -> None:
    statuses = {
        (r["channel"], r["status"]): r
        for r in query(
            built,
            "select channel, status, bool_or(counts_as_revenue) as any_counted, "
            "bool_and(counts_as_revenue) as all_counted, sum(gross_amount) as gross "
            "from marts.fct_orders group by channel, status",
        )
    }
    voided = statuses[("online_store", "voided")]
    declined = statuses[("marketplace", "processor_declined")]
    for row in (voided, declined):
        assert not row["any_counted"] and row["gross"] == 0
    assert statuses[("online_store", "paid")]["all_counted"]
    assert statuses[("marketplace", "settled")]["all_counted"]


def test_revenue_by_payment_method_rows_equal_daily_revenue(built: Target) -> None:
    daily: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in query(built, "select revenue_date, currency, net_amount from marts.fct_daily_revenue"):
        daily[str(r["revenue_date"]), r["currency"]] += Decimal(r["net_amount"])
    report = query(built, "select * from marts.rpt_revenue_by_payment_method")
    methods = [r["payment_method"] for r in query(built, "select * from staging.payment_methods")]
    assert report and len(methods) >= 5
    for row in report:
        parts = [Decimal(row[f"{method}_net_amount"]) for method in methods]
        assert sum(parts) + Decimal(row["other_net_amount"]) == row["total_net_amount"], row
        assert row["other_net_amount"] == 0, row
    assert {
        (str(r["revenue_date"]), r["currency"]): Decimal(r["total_net_amount"]) for r in report
    } == dict(daily)


def test_order_lines_belong_to_their_orders_and_add_up(built: Target) -> None:
    (check,) = query(
        built,
        "select count(*) as orders, "
        "sum(case when o.order_total = l.amount and o.units = l.units then 1 else 0 end) "
        "as matching from marts.fct_orders o inner join (select order_key, "
        "sum(line_amount) as amount, sum(quantity) as units from marts.fct_order_lines "
        "group by order_key) l on o.order_key = l.order_key",
    )
    (totals,) = query(built, "select count(*) as orders from marts.fct_orders")
    # every order has lines, and on the demo data an order's total is the sum of its lines
    assert check["orders"] == totals["orders"] > 0
    assert check["matching"] == check["orders"]


def test_online_orders_name_the_browser_that_bought(
    built: Target, clean_events: list[Event]
) -> None:
    buyers: dict[str, Event] = {}
    for event in clean_events:
        if event.event_type == "purchase" and event.order_ref:
            first = buyers.get(event.order_ref)
            key = (event.client_ts, event.event_id.encode())
            if first is None or key < (first.client_ts, first.event_id.encode()):
                buyers[event.order_ref] = event
    rows = query(
        built,
        "select order_name, channel, anonymous_id from marts.fct_orders",
    )
    online = {r["order_name"]: r["anonymous_id"] for r in rows if r["channel"] == "online_store"}
    expected = {name: buyers[name].anonymous_id if name in buyers else None for name in online}
    assert sum(1 for v in expected.values() if v) > 0.8 * len(online)
    assert online == expected
    assert all(r["anonymous_id"] is None for r in rows if r["channel"] == "marketplace")


# --- sessions and funnel -----------------------------------------------------------------


def test_sessions_match_an_independent_sessionization(
    built: Target, expected_sessions: list[list[Event]]
) -> None:
    expected = {
        (s[0].anonymous_id, s[0].client_ts): (
            s[-1].client_ts,
            s[0].event_id,
            len(s),
            len({e.page_url for e in s if e.page_url is not None}),
            any(e.event_type == "purchase" for e in s),
        )
        for s in expected_sessions
    }
    rows = query(
        built,
        "select anonymous_id, session_started_at, session_ended_at, first_event_id, events, "
        "pages, purchased from marts.fct_sessions",
    )
    actual = {
        (r["anonymous_id"], r["session_started_at"]): (
            r["session_ended_at"],
            r["first_event_id"],
            r["events"],
            r["pages"],
            r["purchased"],
        )
        for r in rows
    }
    assert len(rows) == len(actual) == len(expected_sessions)
    assert any(len(s) > 1 for s in expected_sessions)
    assert actual == expected


def test_funnel_matches_an_independent_count(
    built: Target, expected_sessions: list[list[Event]]
) -> None:
    counts: dict[datetime.date, list[int]] = defaultdict(lambda: [0] * (1 + len(FUNNEL_STEPS)))
    for session in expected_sessions:
        day = counts[session[0].client_ts.date()]
        day[0] += 1
        had = {e.event_type for e in session}
        for step in range(len(FUNNEL_STEPS)):
            if all(s in had for s in FUNNEL_STEPS[: step + 1]):
                day[step + 1] += 1
    rows = query(built, "select * from marts.fct_funnel")
    actual = {
        r["funnel_date"]: [
            r["sessions"],
            r["product_view_sessions"],
            r["add_to_cart_sessions"],
            r["checkout_sessions"],
            r["purchase_sessions"],
        ]
        for r in rows
    }
    assert actual == dict(counts)
    for r in rows:
        sessions, views, carts, checkouts, purchases = actual[r["funnel_date"]]
        assert purchases > 0
        assert r["view_to_cart_rate"] == carts / views
        assert r["cart_to_checkout_rate"] == checkouts / carts
        assert r["checkout_to_purchase_rate"] == purchases / checkouts
        assert r["session_conversion_rate"] == purchases / sessions


# --- the same on every engine ------------------------------------------------------------


def sorted_rows(target: Target, relation: str) -> list[tuple[Any, ...]]:
    """Every row of a relation, sorted in Python (collation-independent; nulls first)."""
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute(f"select * from {relation}")
        rows = [tuple(row) for row in cur.fetchall()]
    finally:
        conn.close()
    return sorted(rows, key=lambda row: tuple((v is not None, v) for v in row))


@pytest.mark.postgres
@pytest.mark.parametrize(
    "relation",
    [
        "intermediate.int_orders_unioned",
        "intermediate.int_order_lines_unioned",
        *(f"marts.{name}" for name in MARTS),
    ],
)
def test_duckdb_and_postgres_build_the_same_marts(
    duck_built: Target, pg_built: Target, relation: str
) -> None:
    duck_rows = sorted_rows(duck_built, relation)
    assert duck_rows, relation
    assert duck_rows == sorted_rows(pg_built, relation)
