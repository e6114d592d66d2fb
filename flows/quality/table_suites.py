"""Suites over tables: raw volume per load batch, the key marts, and the ML training set.

Uniqueness, keys and relationships of every model are dbt tests (they run at each build);
these suites are what a consumer checks before trusting the data: whole-table invariants,
ranges and shares, recorded run after run in audit.dq_results with Data Docs.
"""

from __future__ import annotations

from flows.quality.slas import SOURCES
from flows.quality.spec import SuiteSpec, expect

CHANNELS = ["online_store", "marketplace"]
CURRENCY_CODE = r"^[A-Z]{3}$"
# The live view is validated over its newest week of events: the whole history is the dbt
# tests' job, and reading millions of events into pandas every day would buy nothing.
LIVE_WINDOW = "interval '7 days'"


def raw_batches_suite(raw_tables: list[str]) -> SuiteSpec:
    """Rows per load batch: the ledger (_load_batches.rows) against the rows really in the log.

    raw_tables: the raw source tables that exist (a source never loaded has none).
    """
    counted = (
        " union all ".join(
            f"select _batch_id, count(*) as counted_rows from raw.{t} group by _batch_id"
            for t in raw_tables
        )
        or "select cast(null as bigint) as _batch_id, cast(0 as bigint) as counted_rows"
    )
    query = f"""
with
counted as ({counted}),
batches as (
    select
        batches.batch_id,
        batches.source,
        cast(batches.rows as bigint) as declared_rows,
        cast(coalesce(counted.counted_rows, 0) as bigint) as counted_rows
    from raw._load_batches as batches
    left join counted on counted._batch_id = batches.batch_id
),
typical as (
    select source, avg(declared_rows) as mean_rows from batches group by source
)
select
    batches.*,
    cast(case when typical.mean_rows > 0 then batches.declared_rows / typical.mean_rows end
         as double precision) as share_of_mean
from batches
join typical on typical.source = batches.source
"""
    return SuiteSpec(
        name="raw_batches",
        relation=("raw", "_load_batches"),
        query=query.strip(),
        requires=("batch_id", "source", "rows"),
        index_columns=("batch_id", "source"),
        expectations=(
            expect("ExpectTableRowCountToBeBetween", min_value=1),
            expect("ExpectColumnValuesToBeUnique", column="batch_id"),
            expect("ExpectColumnValuesToBeInSet", column="source", value_set=list(SOURCES)),
            # the loader's ledger must match the log: a difference means rows lost or doubled
            expect(
                "ExpectColumnPairValuesToBeEqual", column_A="declared_rows", column_B="counted_rows"
            ),
            # an empty file, or one a tenth of its source's usual size, is worth a look
            expect("ExpectColumnValuesToBeBetween", "warn", column="declared_rows", min_value=1),
            expect("ExpectColumnValuesToBeBetween", "warn", column="share_of_mean", min_value=0.1),
        ),
    )


def daily_revenue_suite() -> SuiteSpec:
    query = (
        "select revenue_date, channel, currency, orders, gross_amount, refund_amount, "
        "net_amount, net_amount_usd, "
        "gross_amount - refund_amount - net_amount as net_identity_gap "
        "from marts.fct_daily_revenue"
    )
    return SuiteSpec(
        name="fct_daily_revenue",
        relation=("marts", "fct_daily_revenue"),
        query=query,
        requires=(
            "revenue_date",
            "channel",
            "currency",
            "orders",
            "gross_amount",
            "refund_amount",
            "net_amount",
            "net_amount_usd",
        ),
        expectations=(
            expect("ExpectTableRowCountToBeBetween", min_value=1),
            expect("ExpectColumnValuesToNotBeNull", column="revenue_date"),
            expect(
                "ExpectCompoundColumnsToBeUnique",
                column_list=["revenue_date", "channel", "currency"],
            ),
            expect("ExpectColumnValuesToBeInSet", column="channel", value_set=CHANNELS),
            expect("ExpectColumnValuesToMatchRegex", column="currency", regex=CURRENCY_CODE),
            expect("ExpectColumnValuesToBeBetween", column="orders", min_value=0),
            expect("ExpectColumnValuesToBeBetween", column="gross_amount", min_value=0),
            expect("ExpectColumnValuesToBeBetween", column="refund_amount", min_value=0),
            expect(
                "ExpectColumnValuesToBeBetween", column="net_identity_gap", min_value=0, max_value=0
            ),
            # a currency missing from the fx_rates seed leaves the USD figure empty
            expect("ExpectColumnValuesToNotBeNull", "warn", column="net_amount_usd"),
        ),
    )


