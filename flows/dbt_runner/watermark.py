"""The newest load batch every incremental model over the log already holds.

An incremental build adds only rows of newer batches, so the tests of the big incremental
models (macro test_unique_combination with batch_column, and the row-wise tests of models with
meta.new_rows_batch_column, macros/tests/get_where_subquery.sql) need to look at those rows
only: the build passes this watermark to dbt in $SHOPLOG_TESTS_NEW_BATCHES_AFTER (or a
`dbt build` by hand as var('tests_new_batches_after')). Rows re-read
under the lookback come out identical, so they need no new check either.
"""

from __future__ import annotations

from flows.engine import ShoplogError, Target, connect

NEW_BATCHES_AFTER_ENV = "SHOPLOG_TESTS_NEW_BATCHES_AFTER"

# (relation, its batch column): every model whose tests are scoped by the watermark
INCREMENTAL_MODELS = (
    ("staging.base_web__events", "_batch_id"),
    ("staging.stg_web__events", "_batch_id"),
    ("quarantine.web_events", "_batch_id"),
    ("intermediate.int_identifiers_observed", "_batch_id"),
    ("intermediate.int_identifier_pairs", "last_batch_id"),
    ("intermediate.int_order_first_purchase_events", "last_batch_id"),
    ("marts.fct_sessions", "last_batch_id"),
)


def built_watermark(target: Target) -> int | None:
    """The smallest of the models' newest batch ids; None when any of them is missing or
    empty (a first build: every row is new, so every row is tested). On Spark, where reading it
    would start a JVM before dbt starts its own, every row is tested."""
    if target.spark_dir is not None:
        return None
    try:
        conn = connect(target, read_only=True)
    except ShoplogError:
        return None  # no warehouse yet
    marks = []
    try:
        for relation, column in INCREMENTAL_MODELS:
            cur = conn.cursor()
            try:
                cur.execute(f"select max({column}) from {relation}")
                (mark,) = cur.fetchone()
            except Exception:  # noqa: BLE001 - a missing relation, in any engine's words
                return None
            finally:
                cur.close()
            if mark is None:
                return None
            marks.append(int(mark))
    finally:
        conn.close()
    return min(marks)