def events_live_suite(event_types: list[str] | None) -> SuiteSpec:
    query = (
        "select event_id, event_type, client_ts, received_at, price, quantity, is_from_tail "
        "from marts.fct_events_live "
        f"where received_at >= (select max(received_at) from marts.fct_events_live) - {LIVE_WINDOW}"
    )
    expectations = [
        expect("ExpectTableRowCountToBeBetween", min_value=1),
        expect("ExpectColumnValuesToBeUnique", column="event_id"),
        expect("ExpectColumnValuesToNotBeNull", column="event_id"),
        expect("ExpectColumnValuesToNotBeNull", column="client_ts"),
        expect("ExpectColumnValuesToNotBeNull", column="received_at"),
        expect("ExpectColumnValuesToBeBetween", column="price", min_value=0),
        expect("ExpectColumnValuesToBeBetween", column="quantity", min_value=1),
        # most events should be built; a large unbuilt tail means builds stopped keeping up
        expect(
            "ExpectColumnValuesToBeInSet",
            "warn",
            column="is_from_tail",
            value_set=[False],
            mostly=0.5,
        ),
    ]
    if event_types:
        expectations.insert(
            4, expect("ExpectColumnValuesToBeInSet", column="event_type", value_set=event_types)
        )
    return SuiteSpec(
        name="fct_events_live",
        relation=("marts", "fct_events_live"),
        query=query,
        requires=("event_id", "event_type", "client_ts", "received_at", "price", "quantity"),
        expectations=tuple(expectations),
    )


def row_accounting_suite() -> SuiteSpec:
    query = (
        "select source_name, raw_rows, staged_rows, quarantined_rows, duplicate_rows, "
        "raw_rows - staged_rows - quarantined_rows - duplicate_rows as unaccounted_rows "
        "from audit.audit_row_accounting"
    )
    return SuiteSpec(
        name="audit_row_accounting",
        relation=("audit", "audit_row_accounting"),
        query=query,
        requires=("source_name", "raw_rows", "staged_rows", "quarantined_rows", "duplicate_rows"),
        index_columns=("source_name",),
        expectations=(
            expect("ExpectTableRowCountToEqual", value=len(SOURCES)),
            expect("ExpectColumnValuesToBeUnique", column="source_name"),
            expect("ExpectColumnValuesToBeInSet", column="source_name", value_set=list(SOURCES)),
            # every raw row is staged, quarantined or a recorded duplicate
            expect(
                "ExpectColumnValuesToBeBetween", column="unaccounted_rows", min_value=0, max_value=0
            ),
            expect("ExpectColumnValuesToBeBetween", "warn", column="raw_rows", min_value=1),
        ),
    )


def optional_suites() -> list[SuiteSpec]:
    """Suites of marts that may not be built yet; each is skipped until its table exists, and
    an expectation on a column the table does not have is dropped."""
    return [
        SuiteSpec(
            name="fct_orders",
            relation=("marts", "fct_orders"),
            query="select * from marts.fct_orders",
            optional=True,
            expectations=(
                expect("ExpectTableRowCountToBeBetween", min_value=1),
                expect("ExpectColumnValuesToBeUnique", column="order_key"),
                expect("ExpectColumnValuesToNotBeNull", column="order_key"),
                expect("ExpectColumnValuesToBeInSet", column="channel", value_set=CHANNELS),
                expect("ExpectColumnValuesToMatchRegex", column="currency", regex=CURRENCY_CODE),
                expect("ExpectColumnValuesToNotBeNull", "warn", column="customer_key", mostly=0.95),
            ),
        ),
        SuiteSpec(
            name="dim_customers",
            relation=("marts", "dim_customers"),
            query="select * from marts.dim_customers",
            optional=True,
            expectations=(
                expect("ExpectTableRowCountToBeBetween", min_value=1),
                expect("ExpectColumnValuesToBeUnique", column="customer_key"),
                expect("ExpectColumnValuesToNotBeNull", column="customer_key"),
            ),
        ),
        ml_training_set_suite(),
    ]


def ml_training_set_suite() -> SuiteSpec:
    """The purchase-propensity training set (models/marts/ml), once it is built."""
    return SuiteSpec(
        name="ml_training_set",
        relation=("ml", "ml_training_set"),
        query="select * from ml.ml_training_set",
        optional=True,
        expectations=(
            # empty (a warning) until the data spans the label window plus 4 weeks of history
            expect("ExpectTableRowCountToBeBetween", "warn", min_value=1),
            expect("ExpectColumnValuesToNotBeNull", column="customer_key"),
            expect("ExpectColumnValuesToNotBeNull", column="cutoff_date"),
            expect("ExpectColumnValuesToNotBeNull", column="label"),
            expect("ExpectColumnValuesToBeInSet", column="label", value_set=[0, 1]),
            expect("ExpectCompoundColumnsToBeUnique", column_list=["customer_key", "cutoff_date"]),
            # both classes must be present for a model to learn anything
            expect(
                "ExpectColumnMeanToBeBetween",
                "warn",
                column="label",
                min_value=0.01,
                max_value=0.99,
            ),
        ),
    )
